"""Retention: user-level rows older than user_data_retention_days are gone, as BigQuery's
partition expiration drops them, and the aggregates keep counting them."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from glue.runner import compile_graph
from glue.sql_tests import Harness
from tests.definitions.test_recovery import Traffic

USER_LEVEL = (
    "stg_visit_payloads",
    "stg_visits",
    "stg_visit_checks",
    "stg_events",
    "sessions",
    "events",
    "purchase_items",
)
PER_MINUTE = ("page_views_per_minute", "activity_per_minute")


def rows(harness: Harness, name: str) -> list[tuple]:
    return sorted(tuple(str(v) for v in row.values()) for row in harness.rows(name))


def test_user_level_rows_past_the_period_are_dropped_and_the_aggregates_keep_them(settings):
    graph = compile_graph(settings, {"user_data_retention_days": "3"})
    assert graph.find("sessions").partition_expiration_days == 3
    assert graph.find("page_views_per_minute").partition_expiration_days is None
    harness = Harness(graph)
    harness._clock = (datetime.now(timezone.utc) + timedelta(days=1)).replace(
        hour=12, minute=0, second=0, microsecond=0
    )
    traffic = Traffic(harness, per_hour=6, seed=21)
    traffic.hour()
    harness.run()
    first_day = harness._clock.date()
    old_sessions = harness.scalar("SELECT COUNT(*) FROM clickstream.sessions")
    assert old_sessions == 6
    minutes = {name: rows(harness, name) for name in PER_MINUTE}

    harness.advance(timedelta(days=2))  # within the period: nothing goes
    traffic.hour()
    harness.run()
    assert harness.scalar("SELECT COUNT(*) FROM clickstream.sessions") == 12

    harness.advance(timedelta(days=2))  # the first day's partitions are now 4 days old
    traffic.hour()
    harness.run()
    for name in USER_LEVEL:
        action = graph.find(name)
        left = harness.scalar(
            f"SELECT COUNT(*) FROM {action.schema}.{action.table} WHERE CAST(loaded_at AS DATE) <= DATE '{first_day}'"
        )
        assert left == 0, name
    assert harness.scalar("SELECT COUNT(*) FROM clickstream.sessions") == 12
    # The aggregates still count the dropped visits: their minutes are as they were, and the
    # running totals hold every visit ever loaded.
    for name in PER_MINUTE:
        assert set(minutes[name]) <= set(rows(harness, name)), name
    assert sum(r["visits"] for r in harness.rows("device_totals")) == traffic.published == 18

"""Reprocessing a range of loads (`clickstream local run --reprocess FROM..UNTIL`): the rows made
from the payloads loaded in the range are written again by the current models, reading only
those loads, and every other row stays as it was.

Three days of simulated traffic load three times a day on the harness clock; the middle day is
then reprocessed.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from glue.cost import cost_model
from glue.dataform import Graph, compile_project
from glue.oracle import check_graph
from glue.runner import LoadRange, compile_graph, parse_range, reprocess_selection
from glue.sql_tests import Harness
from tests.conftest import copy_project
from tests.definitions.test_recovery import Traffic

EVERY_TABLE = (
    "stg_visits",
    "stg_visit_checks",
    "stg_events",
    "stg_event_items",
    "sessions",
    "events",
    "purchase_items",
    "rejected_visits",
    "page_views_per_minute",
    "activity_per_minute",
    "page_totals",
    "device_totals",
    "category_totals",
    "product_totals",
)


@pytest.fixture
def clock():
    """A midnight ahead of the wall clock: each day of loads is one calendar day."""
    return (datetime.now(timezone.utc) + timedelta(days=2)).replace(hour=0, minute=0, second=0, microsecond=0)


def three_days(harness: Harness, clock, visit) -> LoadRange:
    """Three days of traffic, loaded at 07:00 and 19:00 each day, a rejected visit among them; the
    middle day's loads as a range."""
    harness._clock = clock
    traffic = Traffic(harness, per_hour=2, seed=13)
    for day in range(3):
        for hour in range(24):
            if day == 1 and hour == 3:
                harness.pubsub([{**visit, "session_id": "SID-BROKEN", "device_type": "toaster"}])
            traffic.hour()
            if hour % 12 == 6:
                harness.run()
    middle = clock + timedelta(days=1)
    return LoadRange(middle, middle + timedelta(days=1))


def table(harness: Harness, name: str) -> list[tuple]:
    return sorted(tuple(str(v) for v in row.values()) for row in harness.rows(name))


def run_reprocess(harness: Harness, graph, observer=None):
    selection = reprocess_selection(graph, ("ml",))
    harness.graph = graph
    return harness.run(*selection, dependencies=False, with_assertions=True, observer=observer)


def test_a_range_is_parsed_from_dates_or_times():
    day = parse_range("2024-08-20")
    assert (day.start.isoformat(), day.end.isoformat()) == ("2024-08-20T00:00:00+00:00", "2024-08-21T00:00:00+00:00")
    hours = parse_range("2024-08-20T06:00..2024-08-20T12:00+02:00")
    assert hours.variables() == {"reprocess_from": "2024-08-20T06:00:00Z", "reprocess_until": "2024-08-20T10:00:00Z"}
    with pytest.raises(ValueError, match="FROM must come before UNTIL"):
        parse_range("2024-08-21..2024-08-20")
    with pytest.raises(ValueError, match="write FROM..UNTIL"):
        parse_range("yesterday")


def test_a_range_of_one_load_compiles(settings):
    """[loaded_at, loaded_at + 1 microsecond): the range an erasure reprocesses for one load."""
    load = datetime(2026, 12, 6, 2, 46, 22, 633938, tzinfo=timezone.utc)
    graph = compile_graph(settings, LoadRange(load, load + timedelta(microseconds=1)).variables())
    assert "TIMESTAMP '2026-12-06T02:46:22.633939Z'" in graph.find("sessions").incremental_pre_ops[0]


def test_reprocessing_without_a_model_change_changes_no_table(harness, graph, settings, clock, visit):
    """On both engines: BigQuery's reference evaluator runs the retraction and the rebuild too.
    This also holds the retraction's counts equal to the aggregates' own."""
    load_range = three_days(harness, clock, visit)
    before = {name: table(harness, name) for name in EVERY_TABLE}
    report = run_reprocess(harness, compile_graph(settings, load_range.variables()))

    assert report.ok, [r.message for r in report.failed()]
    ran = {r.action.table for r in report.results if r.status == "ok"}
    assert {"retract_reprocessed_loads", "sessions", "page_totals", "assert_sessions_loaded"} <= ran
    assert "stg_visit_payloads" not in ran and "session_features" not in ran
    for name in EVERY_TABLE:
        assert table(harness, name) == before[name], name
    assert any("toaster" in str(row) for row in before["rejected_visits"])


def paths_not_urls(project) -> None:
    """The model change: page_url keeps the path and drops the site."""
    path = project / "definitions" / "staging" / "stg_events.sqlx"
    text = path.read_text()
    old = "JSON_VALUE(event, '$.details.page_url') AS page_url,"
    assert old in text
    path.write_text(
        text.replace(
            old, "REGEXP_REPLACE(JSON_VALUE(event, '$.details.page_url'), r'^https?://[^/]+', '') AS page_url,"
        )
    )


def test_a_changed_model_applied_to_one_day_rebuilds_that_day_and_leaves_the_others(
    graph, settings, clock, visit, tmp_path, oracle
):
    from dataclasses import replace

    harness = Harness(graph)
    load_range = three_days(harness, clock, visit)
    start, end = load_range.start, load_range.end
    inside = lambda row: start <= row["loaded_at"] < end  # noqa: E731
    events_before = harness.rows("events")
    minutes_before = harness.rows("page_views_per_minute")
    project = copy_project(settings, tmp_path / "project")
    paths_not_urls(project)
    changed = Graph(compile_project(project, settings.dataform_cli, load_range.variables()))
    checked = check_graph(changed, oracle, replace(settings, root=project))
    assert checked.ok, checked.problems
    model = cost_model(oracle, changed, settings, checked)

    run_reprocess(harness, changed, observer=model)

    events = harness.rows("events")
    assert len(events) == len(events_before)
    key = lambda row: (row["visit_id"], row["event_index"])  # noqa: E731
    was = {key(row): row for row in events_before}
    rebuilt = [row for row in events if inside(row)]
    assert rebuilt and len(rebuilt) < len(events)
    for row in events:
        old = was[key(row)]
        if inside(row) and row["event_type"] == "page_view":
            assert row["page_url"] == "/" + old["page_url"].split("/", 3)[3]
        else:
            assert row == old
    # The aggregates hold what the events now say: the day's old pages given back, its new ones counted.
    assert sorted(
        map(
            tuple,
            harness.connection.execute(
                "SELECT date_trunc('minute', event_timestamp) AS minute, page_url, COUNT(*), MAX(loaded_at) FROM clickstream.events "
                "WHERE event_type = 'page_view' GROUP BY ALL ORDER BY ALL"
            ).fetchall(),
        )
    ) == sorted(
        (r["minute"], r["page_url"], r["page_views"], r["loaded_at"]) for r in harness.rows("page_views_per_minute")
    )
    assert sorted(
        harness.connection.execute(
            "SELECT page_url, COUNT(*), COUNT(DISTINCT visit_id) FROM clickstream.events "
            "WHERE event_type = 'page_view' GROUP BY ALL"
        ).fetchall()
    ) == sorted((r["page_url"], r["page_views"], r["visits"]) for r in harness.rows("page_totals"))
    minute = lambda row: row["event_timestamp"].replace(second=0, microsecond=0)  # noqa: E731
    untouched = {minute(r) for r in events_before if not inside(r)} - {minute(r) for r in events_before if inside(r)}
    assert untouched
    assert [r for r in minutes_before if r["minute"] in untouched] == [
        r for r in harness.rows("page_views_per_minute") if r["minute"] in untouched
    ]
    assert_priced_within_the_days_partitions(harness, model, load_range)


def assert_priced_within_the_days_partitions(harness: Harness, model, load_range: LoadRange) -> None:
    """Every partitioned table the run reads, it reads only in partitions that hold rows of the
    range's loads: a day of loads lands in its own day's partitions and, for tables partitioned by
    event time, in the days its events fall in."""
    reads = [read for bill in model.bills for statement in bill.statements for read in statement.reads]
    partitioned = [read for read in reads if read.partitions]
    assert {read.table.rpartition(".")[2] for read in partitioned} >= {"stg_visits", "events", "sessions"}
    for read in partitioned:
        column = model.layouts[read.table].partition_column
        schema, _, name = read.table.partition(".")
        holding = harness.scalar(
            f'SELECT COUNT(DISTINCT CAST("{column}" AS DATE)) FROM "{schema}"."{name}" '
            f"WHERE loaded_at >= TIMESTAMPTZ '{load_range.start.isoformat()}' "
            f"AND loaded_at < TIMESTAMPTZ '{load_range.end.isoformat()}'"
        )
        assert read.partitions_read <= holding, (read.table, read.partitions_read, holding)
        if read.table.endswith(".stg_visits"):
            assert read.partitions == 3 and read.partitions_read == 1  # of three days, the one reprocessed

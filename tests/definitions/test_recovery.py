"""After any outage the next run catches up exactly, with no full refresh.

Each scenario loads simulated visits hour by hour on the harness clock, breaks part of the
workflow for a while, then runs it whole once. What the incremental runs built is then compared
with a clean build of the same input: a full refresh, which rebuilds every table below the
payload store (protected, so kept) from it. The two must be equal, `loaded_at` included.
"""

from __future__ import annotations

import dataclasses
import random
from copy import copy as shallow_copy
from datetime import datetime, timedelta, timezone

import pytest

from glue.settings import get_settings
from glue.simulator.visits import VisitFactory
from glue.sql_tests import Harness

CHECKED = ("sessions", "events", "purchase_items", "page_views_per_minute", "activity_per_minute")


@pytest.fixture
def clock():
    """An hour boundary ahead of the wall clock, so that the harness clock alone moves the runs."""
    return (datetime.now(timezone.utc) + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)


class Traffic:
    """`per_hour` simulated visits a harness hour, started in the half hour before it is published."""

    def __init__(self, harness: Harness, per_hour: int, seed: int = 7):
        self.harness, self.per_hour = harness, per_hour
        self.factory = VisitFactory(random.Random(seed))
        self.published = 0

    def hour(self) -> None:
        """An hour passes: its visits are published, the clock moves on an hour."""
        now = self.harness._clock
        starts = [now - timedelta(minutes=30) + timedelta(seconds=60 * i) for i in range(self.per_hour)]
        self.harness.pubsub([self.factory.visit(start) for start in starts])
        self.published += self.per_hour
        self.harness.advance(timedelta(hours=1))


def contents(harness: Harness) -> dict[str, list[tuple]]:
    return {name: sorted(tuple(str(v) for v in row.values()) for row in harness.rows(name)) for name in CHECKED}


def assert_equals_a_clean_build(harness: Harness) -> dict[str, list[tuple]]:
    caught_up = contents(harness)
    harness.run(full_refresh=True)
    clean = contents(harness)
    for name in CHECKED:
        assert len(caught_up[name]) == len(clean[name]), (
            f"{name}: {len(caught_up[name])} rows, clean {len(clean[name])}"
        )
        assert caught_up[name] == clean[name], name
    return clean


def every_model_but(graph, skipped: set[str]) -> list[str]:
    """What the hourly workflow runs (the ml workflow is its own), but `skipped`."""
    hourly = graph.select(apart=get_settings().separate_tags)
    return [a.name for a in hourly if a.kind != "assertion" and a.name not in skipped]


def test_staging_loads_for_six_hours_while_sessions_fails_then_one_run_catches_up(graph, clock):
    harness = Harness(graph)
    harness._clock = clock
    traffic = Traffic(harness, per_hour=12)
    for _ in range(2):
        traffic.hour()
        harness.run()
    failing = graph.downstream({graph.find("sessions").name})  # as Dataform skips them when it fails
    for _ in range(6):  # longer than watermark_lookback_hours (3)
        traffic.hour()
        harness.run(*every_model_but(graph, failing))
    harness.run()

    clean = assert_equals_a_clean_build(harness)
    assert len(clean["sessions"]) == harness.scalar("SELECT COUNT(*) FROM clickstream_staging.stg_visit_checks")
    assert len(clean["sessions"]) == traffic.published


def with_failing_assertion_upstream_of_the_curated_layer(graph):
    """The graph as a team would have it with the curated models waiting on a staging assertion
    (Dataform's dependOnDependencyAssertions), and that assertion failing."""
    template = graph.find("assert_visit_payloads_loaded")
    broken = dataclasses.replace(
        template,
        name="clickstream_assertions.assert_staging_broken",
        table="assert_staging_broken",
        query="SELECT 1 AS broken",
    )
    copy = shallow_copy(graph)
    copy.actions = {**graph.actions, broken.name: broken}
    for name in ("sessions", "events", "purchase_items", "rejected_visits"):
        action = graph.find(name)
        copy.actions[action.name] = dataclasses.replace(action, dependencies=[*action.dependencies, broken.name])
    return copy


def test_the_curated_layer_waits_six_hours_on_a_failing_assertion_then_one_run_catches_up(graph, clock):
    harness = Harness(graph)
    harness._clock = clock
    traffic = Traffic(harness, per_hour=12, seed=11)
    traffic.hour()
    harness.run()
    harness.graph = with_failing_assertion_upstream_of_the_curated_layer(graph)
    for _ in range(6):
        traffic.hour()
        report = harness.run(with_assertions=True)
        assert report.by_name("sessions").status == "skipped"
        assert report.by_name("page_views_per_minute").status == "skipped"
    harness.graph = graph  # the assertion is fixed
    harness.run()

    clean = assert_equals_a_clean_build(harness)
    assert len(clean["sessions"]) == traffic.published


def test_the_whole_workflow_stopped_for_three_days_then_one_run_catches_up(harness, clock):
    """On both engines: the local runner and BigQuery's reference evaluator agree on every run."""
    harness._clock = clock
    traffic = Traffic(harness, per_hour=2, seed=3)
    traffic.hour()
    harness.run()
    for _ in range(72):  # longer than dedup_window_hours (24), the payload store's own window
        traffic.hour()
    harness.run()

    assert harness.scalar("SELECT COUNT(*) FROM clickstream_staging.stg_visit_payloads") == traffic.published
    clean = assert_equals_a_clean_build(harness)
    assert len(clean["sessions"]) == traffic.published


def test_a_model_with_nothing_to_write_for_hours_keeps_its_place_and_reads_only_new_loads(graph, clock, visit):
    harness = Harness(graph)
    harness._clock = clock
    traffic = Traffic(harness, per_hour=4, seed=5)
    broken = {**visit, "device_type": "toaster"}
    harness.pubsub([broken])
    traffic.hour()
    harness.run()
    for _ in range(5):  # every visit valid: rejected_visits writes nothing, longer than its window
        traffic.hour()
        harness.run()
    newest_load = harness.scalar("SELECT MAX(loaded_at) FROM clickstream_staging.stg_visit_checks")
    progress = harness.scalar(
        "SELECT MAX(loaded_through) FROM clickstream_staging.model_progress WHERE model = 'rejected_visits'"
    )
    assert progress == newest_load  # it read every load, though it found nothing to write

    harness.pubsub([{**visit, "session_id": "SID-LATER", "device_type": "fridge"}])
    traffic.hour()
    harness.run()
    rejected = harness.rows("rejected_visits", "reasons")
    assert len(rejected) == 2 and all(
        r["reasons"] == ["device_type: not one of desktop, mobile, tablet"] for r in rejected
    )
    assert_equals_a_clean_build(harness)

"""Monitoring (model_monitoring, assert_purchase_propensity_monitoring): a day's served predictions
against the champion's training visits, feature by feature (population stability index), and
the day's predicted against observed purchase rate."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest

from glue.ml.predictions_table import COLUMNS
from glue.sql_tests import Harness
from tests.ml.simulated_weeks import FEATURES, SimulatedWeeks

MONITORING = ("clickstream_ml.model_monitoring", "clickstream_ml.assert_purchase_propensity_monitoring")


@pytest.fixture
def weeks(graph, tmp_path) -> SimulatedWeeks:
    weeks = SimulatedWeeks(Harness(graph), tmp_path)
    weeks.simulate(1)
    weeks.simulate(2)
    # A champion, trained on week 1, and the predictions table, empty until the service answers.
    weeks.run_after(2, "clickstream_ml.purchase_propensity_scores", "clickstream_ml.create_predictions_table")
    return weeks


def _serve(weeks: SimulatedWeeks, day, tablets: float = 0.0, count: int = 600) -> None:
    """`count` predictions served on `day`, as the service stores them: the inputs of week 2's
    visits in turn (a new sample of the population the champion trained on, week 1's), a share of
    them on a tablet instead."""
    begin, end = weeks.bounds(2)
    visits = weeks.harness.rows(
        "session_features",
        ", ".join(FEATURES),
        f"session_start >= TIMESTAMP '{begin.isoformat()}' AND session_start < TIMESTAMP '{end.isoformat()}'",
    )
    rows = []
    for i in range(count):
        inputs = {name: visits[i % len(visits)][name] for name in FEATURES}
        inputs["cart_value"] = float(inputs["cart_value"])
        if i % 100 < tablets * 100:
            inputs["device_type"] = "tablet"
        moment = day + timedelta(seconds=i * 86_400 // count)
        rows.append((str(uuid.uuid4()), moment, None, f"UID-{i}", json.dumps(inputs), 0.3, "v1", []))
    weeks.harness.connection.executemany(
        f"INSERT INTO clickstream_ml.predictions VALUES ({', '.join('?' for _ in COLUMNS)})", rows
    )


def _monitored(weeks: SimulatedWeeks, day) -> dict[str, dict]:
    rows = weeks.harness.rows("model_monitoring", where=f"monitored_on = DATE '{day.date().isoformat()}'")
    return {r["feature"] or r["measure"]: r for r in rows}


def test_a_day_with_a_shifted_device_mix_fails_the_monitoring_and_an_unshifted_day_passes(weeks):
    [champion] = weeks.harness.rows("model_decisions", where="promoted")
    # The day before the run: the last whole day of week 2, whose visits the champion scored.
    day = (weeks.clock - timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    _serve(weeks, day)
    weeks.move_to(weeks.clock + timedelta(minutes=1))
    report = weeks.harness.run(*MONITORING, with_assertions=True, dependencies=False)
    assert report.ok, [r.message for r in report.failed()]
    unshifted = _monitored(weeks, day)
    assert set(unshifted) == {*FEATURES, "calibration"} - {"day_of_week"}
    # Another week of the same traffic: each feature within the threshold, though not identical.
    psi = {name: r["psi"] for name, r in unshifted.items() if name != "calibration"}
    assert all(value <= 0.25 for value in psi.values()) and sum(psi.values()) > 0, psi
    assert (unshifted["device_type"]["visits"], unshifted["device_type"]["training_visits"]) == (600, 600)
    assert unshifted["device_type"]["model"] == champion["challenger"]
    calibration = unshifted["calibration"]  # the day's scored visits: too few to judge, recorded
    assert 0 < calibration["visits"] < 500 and 0 < calibration["observed_rate"] < 1

    # The next run of the same day adds nothing; the next day's 60% tablets is a drift.
    weeks.move_to(weeks.clock + timedelta(minutes=10))
    weeks.harness.run(*MONITORING, with_assertions=True, dependencies=False)
    assert len(weeks.harness.rows("model_monitoring")) == len(unshifted)
    shifted_day = day + timedelta(days=1)
    _serve(weeks, shifted_day, tablets=0.6)
    weeks.move_to(shifted_day + timedelta(days=1, minutes=40))
    report = weeks.harness.run(*MONITORING, with_assertions=True, dependencies=False)
    [failed] = report.failed()
    assert failed.action.name == "clickstream_ml.assert_purchase_propensity_monitoring"
    shifted = _monitored(weeks, shifted_day)
    assert shifted["device_type"]["psi"] > 0.25
    # Only the device mix moved: every other feature measures as the unshifted day's did.
    assert all(
        r["psi"] == pytest.approx(psi[name])
        for name, r in shifted.items()
        if name not in ("calibration", "device_type")
    )
    # Two hours later the hourly run judges nothing new: the breach failed (and alerted) once.
    weeks.move_to(weeks.clock + timedelta(hours=2))
    later = weeks.harness.run(*MONITORING, with_assertions=True, dependencies=False)
    assert later.ok, [r.message for r in later.failed()]
    assert len(weeks.harness.rows("model_monitoring")) == len(unshifted) + len(shifted)

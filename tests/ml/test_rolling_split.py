"""The rolling split (training_split, training_visits): each training evaluates on the most recent
ml_evaluation_days and trains on the ml_training_days before them, relative to its own time.

Three simulated weeks on the harness's clock; the planted purchase signal drifts: week 1 as
`clickstream simulate --purchase-signal` plants it, week 2 halfway, week 3 reversed.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from glue.runner import compile_graph
from glue.sql_tests import Harness
from tests.ml.simulated_weeks import SimulatedWeeks


@pytest.fixture
def weeks(graph, tmp_path) -> SimulatedWeeks:
    return SimulatedWeeks(Harness(graph), tmp_path)


def test_the_retraining_after_week_3_trains_on_week_2_and_beats_the_model_frozen_after_week_1(weeks):
    weeks.simulate(1, "planted")
    weeks.run_after(1)
    # The training window (the week before week 1) holds no visit yet: nothing trains.
    assert weeks.rows("model_trainings") == []

    weeks.simulate(2, "halfway")
    weeks.run_after(2)
    first = weeks.rows("model_trainings", order="model")
    assert {(t["model"], t["reason"]) for t in first} == {
        ("purchase_propensity", "first training"),
        ("purchase_propensity_baseline", "first training"),
    }
    for training in first:  # trained on week 1, evaluated on week 2
        assert (training["training_start"], training["evaluation_start"]) == weeks.bounds(1)
        assert (training["evaluation_start"], training["evaluation_end"]) == weeks.bounds(2)
        assert (training["training_visits"], training["evaluation_visits"]) == (600, 600)
    [frozen] = weeks.rows("model_decisions", "promoted")
    assert frozen["champion"] is None  # the first champion had none to beat

    week_3 = weeks.simulate(3, "reversed")
    weeks.run_after(3)
    retrained = weeks.rows("model_trainings", f"trained_at > TIMESTAMP '{first[0]['trained_at'].isoformat()}'")
    # Both model types again; the champion's own type in purchase_propensity_alternate, so that the
    # champion is not trained over.
    assert sorted(t["model_type"] for t in retrained) == ["BOOSTED_TREE_CLASSIFIER", "LOGISTIC_REG"]
    assert frozen["challenger"] not in {t["model"] for t in retrained}
    for training in retrained:  # trained on week 2 only, evaluated on week 3
        assert (training["training_start"], training["evaluation_start"]) == weeks.bounds(2)
        assert training["evaluation_end"] == weeks.bounds(3)[1]
        assert (training["training_visits"], training["evaluation_visits"]) == (600, len(week_3))

    decisions = weeks.rows("model_decisions", f"decided_at > TIMESTAMP '{frozen['decided_at'].isoformat()}'")
    assert len(decisions) == 2
    for decision in decisions:  # each challenger beside the model frozen after week 1, on week 3
        assert (decision["champion"], decision["champion_trained_at"]) == (
            frozen["challenger"],
            frozen["challenger_trained_at"],
        )
        assert (decision["evaluation_start"], decision["evaluation_end"]) == weeks.bounds(3)
    best = max(decisions, key=lambda d: d["challenger_roc_auc"])
    # The weeks are the same on every run day (simulated_weeks.next_monday): 0.789 against 0.741.
    assert best["challenger_roc_auc"] > best["champion_roc_auc"] + 0.03, decisions
    assert [d["promoted"] for d in decisions] == [d is best for d in decisions]


def test_the_split_rolls_with_the_training_time_and_ml_split_cutoff_reproduces_a_past_one(graph, settings):
    rolling = Harness(graph)
    rolling.advance(timedelta(days=3))
    rolling.run("clickstream_ml.training_split")
    [split] = rolling.rows("training_split")
    end = split["evaluation_end"]
    assert (end.minute, end.second) == (0, 0)  # the hour of the training
    assert split["evaluation_start"] == end - timedelta(days=7)
    assert split["training_start"] == end - timedelta(days=14)

    past = Harness(compile_graph(settings, {"ml_split_cutoff": "2024-08-23"}))
    past.run("clickstream_ml.training_split")
    [split] = past.rows("training_split")
    assert [split[c].isoformat() for c in ("training_start", "evaluation_start", "evaluation_end")] == [
        "2024-08-16T00:00:00+00:00",
        "2024-08-23T00:00:00+00:00",
        "2024-08-30T00:00:00+00:00",
    ]

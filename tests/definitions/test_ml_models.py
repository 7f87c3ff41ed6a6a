"""definitions/ml/: the purchase-propensity models trained, gated, evaluated, scored and exported
(the rolling split, champion and challenger, monitoring and the real sample: tests/ml/).

BigQuery ML has no counterpart in ZetaSQL's evaluator, so these run on the local runner alone
(the check analyzes the same SQLX against BigQuery's analyzer: tests/oracle/test_ml_check.py).
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score, log_loss, precision_score, recall_score, roc_auc_score

from glue.ml.classifier import Model
from glue.ml.linear_export import STAND_IN
from glue.ml.serving import load_model
from glue.runner import BigQueryML, Translator
from glue.simulator.visits import VisitFactory
from glue.sql_tests import Harness
from tests.ml.simulated_weeks import FEATURES, next_monday

MODEL = "clickstream_ml.purchase_propensity"
TREE = "model_type = 'BOOSTED_TREE_CLASSIFIER'"
TRAINING_FILE = "assets/training-000000000000.json"
# What serves the champion, run after only the model a test trains (so that model is the champion).
SERVED = tuple(
    f"clickstream_ml.{name}"
    for name in ("choose_purchase_propensity_champion", "purchase_propensity_scores", "export_purchase_propensity")
)


def _monday_midnight(harness: Harness) -> datetime:
    """The next Monday at midnight UTC, where the harness's clock is moved to (plus half an hour):
    with the rolling split (7 days of evaluation before the hour, 7 of training before those) the
    two weeks before it train and evaluate. The clock only moves forward, so the visits are placed
    before it; a Monday at midnight gives them the same hour of day and day of week (features the
    models learn) whatever the day and hour the tests run."""
    now = datetime.now(timezone.utc)
    hour = next_monday(now)
    harness.advance(hour + timedelta(minutes=30) - now)
    return hour


def _visits(count: int, purchase_signal: bool, start: datetime, seed: int = 7, days: int = 14) -> list[dict]:
    factory = VisitFactory(random.Random(seed), purchase_signal)
    every = timedelta(days=days) / count
    return [factory.visit(start + i * every) for i in range(count)]


@pytest.fixture
def ml_harness(graph, tmp_path) -> Harness:
    return Harness(graph, buckets=tmp_path / "buckets")


def _trainings(harness: Harness, where: str = TREE) -> list[dict]:
    return sorted(harness.rows("model_trainings", where=where), key=lambda r: r["trained_at"])


def _champion(harness: Harness) -> dict:
    [decision] = harness.rows("model_decisions", where="promoted")
    [training] = harness.rows("model_trainings", where=f"model = '{decision['challenger']}'")
    return training


def test_a_model_trained_on_the_planted_signal_ranks_above_one_trained_without_it(graph):
    aucs = {}
    for planted in (False, True):
        harness = Harness(graph)
        hour = _monday_midnight(harness)
        harness.pubsub(_visits(3000, planted, hour - timedelta(days=14)))
        harness.run(MODEL)
        [training] = _trainings(harness)
        aucs[planted] = training["roc_auc"]
    # Without the signal only the cart tells (no cart, no purchase); with it, behaviour does too.
    assert aucs[True] > aucs[False] + 0.05, aucs


def test_the_evaluation_metrics_are_those_of_the_scores(ml_harness):
    hour = _monday_midnight(ml_harness)
    ml_harness.pubsub(_visits(3000, True, hour - timedelta(days=14)))
    ml_harness.run("clickstream_ml.purchase_propensity_scores")
    training = _champion(ml_harness)
    scores = ml_harness.rows("purchase_propensity_scores", "probability, predicted_purchase, purchased")
    # Every visit of the champion's evaluation window is scored: the visits ML.EVALUATE measured.
    assert len(scores) == training["evaluation_visits"] > 500
    bought = np.array([r["purchased"] for r in scores])
    probability = np.array([r["probability"] for r in scores])
    predicted = probability >= 0.5
    assert [r["predicted_purchase"] for r in scores] == predicted.tolist()
    independent = {
        "roc_auc": roc_auc_score(bought, probability),
        "log_loss": log_loss(bought, probability),
        "precision": precision_score(bought, predicted),
        "recall": recall_score(bought, predicted),
        "accuracy": accuracy_score(bought, predicted),
        "f1_score": f1_score(bought, predicted),
    }
    for metric, value in independent.items():
        assert training[metric] == pytest.approx(value, abs=1e-6), metric


def test_a_run_with_too_few_new_visits_does_not_retrain_and_enough_do(ml_harness):
    hour = _monday_midnight(ml_harness)
    ml_harness.pubsub(_visits(600, True, hour - timedelta(days=14), seed=1))
    ml_harness.run(MODEL)
    [first] = _trainings(ml_harness)
    assert (first["reason"], first["training_visits"] + first["evaluation_visits"]) == ("first training", 600)
    models_before = ml_harness.rows("model_trainings")

    # 499 new visits of the last week: one fewer than the ml_retrain_min_new_visits var.
    last_week = hour - timedelta(days=7)
    ml_harness.pubsub(_visits(499, True, last_week, seed=2, days=7))
    ml_harness.run(MODEL)
    assert ml_harness.rows("model_trainings") == models_before

    ml_harness.pubsub(_visits(1, True, last_week, seed=3, days=7))  # 500 since the first training
    ml_harness.run(MODEL)
    # The tree trains again: in purchase_propensity_alternate if the first tree is the champion.
    first_again, second = _trainings(ml_harness)
    assert first_again == first
    assert (second["reason"], second["training_visits"] + second["evaluation_visits"]) == ("500 new visits", 1100)
    assert second["newest_load"] > first["newest_load"]


def test_a_week_without_enough_new_visits_retrains_anyway(ml_harness):
    hour = _monday_midnight(ml_harness)
    ml_harness.pubsub(_visits(600, True, hour - timedelta(days=14)))
    ml_harness.run(MODEL)
    ml_harness.advance(timedelta(days=6))
    ml_harness.run(MODEL)
    assert len(_trainings(ml_harness)) == 1
    # Eight days after the first training, 100 visits since: the split has moved on with the clock.
    ml_harness.pubsub(_visits(100, True, hour, seed=2, days=8))
    ml_harness.advance(timedelta(days=2))
    ml_harness.run(MODEL)
    assert [t["reason"] for t in _trainings(ml_harness)] == ["first training", "weekly"]


def test_the_export_is_the_champions_in_bigquery_mls_layout_and_scores_as_the_warehouse_does(ml_harness, tmp_path):
    hour = _monday_midnight(ml_harness)
    ml_harness.pubsub(_visits(1500, True, hour - timedelta(days=14)))
    # Only the tree trains: it is the only challenger, and the champion (with the baseline too, which
    # wins depends on where the day boundaries cut these visits, so on the hour the test runs).
    ml_harness.run(MODEL)
    ml_harness.run(*SERVED, dependencies=False)
    champion = _champion(ml_harness)
    [exported] = (tmp_path / "buckets").glob("*/purchase_propensity")
    metadata = json.loads((exported / "assets/model_metadata.json").read_text())
    assert metadata["model_type"] == champion["model_type"].lower()
    assert (metadata["label_col"], metadata["class_names"]) == ("purchased", ["true", "false"])
    # A tree in BigQuery ML's XGBoost layout, and the training's record.
    assert champion["model_type"] == "BOOSTED_TREE_CLASSIFIER"
    assert sorted(p.relative_to(exported).as_posix() for p in exported.rglob("*") if p.is_file()) == sorted(
        ["assets/0_categorical_label.txt", "assets/model_metadata.json", "model.bst", TRAINING_FILE]
    )
    assert (exported / "assets/0_categorical_label.txt").read_text().splitlines() == [
        "_null_filler",
        "desktop",
        "mobile",
        "tablet",
    ]
    # The exported files alone give the warehouse's probabilities.
    model = Model.load(exported)
    scores = {r["visit_id"]: r["probability"] for r in ml_harness.rows("purchase_propensity_scores")}
    features = [
        f for f in ml_harness.rows("session_features", where="TRUE ORDER BY visit_id") if f["visit_id"] in scores
    ]
    assert len(features) == champion["evaluation_visits"]
    rows = {
        name: [float(f[name]) if name == "cart_value" else f[name] for f in features] for name in model.feature_names
    }
    assert model.probabilities(rows).tolist() == pytest.approx([scores[f["visit_id"]] for f in features], abs=1e-6)


def test_a_logistic_champion_is_served_from_what_bigquery_writes_with_the_warehouses_probabilities(
    ml_harness, tmp_path
):
    hour = _monday_midnight(ml_harness)
    ml_harness.pubsub(_visits(1500, True, hour - timedelta(days=14)))
    # Only the baseline trains: it is the only challenger, and the champion.
    ml_harness.run(f"{MODEL}_baseline")
    ml_harness.run(*SERVED, dependencies=False)
    champion = _champion(ml_harness)
    assert (champion["model"], champion["model_type"]) == (f"{MODEL.split('.')[1]}_baseline", "LOGISTIC_REG")
    [exported] = (tmp_path / "buckets").glob("*/purchase_propensity")
    # What BigQuery writes: its SavedModel (locally a note), and EXPORT DATA's JSON lines beside it.
    assert sorted(p.relative_to(exported).as_posix() for p in exported.rglob("*") if p.is_file()) == [
        "assets/feature_info-000000000000.json",
        "assets/predictions-000000000000.json",
        TRAINING_FILE,
        "assets/weights-000000000000.json",
        STAND_IN,
    ]
    loaded = load_model(exported)
    assert (loaded.model.model_type, loaded.model.label) == ("LOGISTIC_REG", "purchased")
    assert loaded.domain.vocabularies == {"device_type": ["desktop", "mobile", "tablet"]}
    assert set(loaded.domain.ranges) == set(loaded.model.feature_names) - {"device_type"}
    assert "model purchase_propensity_baseline, model_type LOGISTIC_REG, reason first training" in (
        loaded.describe_training()
    )
    # The service's probabilities of the scored visits are the warehouse's ML.PREDICT.
    scores = {r["visit_id"]: r["probability"] for r in ml_harness.rows("purchase_propensity_scores")}
    features = [f for f in ml_harness.rows("session_features") if f["visit_id"] in scores]
    assert len(features) == champion["evaluation_visits"]
    inputs = [
        {name: float(f[name]) if name == "cart_value" else f[name] for name in loaded.model.feature_names}
        for f in features
    ]
    assert loaded.probabilities(inputs) == pytest.approx([scores[f["visit_id"]] for f in features], abs=1e-9)


def test_feature_importance_names_every_feature_and_the_cart_matters(ml_harness):
    hour = _monday_midnight(ml_harness)
    ml_harness.pubsub(_visits(1500, True, hour - timedelta(days=14)))
    ml_harness.run(MODEL)
    sql = BigQueryML(ml_harness.connection, Translator(), "test", None).rewrite(
        f"SELECT * FROM ML.FEATURE_IMPORTANCE(MODEL `project.{MODEL}`)"
    )
    rows = ml_harness.connection.execute(Translator().query(sql)).fetchall()
    by_feature = {feature: gain for feature, _, gain, _ in rows}
    assert set(by_feature) == set(FEATURES)
    assert max(by_feature, key=by_feature.get) in ("cart_additions", "cart_value")

"""definitions/ml/: the purchase-propensity models trained, gated, evaluated, scored and exported.

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
from glue.runner import BigQueryML, Harness, Translator
from glue.simulator.visits import VisitFactory

MODEL = "clickstream_ml.purchase_propensity"
# The ml_split_cutoff var is 2024-08-15: visits from the 10th to the 20th both train and evaluate.
FIRST_VISIT = datetime(2024, 8, 10, tzinfo=timezone.utc)


def _visits(count: int, purchase_signal: bool, seed: int = 7, start: datetime = FIRST_VISIT) -> list[dict]:
    factory = VisitFactory(random.Random(seed), purchase_signal)
    every = timedelta(days=10) / count
    return [factory.visit(start + i * every) for i in range(count)]


@pytest.fixture
def ml_harness(graph, tmp_path) -> Harness:
    return Harness(graph, buckets=tmp_path / "buckets")


def _trainings(harness: Harness) -> list[dict]:
    return sorted(harness.rows("model_trainings", where="model = 'purchase_propensity'"), key=lambda r: r["trained_at"])


def test_a_model_trained_on_the_planted_signal_ranks_above_one_trained_without_it(graph):
    aucs = {}
    for planted in (False, True):
        harness = Harness(graph)
        harness.pubsub(_visits(3000, planted))
        harness.run(MODEL)
        [training] = _trainings(harness)
        aucs[planted] = training["roc_auc"]
    # Without the signal only the cart tells (no cart, no purchase); with it, behaviour does too.
    assert aucs[True] > aucs[False] + 0.05, aucs


def test_the_evaluation_metrics_are_those_of_the_scores(ml_harness):
    ml_harness.pubsub(_visits(3000, purchase_signal=True))
    ml_harness.run("clickstream_ml.purchase_propensity_scores")
    [training] = _trainings(ml_harness)
    scores = ml_harness.rows("purchase_propensity_scores", "probability, predicted_purchase, purchased")
    # Every evaluation visit is scored: the same visits ML.EVALUATE measured.
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
    ml_harness.pubsub(_visits(600, purchase_signal=True, seed=1))
    ml_harness.run(MODEL)
    [first] = _trainings(ml_harness)
    assert (first["reason"], first["training_visits"] + first["evaluation_visits"]) == ("first training", 600)
    model_before = ml_harness.scalar(
        "SELECT trained_at FROM _bqml.models WHERE name = 'clickstream_ml.purchase_propensity'"
    )

    # 499 new visits: one fewer than the ml_retrain_min_new_visits var.
    ml_harness.pubsub(_visits(499, purchase_signal=True, seed=2))
    ml_harness.run(MODEL)
    assert _trainings(ml_harness) == [first]
    assert (
        ml_harness.scalar("SELECT trained_at FROM _bqml.models WHERE name = 'clickstream_ml.purchase_propensity'")
        == model_before
    )

    ml_harness.pubsub(_visits(1, purchase_signal=True, seed=3))  # 500 since the first training
    ml_harness.run(MODEL)
    first_again, second = _trainings(ml_harness)
    assert first_again == first
    assert (second["reason"], second["training_visits"] + second["evaluation_visits"]) == ("500 new visits", 1100)
    assert second["newest_load"] > first["newest_load"]


def test_a_week_without_enough_new_visits_retrains_anyway(ml_harness):
    ml_harness.pubsub(_visits(600, purchase_signal=True))
    ml_harness.run(MODEL)
    ml_harness.advance(timedelta(days=6))
    ml_harness.run(MODEL)
    assert len(_trainings(ml_harness)) == 1
    ml_harness.advance(timedelta(days=2))  # eight days after the first training
    ml_harness.run(MODEL)
    assert [t["reason"] for t in _trainings(ml_harness)] == ["first training", "weekly"]


def test_the_exported_model_is_bigquery_mls_layout_and_scores_as_the_warehouse_does(ml_harness, tmp_path):
    ml_harness.pubsub(_visits(1500, purchase_signal=True))
    ml_harness.run("clickstream_ml.purchase_propensity_scores", "clickstream_ml.export_purchase_propensity")
    [exported] = (tmp_path / "buckets").glob("*/purchase_propensity")
    assert sorted(p.relative_to(exported).as_posix() for p in exported.rglob("*") if p.is_file()) == [
        "assets/0_categorical_label.txt",
        "assets/model_metadata.json",
        "model.bst",
    ]
    metadata = json.loads((exported / "assets/model_metadata.json").read_text())
    assert metadata["model_type"] == "boosted_tree_classifier"
    assert (metadata["label_col"], metadata["class_names"]) == ("purchased", ["true", "false"])
    assert (exported / "assets/0_categorical_label.txt").read_text().splitlines() == [
        "_null_filler",
        "desktop",
        "mobile",
        "tablet",
    ]
    # The exported files alone give the warehouse's probabilities.
    model = Model.load(exported)
    features = ml_harness.rows("session_features", where="split = 'evaluation' ORDER BY visit_id")
    scores = {r["visit_id"]: r["probability"] for r in ml_harness.rows("purchase_propensity_scores")}
    rows = {
        name: [float(f[name]) if name == "cart_value" else f[name] for f in features] for name in model.feature_names
    }
    assert model.probabilities(rows).tolist() == pytest.approx([scores[f["visit_id"]] for f in features], abs=1e-6)


def test_feature_importance_names_every_feature_and_the_cart_matters(ml_harness):
    ml_harness.pubsub(_visits(1500, purchase_signal=True))
    ml_harness.run(MODEL)
    sql = BigQueryML(ml_harness.connection, Translator(), "test", None).rewrite(
        f"SELECT * FROM ML.FEATURE_IMPORTANCE(MODEL `project.{MODEL}`)"
    )
    rows = ml_harness.connection.execute(Translator().query(sql)).fetchall()
    by_feature = {feature: gain for feature, _, gain, _ in rows}
    assert set(by_feature) == {
        "device_type",
        "hour_of_day",
        "day_of_week",
        "page_views",
        "cart_additions",
        "cart_value",
        "prior_visits",
        "prior_purchases",
        "seconds_since_last_visit",
    }
    assert max(by_feature, key=by_feature.get) in ("cart_additions", "cart_value")


@pytest.mark.realdata
def test_on_the_real_sample_both_models_reach_the_target_on_the_later_visits(graph, real_data_dir):
    # The lab's 60 days: visits before the ml_split_cutoff var (2024-08-15) train, the rest evaluate.
    harness = Harness(graph)
    for path in sorted(real_data_dir.glob("*.jsonl")):
        lines = path.read_text(encoding="utf-8").splitlines()
        harness.gcs(lines, f"gs://landing/visits/hour=2024-07-01T00/{path.name}")
    harness.run("clickstream_ml.purchase_propensity_scores", "clickstream_ml.purchase_propensity_baseline")
    trainings = {r["model"]: r for r in harness.rows("model_trainings")}
    assert {m: round(t["roc_auc"], 3) for m, t in trainings.items()} == {
        "purchase_propensity": pytest.approx(0.82, abs=0.02),
        "purchase_propensity_baseline": pytest.approx(0.84, abs=0.02),
    }
    assert min(t["roc_auc"] for t in trainings.values()) >= 0.78  # the target
    scores = harness.rows("purchase_propensity_scores", "probability, purchased")
    bought, probability = [r["purchased"] for r in scores], [r["probability"] for r in scores]
    assert trainings["purchase_propensity"]["roc_auc"] == pytest.approx(roc_auc_score(bought, probability), abs=1e-9)

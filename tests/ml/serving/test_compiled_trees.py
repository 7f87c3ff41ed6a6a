"""glue/ml/serving/compiled_trees.py: the trees walked in Python give XGBoost's probabilities."""

import numpy as np
import pytest

from glue.ml.classifier import Model
from glue.ml.features import tree_matrix
from glue.ml.serving.compiled_trees import CompiledTrees
from glue.ml.training import train
from tests.ml.test_classifier import GOOGLES_MODEL


def test_a_model_trained_here_with_missing_values_and_categories_scores_as_xgboost_does():
    rng = np.random.default_rng(11)
    count = 800
    amount = rng.normal(50, 20, count)
    rows = {
        "amount": [None if i % 7 == 0 else float(a) for i, a in enumerate(amount)],
        "device": rng.choice(["desktop", "mobile", "tablet", None], count).tolist(),
        "pages": rng.integers(0, 10, count).tolist(),
        "bought": ((amount > 55) ^ (rng.random(count) < 0.2)).tolist(),
    }
    types = {"amount": "DOUBLE", "device": "VARCHAR", "pages": "BIGINT", "bought": "BOOLEAN"}
    model = train(
        "ds.m",
        {"model_type": "BOOSTED_TREE_CLASSIFIER", "input_label_cols": ["bought"], "max_tree_depth": 8},
        rows,
        types,
    )
    unseen = {
        "amount": [float("nan"), 1e9],
        "device": ["phone", None],
        "pages": [3, 99],
    }  # unseen, missing, out of range
    for checked in (rows, unseen):
        encoded = tree_matrix(model.columns, checked)
        walked = [CompiledTrees(model.booster, 2).probabilities(row.tolist()) for row in encoded]
        assert np.abs(np.array(walked) - model.class_probabilities(checked)).max() < 1e-6


def test_the_model_bigquery_ml_exported_scores_as_xgboost_does():
    model = Model.load(GOOGLES_MODEL)
    rows = {"f1": ["b", "f", "a"], "f2": [["a"], ["c", "a", "f"], []], "f3": [3, 0, ""]}
    walked = [CompiledTrees(model.booster, 3).probabilities(r.tolist()) for r in tree_matrix(model.columns, rows)]
    assert walked == [pytest.approx(p, abs=1e-6) for p in model.class_probabilities(rows).tolist()]

"""glue/ml/metrics.py against scikit-learn's, on scores with ties."""

import numpy as np
import pytest
from sklearn import metrics

from glue.ml.metrics import binary_metrics


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_metrics_are_scikit_learns(seed):
    rng = np.random.default_rng(seed)
    positive = rng.random(500) < 0.3
    probability = np.round(np.clip(positive * 0.2 + rng.random(500) * 0.8, 0, 1), 1)  # rounded: many ties
    predicted = probability >= 0.4
    found = binary_metrics(positive, probability, threshold=0.4)
    assert found == pytest.approx(
        {
            "precision": metrics.precision_score(positive, predicted),
            "recall": metrics.recall_score(positive, predicted),
            "accuracy": metrics.accuracy_score(positive, predicted),
            "f1_score": metrics.f1_score(positive, predicted),
            "log_loss": metrics.log_loss(positive, np.clip(probability, 1e-15, 1 - 1e-15)),
            "roc_auc": metrics.roc_auc_score(positive, probability),
        }
    )


def test_roc_auc_of_one_class_is_undefined():
    assert np.isnan(binary_metrics(np.array([True, True]), np.array([0.2, 0.9]))["roc_auc"])

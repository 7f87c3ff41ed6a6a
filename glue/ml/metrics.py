"""The binary classification metrics of BigQuery ML's ML.EVALUATE, from labels and probabilities.

Computed directly (ranks for ROC AUC, the clipped log of each probability for log loss), so that
the tests can check them against scikit-learn's, computed independently from the same scores.
"""

from __future__ import annotations

import numpy as np

from glue.ml.sql import EVALUATE_COLUMNS

# ML.EVALUATE's columns for a binary classifier, in its order.
COLUMNS = EVALUATE_COLUMNS


def roc_auc(positive: np.ndarray, probability: np.ndarray) -> float:
    """The chance that a random positive scores above a random negative (ties count a half)."""
    positive = positive.astype(bool)
    count_positive, count_negative = int(positive.sum()), int((~positive).sum())
    if not count_positive or not count_negative:
        return float("nan")
    order = np.argsort(probability, kind="mergesort")
    ranks = np.empty(len(probability))
    sorted_scores = probability[order]
    # Average ranks over ties: each run of equal scores shares the mean of its positions.
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_scores)) + 1]
    ends = np.r_[starts[1:], len(sorted_scores)]
    for start, end in zip(starts, ends):
        ranks[order[start:end]] = (start + end + 1) / 2
    rank_sum = ranks[positive].sum()
    return float((rank_sum - count_positive * (count_positive + 1) / 2) / (count_positive * count_negative))


def log_loss(positive: np.ndarray, probability: np.ndarray) -> float:
    clipped = np.clip(probability, 1e-15, 1 - 1e-15)
    return float(-np.mean(np.where(positive.astype(bool), np.log(clipped), np.log(1 - clipped))))


def binary_metrics(positive: np.ndarray, probability: np.ndarray, threshold: float = 0.5) -> dict[str, float]:
    """ML.EVALUATE's row for a binary classifier: the rates at `threshold`, log loss and ROC AUC."""
    positive = positive.astype(bool)
    predicted = probability >= threshold
    true_positive = float(np.sum(predicted & positive))
    precision = true_positive / predicted.sum() if predicted.sum() else 0.0
    recall = true_positive / positive.sum() if positive.sum() else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "accuracy": float(np.mean(predicted == positive)) if len(positive) else float("nan"),
        "f1_score": f1,
        "log_loss": log_loss(positive, probability) if len(positive) else float("nan"),
        "roc_auc": roc_auc(positive, probability),
    }

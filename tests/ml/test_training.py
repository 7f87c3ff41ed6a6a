"""glue/ml/training.py: BigQuery ML's options and splits."""

import pytest

from glue.ml.training import TrainingError, train

ROWS = {"pages": [1, 2, 3, 4] * 50, "bought": [False, False, True, True] * 50, "late": [False] * 150 + [True] * 50}
TYPES = {"pages": "BIGINT", "bought": "BOOLEAN", "late": "BOOLEAN"}


def test_a_custom_split_trains_on_false_and_evaluates_on_true():
    options = {"model_type": "LOGISTIC_REG", "input_label_cols": ["bought"], "data_split_method": "CUSTOM"}
    model = train("ds.m", {**options, "data_split_col": "late"}, ROWS, TYPES)
    assert (model.training["training_rows"], model.training["evaluation_rows"]) == (150, 50)
    assert model.training["evaluation"]["roc_auc"] == 1.0


def test_a_boosted_tree_stops_when_an_iteration_improves_the_loss_by_less_than_min_rel_progress():
    options = {"model_type": "BOOSTED_TREE_CLASSIFIER", "input_label_cols": ["bought"], "data_split_method": "NO_SPLIT"}
    stopped = train("ds.m", {**options, "max_iterations": 200, "min_rel_progress": 0.05}, ROWS, TYPES)
    unstopped = train("ds.m", {**options, "max_iterations": 200, "early_stop": False}, ROWS, TYPES)
    assert stopped.training["iterations"] < unstopped.training["iterations"] == 200


@pytest.mark.parametrize(
    "options, message",
    [
        ({"model_type": "KMEANS"}, "the local runner trains BOOSTED_TREE_CLASSIFIER and LOGISTIC_REG"),
        ({"model_type": "LOGISTIC_REG", "learn_rat": 0.1}, r"learn_rat is not an option .*did you mean learn_rate"),
        ({"model_type": "LOGISTIC_REG", "input_label_cols": ["sold"]}, "no column sold"),
        ({"model_type": "LOGISTIC_REG", "input_label_cols": ["bought"], "data_split_method": "SEQ"}, "takes CUSTOM"),
    ],
)
def test_what_cannot_be_trained_is_refused_with_the_reason(options, message):
    with pytest.raises(TrainingError, match=message):
        train("ds.m", options, ROWS, TYPES)

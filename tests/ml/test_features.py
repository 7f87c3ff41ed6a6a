"""glue/ml/features.py: BigQuery ML's automatic preprocessing."""

import numpy as np
import pytest

from glue.ml.features import Column, FeatureError, kind_of, linear_matrix, tree_matrix


def test_a_null_number_is_the_training_mean_and_logistic_regression_standardises():
    column = Column.fit("pages", "numerical", [1, 3, None, 5])
    assert (column.mean, column.std) == (3.0, 2.0)
    assert column.numbers([None, 7]).tolist() == [3.0, 7.0]
    assert linear_matrix([column], {"pages": [None, 7]}).tolist() == [[0.0], [2.0]]
    assert tree_matrix([column], {"pages": [None, 7]}).tolist() == [[3.0], [7.0]]  # a tree takes numbers as they are


def test_a_category_has_a_null_category_and_an_unseen_value_weighs_nothing():
    column = Column.fit("device", "categorical", ["mobile", "desktop", None, True])
    assert column.vocabulary == ["_null_filler", "desktop", "mobile", "true"]
    encoded = column.one_hot([None, "mobile", "tablet"])
    assert encoded.tolist() == [[1, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, 0]]
    labels = column.labels([None, "mobile", "tablet"])
    assert labels[:2].tolist() == [0, 2] and np.isnan(labels[2])  # unseen: missing, for a tree


def test_a_timestamp_feature_is_refused_with_what_to_write_instead():
    assert kind_of("cart_value", "DECIMAL(38,9)") == "numerical"
    with pytest.raises(FeatureError, match=r"session_start is TIMESTAMP WITH TIME ZONE.*UNIX_SECONDS"):
        kind_of("session_start", "TIMESTAMP WITH TIME ZONE")

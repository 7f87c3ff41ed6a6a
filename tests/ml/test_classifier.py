"""glue/ml/classifier.py: BigQuery ML's export layout, read and written."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from glue.ml.classifier import Model
from glue.ml.training import train

GOOGLES_MODEL = Path(__file__).parent / "fixtures" / "bqml_boosted_tree_classifier"


def test_a_model_bigquery_ml_exported_gives_the_probabilities_googles_predictor_does():
    # The rows and expected probabilities of Google's own test of this model (fixtures/README.md):
    # f1 is a label-encoded category, f2 a multi-hot array, f3 a number ('' is its mean).
    model = Model.load(GOOGLES_MODEL)
    assert model.class_names == ["3", "2", "1"]
    rows = {"f1": ["b", "f", "f"], "f2": [["a"], ["c", "a", "a", "f"], ["c", "a", "a", "f"]], "f3": [3, 0, ""]}
    assert model.class_probabilities(rows).tolist() == [
        pytest.approx([0.23010218143463135, 0.5752021670341492, 0.1946956366300583]),
        pytest.approx([0.19618307054042816, 0.47606906294822693, 0.3277478516101837]),
        pytest.approx([0.22035041451454163, 0.5255150198936462, 0.25413453578948975]),
    ]


def _rows(count: int = 400) -> tuple[dict[str, list], dict[str, str]]:
    rng = np.random.default_rng(3)
    pages = rng.integers(1, 8, count)
    device = rng.choice(["desktop", "mobile", None], count).tolist()
    bought = (pages + rng.normal(0, 2, count) > 5).tolist()
    rows = {"pages": pages.tolist(), "device": device, "bought": bought, "late": [i >= 300 for i in range(count)]}
    return rows, {"pages": "BIGINT", "device": "VARCHAR", "bought": "BOOLEAN", "late": "BOOLEAN"}


OPTIONS = {"input_label_cols": ["bought"], "data_split_method": "CUSTOM", "data_split_col": "late"}


@pytest.mark.parametrize("model_type", ["BOOSTED_TREE_CLASSIFIER", "LOGISTIC_REG"])
def test_a_model_written_in_the_export_layout_reads_back_with_the_same_probabilities(tmp_path, model_type):
    rows, types = _rows()
    model = train("ds.m", {"model_type": model_type, **OPTIONS}, rows, types)
    model.export(tmp_path)
    metadata = json.loads((tmp_path / "assets" / "model_metadata.json").read_text())
    assert metadata["feature_names"] == ["pages", "device"]  # the split column is not a feature
    assert metadata["features"]["device"] == {"encode_type": "categorical_label"}
    assert (tmp_path / "assets" / "1_categorical_label.txt").read_text().splitlines() == [
        "_null_filler",
        "desktop",
        "mobile",
    ]
    again = Model.load(tmp_path)
    assert again.probabilities(rows).tolist() == pytest.approx(model.probabilities(rows).tolist(), abs=1e-7)


def test_a_model_kept_in_the_warehouse_is_the_model_trained():
    rows, types = _rows()
    model = train("ds.m", {"model_type": "BOOSTED_TREE_CLASSIFIER", **OPTIONS}, rows, types)
    again = Model.from_archive(model.archive(), "ds.m", model.training, "BOOLEAN")
    assert again.probabilities(rows).tolist() == pytest.approx(model.probabilities(rows).tolist())
    assert again.label_value(again.class_names[0]) is True

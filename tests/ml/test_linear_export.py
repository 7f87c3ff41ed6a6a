"""A logistic regression as BigQuery writes it (glue/ml/linear_export.py): ML.WEIGHTS and
ML.FEATURE_INFO rows as EXPORT DATA's JSON lines, read into the model the service serves."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from glue.ml.classifier import Model
from glue.ml.linear_export import ExportError
from glue.ml.serving import load_model
from tests.ml.serving.helpers import ListSink, service

# As BigQuery documents ML.WEIGHTS (unstandardized) and ML.FEATURE_INFO, written by EXPORT DATA:
# newline-delimited JSON, INT64 as strings, a number's category_weights an empty array.
WEIGHTS = [
    {"processed_input": "page_views", "weight": 0.25, "category_weights": []},
    {"processed_input": "cart_value", "weight": 0.01, "category_weights": []},
    {
        "processed_input": "device_type",
        "weight": None,
        "category_weights": [
            {"category": "desktop", "weight": 0.5},
            {"category": "mobile", "weight": -0.5},
            {"category": None, "weight": 0.1},
        ],
    },
    {"processed_input": "__INTERCEPT__", "weight": -2.0, "category_weights": []},
]
FEATURE_INFO = [
    {"input": "page_views", "min": 1.0, "max": 12.0, "mean": 4.0, "median": 4.0, "stddev": 2.0,
     "category_count": None, "null_count": "0"},
    {"input": "cart_value", "min": 0.0, "max": 300.0, "mean": 50.0, "median": 30.0, "stddev": 40.0,
     "category_count": None, "null_count": "3"},
    {"input": "device_type", "min": None, "max": None, "mean": None, "median": None, "stddev": None,
     "category_count": "2", "null_count": "0"},
]  # fmt: skip
TRAINING = {"trained_at": "2024-08-31 00:00:00 UTC", "model": "purchase_propensity_baseline",
            "model_type": "LOGISTIC_REG", "reason": "first training", "roc_auc": 0.861}  # fmt: skip


def _documented(page_views, cart_value, device_type) -> float:
    """The probability from ML.WEIGHTS as BigQuery documents it: raw values times their weights, a
    NULL number as the training mean, a category's own weight (NULL's category; unseen: 0)."""
    category = {"desktop": 0.5, "mobile": -0.5, None: 0.1}.get(device_type, 0.0)
    page_views = 4.0 if page_views is None else page_views
    cart_value = 50.0 if cart_value is None else cart_value
    return 1 / (1 + math.exp(-(-2.0 + 0.25 * page_views + 0.01 * cart_value + category)))


def _export(directory: Path, *, predictions=None, training=TRAINING, stale_tree=False) -> Path:
    assets = directory / "assets"
    assets.mkdir(parents=True)
    (directory / "saved_model.pb").write_bytes(b"a TensorFlow SavedModel: not read")
    (assets / "device_type.txt").write_text("desktop\nmobile\n")  # the SavedModel's vocabulary: not read
    for name, rows in (("weights", WEIGHTS), ("feature_info", FEATURE_INFO), ("predictions", predictions)):
        if rows is not None:
            (assets / f"{name}-000000000000.json").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (assets / "weights-000000000001.json").write_text("")  # EXPORT DATA may write an empty shard
    if training:
        (assets / "training-000000000000.json").write_text(json.dumps(training) + "\n")
    if stale_tree:  # a boosted tree's files, left by an earlier champion's export
        (directory / "model.bst").write_bytes(b"stale")
        (assets / "model_metadata.json").write_text('{"model_type": "boosted_tree_classifier"}')
    return directory


VISITS = [(3, 20.0, "desktop"), (None, 120.0, "mobile"), (8, None, None), (5, 10.0, "toaster")]
COLUMNS = {
    "page_views": [v[0] for v in VISITS],
    "cart_value": [v[1] for v in VISITS],
    "device_type": [v[2] for v in VISITS],
}


def test_the_loader_reads_bigquerys_weights_and_computes_the_documented_probability(tmp_path):
    model = Model.load(_export(tmp_path / "export", stale_tree=True))  # the training record says which
    assert model.model_type == "LOGISTIC_REG" and model.feature_names == ["page_views", "cart_value", "device_type"]
    assert model.probabilities(COLUMNS).tolist() == pytest.approx([_documented(*v) for v in VISITS], abs=1e-12)


def test_the_service_serves_it_with_its_vocabulary_ranges_and_training(tmp_path):
    directory = _export(tmp_path / "export")
    loaded = load_model(directory)
    assert loaded.domain.vocabularies == {"device_type": ["desktop", "mobile"]}
    assert loaded.domain.ranges == {"page_views": (1.0, 12.0), "cart_value": (0.0, 300.0)}
    assert loaded.probabilities([{"page_views": 3, "cart_value": 20.0, "device_type": "desktop"}]) == [
        pytest.approx(_documented(3, 20.0, "desktop"))
    ]
    lines = []
    served = service(directory, ListSink(), log=lines.append, address="127.0.0.1:8123")
    served.start()
    served.stop()
    [line] = [line for line in lines if line.startswith("serving on")]
    assert f"model {loaded.version} (LOGISTIC_REG, 3 features: 1 vocabulary, 2 ranges)" in line
    assert "training: trained_at 2024-08-31 00:00:00 UTC, model purchase_propensity_baseline, " in line
    assert "model_type LOGISTIC_REG, reason first training, roc_auc 0.861 (exported " in line


def _predictions(probabilities) -> list[dict]:
    """ML.PREDICT's rows as EXPORT DATA writes them: the inputs, then predicted_<label>_probs."""
    return [
        {"page_views": None if v[0] is None else str(v[0]), "cart_value": v[1], "device_type": v[2],
         "predicted_purchased": p >= 0.5,
         "predicted_purchased_probs": [{"label": True, "prob": p}, {"label": False, "prob": 1 - p}]}
        for v, p in zip(VISITS, probabilities)
    ]  # fmt: skip


def test_bigquerys_predictions_beside_the_weights_must_be_reproduced(tmp_path):
    documented = [_documented(*v) for v in VISITS]
    model = Model.load(_export(tmp_path / "agrees", predictions=_predictions(documented)))
    assert model.label == "purchased" and model.class_names == ["true", "false"]
    # Weights that are the log-odds of FALSE are turned to give TRUE's, as BigQuery's predictions do.
    flipped = Model.load(_export(tmp_path / "flipped", predictions=_predictions([1 - p for p in documented])))
    assert flipped.probabilities(COLUMNS).tolist() == pytest.approx([1 - p for p in documented], abs=1e-12)
    with pytest.raises(ExportError, match="do not give BigQuery's probabilities: .* row 2 has 0.900000"):
        Model.load(_export(tmp_path / "wrong", predictions=_predictions([*documented[:2], 0.9, documented[3]])))

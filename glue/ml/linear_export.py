"""A logistic regression as BigQuery ML lets it out: ML.WEIGHTS and ML.FEATURE_INFO, written beside
its EXPORT MODEL by EXPORT DATA (definitions/ml/export_purchase_propensity.sqlx).

BigQuery ML exports a LOGISTIC_REG model as a TensorFlow SavedModel (saved_model.pb, variables/),
which the service does not read. What it reads instead, as EXPORT DATA writes them (newline-delimited
JSON, INT64 as strings, the `*` of the URI a shard number):

    assets/weights-*.json        ML.WEIGHTS(MODEL m, STRUCT(FALSE AS standardize)): processed_input,
                                 weight (a number's), category_weights (a category's: [{category, weight}]),
                                 and the row `__INTERCEPT__`
    assets/feature_info-*.json   ML.FEATURE_INFO(MODEL m): input, min, max, mean, stddev, category_count, ...
    assets/predictions-*.json    optional: ML.PREDICT of a few visits, which the loaded weights must
                                 reproduce (predicted_<label>_probs)
    assets/training-*.json       the training's model_trainings row (model_type says which layout holds)

Unstandardized (BigQuery's default), a number's weight applies to the raw value, so the log-odds
are the intercept, plus weight × value for each number (a NULL is the training mean, as BigQuery ML
imputes), plus the weight of each category's value (NULL is its own category; an unseen value
weighs 0). The local runner writes the same rows from its models (`weights_rows`, `feature_info_rows`).
"""

from __future__ import annotations

import fnmatch
import json
from typing import TYPE_CHECKING

import numpy as np

from glue.ml.features import NULL_CATEGORY, Column, as_text

if TYPE_CHECKING:
    from glue.ml.classifier import Model

LOGISTIC_REG = "LOGISTIC_REG"
INTERCEPT = "__INTERCEPT__"
WEIGHTS = "assets/weights-*.json"
FEATURE_INFO = "assets/feature_info-*.json"
PREDICTIONS = "assets/predictions-*.json"
TRAINING = "assets/training*.json"
# Where BigQuery ML writes its SavedModel, the local runner writes this note instead: nothing reads it.
STAND_IN = "saved_model.local.json"
TOLERANCE = 1e-6  # how far a loaded probability may be from BigQuery's ML.PREDICT


class ExportError(ValueError):
    """Exported files that do not make a logistic regression the service can serve."""


def json_rows(files: dict[str, bytes], pattern: str) -> list[dict]:
    """The rows of every file matching `pattern`, shard by shard: newline-delimited JSON, as EXPORT
    DATA writes it (or one JSON object in a file)."""
    rows = []
    for path in sorted(p for p in files if fnmatch.fnmatch(p, pattern)):
        text = files[path].decode().strip()
        try:
            whole = json.loads(text) if text else None
        except json.JSONDecodeError:
            whole = None
        if isinstance(whole, dict):
            rows.append(whole)
        elif text:
            rows += [json.loads(line) for line in text.splitlines() if line.strip()]
    return rows


def holds_linear(files: dict[str, bytes]) -> bool:
    """Whether an export directory's files are a BigQuery ML logistic regression: ML.WEIGHTS rows, and
    a training record of a LOGISTIC_REG (a tree's files left by an earlier export are then stale), or,
    without a record, no tree beside them."""
    if not any(fnmatch.fnmatch(p, WEIGHTS) for p in files):
        return False
    try:
        training = json_rows(files, TRAINING)
    except (ValueError, UnicodeDecodeError):
        training = []
    if training and training[0].get("model_type"):
        return str(training[0]["model_type"]).upper() == LOGISTIC_REG
    return "model.bst" not in files and "assets/weights.json" not in files


def _number(value) -> float | None:
    return None if value is None or value == "" else float(value)  # INT64 arrives as a string


def read(model_class: type[Model], files: dict[str, bytes], name: str = "", training: dict | None = None) -> Model:
    """The logistic regression the exported ML.WEIGHTS and ML.FEATURE_INFO rows describe."""
    weights = {row["processed_input"]: row for row in json_rows(files, WEIGHTS)}
    info = json_rows(files, FEATURE_INFO)
    if INTERCEPT not in weights or not info:
        raise ExportError(f"an exported logistic regression needs {WEIGHTS} with {INTERCEPT} and {FEATURE_INFO}")
    intercept = float(weights[INTERCEPT]["weight"])
    columns, coefficients = [], []
    for feature in info:
        row = weights.get(feature["input"])
        if row is None:
            raise ExportError(f"{WEIGHTS} has no weight for the feature {feature['input']} of {FEATURE_INFO}")
        categories = row.get("category_weights") or []
        if row.get("weight") is not None:
            mean, std = _number(feature.get("mean")) or 0.0, _number(feature.get("stddev")) or 1.0
            low, high = _number(feature.get("min")), _number(feature.get("max"))
            columns.append(Column(feature["input"], "numerical", mean, std, low or 0.0, high or 0.0))
            raw = float(row["weight"])
            coefficients.append(raw * std)  # on (value - mean) / std, as the model's own matrix
            intercept += raw * mean
        else:
            by_value = {
                NULL_CATEGORY if c.get("category") in (None, NULL_CATEGORY) else c["category"]: float(c["weight"])
                for c in categories
            }
            vocabulary = [NULL_CATEGORY, *(v for v in by_value if v != NULL_CATEGORY)]
            columns.append(Column(feature["input"], "categorical", vocabulary=vocabulary))
            coefficients += [by_value.get(v, 0.0) for v in vocabulary]
    model = model_class(
        name=name,
        model_type=LOGISTIC_REG,
        label="label",
        label_type="BOOLEAN",
        class_names=["true", "false"],
        columns=columns,
        weights=coefficients,
        intercept=intercept,
        training=training or {},
    )
    _check_predictions(model, json_rows(files, PREDICTIONS))
    return model


def metadata(files: dict[str, bytes]) -> dict:
    """What model_metadata.json says of a tree's features, from ML.FEATURE_INFO: each number's `min`
    and `max` where it has both (glue/ml/serving/domain.py holds the served inputs to them)."""
    features = {}
    for feature in json_rows(files, FEATURE_INFO):
        low, high = _number(feature.get("min")), _number(feature.get("max"))
        features[feature["input"]] = {"min": low, "max": high} if low is not None and high is not None else {}
    return {"model_type": LOGISTIC_REG.lower(), "features": features}


def _check_predictions(model: Model, predictions: list[dict]) -> None:
    """BigQuery's own ML.PREDICT of a few visits, exported beside the weights: the loaded model must
    give the same probabilities. They also name the label, and which class the weights' log-odds
    are for: the model is turned to give the positive class (TRUE, or the first listed)."""
    if not predictions:
        return
    [probs] = [key for key in predictions[0] if key.startswith("predicted_") and key.endswith("_probs")]
    model.label = probs[len("predicted_") : -len("_probs")]
    labels = [as_text(entry["label"]) for entry in predictions[0][probs]]
    positive = "true" if "true" in labels else labels[0]
    model.class_names = [positive, *(label for label in labels if label != positive)]
    if set(labels) != {"true", "false"}:
        model.label_type = "VARCHAR"
    rows = {c.name: [p.get(c.name) for p in predictions] for c in model.columns}
    ours = model.probabilities(rows)
    expected = np.array(
        [next(float(e["prob"]) for e in p[probs] if as_text(e["label"]) == positive) for p in predictions]
    )
    if np.allclose(1 - ours, expected, atol=TOLERANCE, rtol=0) and not np.allclose(ours, expected, atol=TOLERANCE):
        model.weights, model.intercept = [-w for w in model.weights], -model.intercept  # log-odds of the other class
        ours = 1 - ours
    worst = int(np.argmax(np.abs(ours - expected)))
    if abs(ours[worst] - expected[worst]) > TOLERANCE:
        raise ExportError(
            f"the exported weights do not give BigQuery's probabilities: {PREDICTIONS} row {worst} has "
            f"{expected[worst]:.6f} for {positive}, the weights {ours[worst]:.6f}"
        )


# ---------------------------------------------------------------------- what the local runner writes
def weights_rows(model: Model, standardize: bool = False) -> list[dict]:
    """ML.WEIGHTS of a local logistic regression: a number's weight on its raw value (or, standardized,
    on (value - mean) / stddev), each category's weight, then the intercept."""
    if model.model_type != LOGISTIC_REG:
        raise ValueError(f"ML.WEIGHTS takes a linear or logistic regression; {model.name} is {model.model_type}")
    rows, at, intercept = [], 0, model.intercept
    for column in model.columns:
        if column.kind == "numerical":
            weight = model.weights[at]
            at += 1
            if not standardize:
                weight, intercept = weight / column.std, intercept - weight * column.mean / column.std
            rows.append({"processed_input": column.name, "weight": weight, "category_weights": []})
        else:
            weights = model.weights[at : at + len(column.vocabulary)]
            at += len(column.vocabulary)
            categories = [{"category": v, "weight": w} for v, w in zip(column.vocabulary, weights)]
            rows.append({"processed_input": column.name, "weight": None, "category_weights": categories})
    return [*rows, {"processed_input": INTERCEPT, "weight": intercept, "category_weights": []}]


def feature_info_rows(model: Model) -> list[dict]:
    """ML.FEATURE_INFO of a local model: each feature's statistics over its training rows."""
    rows = []
    for column in model.columns:
        stats = model.training.get("features", {}).get(column.name, {})
        numerical = column.kind == "numerical"
        rows.append(
            {
                "input": column.name,
                "min": column.minimum if numerical else None,
                "max": column.maximum if numerical else None,
                "mean": column.mean if numerical else None,
                "median": stats.get("median") if numerical else None,
                "stddev": stats.get("stddev", column.std) if numerical else None,
                "category_count": None if numerical else len(column.vocabulary) - 1,
                "null_count": stats.get("null_count"),
                "dimension": None,
            }
        )
    return rows


def stand_in(model: Model) -> dict[str, bytes]:
    """What the local EXPORT MODEL of a logistic regression writes where BigQuery ML writes its
    TensorFlow SavedModel: a note. The model itself is what EXPORT DATA writes beside it."""
    note = {
        "model_type": model.model_type,
        "note": "BigQuery ML writes a TensorFlow SavedModel here, which nothing reads: the service reads "
        f"{WEIGHTS} and {FEATURE_INFO}, written by EXPORT DATA",
    }
    return {STAND_IN: json.dumps(note, indent=2).encode()}

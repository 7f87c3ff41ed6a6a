"""CREATE MODEL's training, locally: BigQuery ML's options, split and preprocessing, then XGBoost
(BOOSTED_TREE_CLASSIFIER) or scikit-learn (LOGISTIC_REG) on the training rows.

The split follows `data_split_method`: CUSTOM takes `data_split_col`, a BOOL that is TRUE for an
evaluation row, and leaves it out of the features; RANDOM and AUTO_SPLIT hold out
`data_split_eval_fraction` (0.2) of the rows, with a fixed seed; NO_SPLIT evaluates on the
training rows. A boosted tree stops early, as BigQuery ML's does, when an iteration improves the
evaluation loss by less than `min_rel_progress` (relative).
"""

from __future__ import annotations

import difflib
from datetime import datetime, timezone

import numpy as np
import xgboost as xgb

from glue.ml.classifier import BOOSTED_TREE, LOGISTIC_REG, Model
from glue.ml.features import Column, FeatureError, as_text, kind_of, linear_matrix, tree_matrix

# BigQuery ML's options for these two model types, with its defaults.
TREE_DEFAULTS = {
    "booster_type": "GBTREE",
    "max_iterations": 20,
    "learn_rate": 0.3,
    "max_tree_depth": 6,
    "subsample": 1.0,
    "colsample_bytree": 1.0,
    "colsample_bylevel": 1.0,
    "colsample_bynode": 1.0,
    "min_split_loss": 0.0,
    "min_tree_child_weight": 1,
    "l1_reg": 0.0,
    "l2_reg": 1.0,
    "num_parallel_tree": 1,
    "tree_method": "AUTO",
    "early_stop": True,
    "min_rel_progress": 0.01,
}
LINEAR_DEFAULTS = {"l1_reg": 0.0, "l2_reg": 0.0, "max_iterations": 20, "early_stop": True, "min_rel_progress": 0.01}
COMMON = {
    "model_type",
    "input_label_cols",
    "data_split_method",
    "data_split_col",
    "data_split_eval_fraction",
    "auto_class_weights",
    "enable_global_explain",
    "optimize_strategy",
    "learn_rate_strategy",
    "category_encoding_method",
}


class TrainingError(ValueError):
    """A CREATE MODEL the local runner cannot train, with the reason."""


def _checked(options: dict) -> tuple[str, dict]:
    model_type = str(options.get("model_type", "")).upper()
    if model_type not in (BOOSTED_TREE, LOGISTIC_REG):
        raise TrainingError(
            f"model_type {model_type or 'missing'}: the local runner trains {BOOSTED_TREE} and {LOGISTIC_REG}"
        )
    defaults = TREE_DEFAULTS if model_type == BOOSTED_TREE else LINEAR_DEFAULTS
    for key in options:
        if key not in defaults and key not in COMMON:
            close = difflib.get_close_matches(key, [*defaults, *COMMON], n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise TrainingError(f"OPTIONS: {key} is not an option of {model_type}{hint}")
    return model_type, {**defaults, **options}


def _split(options: dict, rows: dict[str, list], count: int) -> tuple[np.ndarray, str | None]:
    """Which rows evaluate the model (True), and the column that said so, if any."""
    method = str(options.get("data_split_method", "AUTO_SPLIT")).upper()
    if method == "NO_SPLIT":
        return np.zeros(count, dtype=bool), None
    if method == "CUSTOM":
        column = options.get("data_split_col")
        if column not in rows:
            raise TrainingError(f"data_split_col {column!r}: CUSTOM takes a BOOL column of the training query")
        return np.array([bool(v) for v in rows[column]]), column
    if method in ("RANDOM", "AUTO_SPLIT"):
        fraction = float(options.get("data_split_eval_fraction", 0.2))
        if method == "AUTO_SPLIT" and count < 500:  # BigQuery ML: too few rows to hold any out
            return np.zeros(count, dtype=bool), None
        return np.random.default_rng(0).random(count) < fraction, None
    raise TrainingError(f"data_split_method {method}: the local runner takes CUSTOM, RANDOM, AUTO_SPLIT and NO_SPLIT")


class _RelativeProgress(xgb.callback.TrainingCallback):
    """Stops when the last iteration improved the evaluation loss by less than `minimum`, relative."""

    def __init__(self, minimum: float):
        super().__init__()
        self.minimum = minimum

    def after_iteration(self, model, epoch, evals_log) -> bool:
        losses = next(iter(evals_log.values()))["mlogloss"]
        return len(losses) > 1 and (losses[-2] - losses[-1]) / losses[-2] < self.minimum


def _booster(options: dict, train: np.ndarray, y: np.ndarray, check: np.ndarray, check_y: np.ndarray, weights):
    params = {
        "objective": "multi:softprob",  # as BigQuery ML's exported classifiers: one probability per class
        "num_class": 2,
        "eval_metric": "mlogloss",
        "booster": str(options["booster_type"]).lower(),
        "eta": options["learn_rate"],
        "max_depth": options["max_tree_depth"],
        "subsample": options["subsample"],
        "colsample_bytree": options["colsample_bytree"],
        "colsample_bylevel": options["colsample_bylevel"],
        "colsample_bynode": options["colsample_bynode"],
        "gamma": options["min_split_loss"],
        "min_child_weight": options["min_tree_child_weight"],
        "alpha": options["l1_reg"],
        "lambda": options["l2_reg"],
        "num_parallel_tree": options["num_parallel_tree"],
        "tree_method": "hist" if str(options["tree_method"]).upper() == "AUTO" else str(options["tree_method"]).lower(),
        "seed": 0,
        "nthread": 2,
    }
    data = xgb.DMatrix(train, label=y, weight=weights, missing=np.nan)
    evaluation = xgb.DMatrix(check, label=check_y, missing=np.nan)
    callbacks = [_RelativeProgress(float(options["min_rel_progress"]))] if options["early_stop"] else []
    rounds = int(options["max_iterations"])
    return xgb.train(params, data, rounds, evals=[(evaluation, "evaluation")], callbacks=callbacks, verbose_eval=False)


def train(name: str, options: dict, rows: dict[str, list], types: dict[str, str]) -> Model:
    """The model CREATE MODEL `name` OPTIONS(`options`) AS <the query that gave `rows`> makes."""
    model_type, options = _checked(options)
    label = (options.get("input_label_cols") or ["label"])[0]
    if label not in rows:
        raise TrainingError(f"input_label_cols: the training query has no column {label}")
    count = len(rows[label])
    labelled = np.array([v is not None for v in rows[label]])
    evaluation, split_column = _split(options, rows, count)
    classes = sorted({as_text(v) for v in rows[label] if v is not None}, reverse=True)
    if len(classes) != 2:
        raise TrainingError(
            f"label {label} has {len(classes)} classes in the training rows: the local runner trains binary classifiers"
        )
    try:
        features = [n for n in rows if n not in (label, split_column)]
        kinds = {n: kind_of(n, types[n]) for n in features}
    except FeatureError as error:
        raise TrainingError(str(error)) from None
    training = labelled & ~evaluation
    held_out = labelled & evaluation if (labelled & evaluation).any() else training
    pick = lambda mask: {n: [v for v, keep in zip(rows[n], mask) if keep] for n in rows}  # noqa: E731
    train_rows, check_rows = pick(training), pick(held_out)
    columns = [Column.fit(n, kinds[n], train_rows[n]) for n in features]
    y = np.array([classes.index(as_text(v)) for v in train_rows[label]])
    check_y = np.array([classes.index(as_text(v)) for v in check_rows[label]])
    balanced = options.get("auto_class_weights") is True
    weights = np.array([len(y) / (2 * np.sum(y == k)) for k in y]) if balanced else None
    model = Model(name, model_type, label, types[label], classes, columns)
    if model_type == BOOSTED_TREE:
        model.booster = _booster(
            options, tree_matrix(columns, train_rows), y, tree_matrix(columns, check_rows), check_y, weights
        )
        iterations = model.booster.num_boosted_rounds()
    else:
        model.weights, model.intercept, iterations = _logistic(options, linear_matrix(columns, train_rows), y, weights)
    model.training = {
        "trained_at": datetime.now(timezone.utc).isoformat(),
        "training_rows": int(training.sum()),
        "evaluation_rows": int(held_out.sum()) if held_out is not training else 0,
        "iterations": int(iterations),
        "options": options,
        "evaluation": model.evaluate(check_rows),
        "features": {c.name: _statistics(c.kind, train_rows[c.name]) for c in columns},  # ML.FEATURE_INFO's
    }
    return model


def _statistics(kind: str, values: list) -> dict:
    """What ML.FEATURE_INFO says of a feature beyond its Column: NULLs, and a number's median and
    standard deviation over the training rows."""
    present = [v for v in values if v is not None]
    stats = {"null_count": len(values) - len(present)}
    if kind == "numerical" and present:
        present = [float(v) for v in present]
        stats["median"] = float(np.median(present))
        stats["stddev"] = float(np.std(present, ddof=1)) if len(present) > 1 else None
    return stats


def _logistic(options: dict, matrix: np.ndarray, y: np.ndarray, weights) -> tuple[list[float], float, int]:
    from sklearn.linear_model import LogisticRegression

    if float(options["l1_reg"]) > 0:
        raise TrainingError("l1_reg: the local runner's logistic regression takes l2_reg only")
    l2 = float(options["l2_reg"])
    # scikit-learn's lbfgs, run to convergence: BigQuery ML's line-search gradient descent stops at
    # max_iterations passes, so its weights can differ slightly for the same rows.
    fitted = LogisticRegression(C=1 / l2 if l2 else np.inf, max_iter=1000)
    fitted.fit(matrix, (y == 0).astype(int), sample_weight=weights)  # class 0 is the positive one
    return fitted.coef_[0].tolist(), float(fitted.intercept_[0]), int(fitted.n_iter_[0])

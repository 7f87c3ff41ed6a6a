"""What the served model was trained on, as its export carries it: each categorical feature's
vocabulary (a tree's assets/<i>_categorical_label.txt, a logistic regression's categories of
ML.WEIGHTS) and each numerical feature's range (`min` and `max` of the feature in a tree's
assets/model_metadata.json, or in ML.FEATURE_INFO: glue/ml/linear_export.py gives them in the
same shape), both over the training rows.

A category outside the vocabulary is refused: the model never saw it, and reads it as missing (a
boosted tree) or as nothing (a logistic regression's all-zero one-hot), so its probability would be
a guess. A number outside the range is answered: a tree carries its outermost split on beyond the
range, which is usually what is meant, but the answer names the features that were outside it
(`out_of_range_features`, stored with the prediction) so that drift shows. A numerical feature
whose export has no `min` and `max` is never named.
"""

from __future__ import annotations

import json

from glue.ml.classifier import Model
from glue.ml.features import NULL_CATEGORY, as_text


class TrainedDomain:
    def __init__(self, vocabularies: dict[str, list[str]], ranges: dict[str, tuple[float, float]], unranged=()):
        self.vocabularies = vocabularies  # feature -> the values it was trained on (NULL's filler left out)
        self.ranges = ranges  # feature -> (min, max) over the training rows
        self.unranged = list(unranged)  # numerical features whose export gives no range
        self._allowed = {name: frozenset(values) for name, values in vocabularies.items()}

    @classmethod
    def of(cls, model: Model, metadata: dict) -> "TrainedDomain":
        """The domain of `model`, with `metadata` its model_metadata.json (which says whether a range was exported)."""
        exported = metadata.get("features", {})
        vocabularies, ranges, unranged = {}, {}, []
        for column in model.columns:
            if column.kind == "categorical":
                vocabularies[column.name] = [v for v in column.vocabulary if v != NULL_CATEGORY]
            elif column.kind == "numerical":
                if {"min", "max"} <= set(exported.get(column.name, {})):
                    ranges[column.name] = (column.minimum, column.maximum)
                else:
                    unranged.append(column.name)
        return cls(vocabularies, ranges, unranged)

    def unknown_categories(self, inputs: dict) -> list[str]:
        """A problem for each categorical input outside its vocabulary, naming the allowed values."""
        problems = []
        for name, allowed in self._allowed.items():
            value = inputs.get(name)
            if value is not None and as_text(value) not in allowed:
                values = ", ".join(json.dumps(v) for v in self.vocabularies[name]) or "none: it was always NULL"
                problems.append(
                    f"{name}: one of the values the model was trained on ({values}), not {json.dumps(value)}"
                )
        return problems

    def out_of_range(self, inputs: dict) -> list[str]:
        """The numerical inputs below their training minimum or above their maximum, in the model's order."""
        outside = []
        for name, (low, high) in self.ranges.items():
            value = inputs.get(name)
            if value is not None and not low <= value <= high:
                outside.append(name)
        return outside

    def describe(self) -> str:
        vocabularies, ranges = len(self.vocabularies), len(self.ranges)
        described = f"{vocabularies} {'vocabulary' if vocabularies == 1 else 'vocabularies'}, "
        described += f"{ranges} {'range' if ranges == 1 else 'ranges'}"
        return described + (f" (none exported for {', '.join(self.unranged)})" if self.unranged else "")

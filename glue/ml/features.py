"""BigQuery ML's automatic preprocessing, as its documentation describes it.

- Numerical columns (INT64, NUMERIC, FLOAT64): a NULL becomes the column's mean over the training
  rows. Logistic regression also standardises them (minus the mean, over the standard deviation);
  boosted trees take them as they are.
- Other columns (STRING, BOOL, DATE): a vocabulary of the training values, with an extra category
  for NULL (`_null_filler`, first, as in BigQuery ML's exported vocabularies). Logistic regression
  one-hot encodes them; boosted trees label-encode them (the value's index). A value not seen in
  training weighs nothing: all zeros one-hot, missing for a tree.

A Column keeps what encoding needs, and is what BigQuery ML exports in model_metadata.json. A
model exported by BigQuery ML may also one-hot a category for a tree, or multi-hot an ARRAY
(`encode_type` ohe / mhe): a tree reads those as 1 where the value is present and missing elsewhere,
as Google's bqml-xgboost-predictor does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

NULL_CATEGORY = "_null_filler"
NUMERICAL_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE", "DECIMAL")
CATEGORICAL_TYPES = ("VARCHAR", "BOOLEAN", "DATE")


class FeatureError(ValueError):
    """A training column BigQuery ML would take but the local runner does not, or none at all."""


def kind_of(name: str, duckdb_type: str) -> str:
    base = duckdb_type.split("(")[0].upper()
    if base in NUMERICAL_TYPES:
        return "numerical"
    if base in CATEGORICAL_TYPES:
        return "categorical"
    raise FeatureError(
        f"feature {name} is {duckdb_type}: the local runner trains on numbers, strings, booleans and "
        f"dates; select it as one of those (a TIMESTAMP as UNIX_SECONDS(...), say) or leave it out"
    )


def as_text(value) -> str | None:
    """A categorical value as BigQuery writes it in a vocabulary: TRUE is `true`."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass
class Column:
    name: str
    kind: str  # numerical | categorical | array (a tree's input only, from an exported model)
    mean: float = 0.0
    std: float = 1.0
    minimum: float = 0.0
    maximum: float = 0.0
    vocabulary: list[str] = field(default_factory=list)
    encode_type: str = "categorical_label"  # how a tree reads a category: its index, or one-hot

    @classmethod
    def fit(cls, name: str, kind: str, values: list) -> "Column":
        if kind == "numerical":
            numbers = np.array([float(v) for v in values if v is not None])
            if not len(numbers):
                return cls(name, kind)
            std = float(numbers.std(ddof=1)) if len(numbers) > 1 else 0.0
            return cls(name, kind, float(numbers.mean()), std or 1.0, float(numbers.min()), float(numbers.max()))
        seen = sorted({as_text(v) for v in values if v is not None})
        return cls(name, kind, vocabulary=[NULL_CATEGORY, *seen])

    def numbers(self, values: list) -> np.ndarray:
        """The column as numbers, NULL (or an empty string, as an exported model reads it) as the mean."""
        return np.array([self.mean if v is None or v == "" else float(v) for v in values], dtype=float)

    def labels(self, values: list) -> np.ndarray:
        """Each value's index in the vocabulary: NULL is 0, an unseen value is missing (NaN)."""
        index = {v: i for i, v in enumerate(self.vocabulary)}
        return np.array([0 if v is None else index.get(as_text(v), np.nan) for v in values], dtype=float)

    def one_hot(self, values: list) -> np.ndarray:
        """One column per vocabulary entry; an unseen value is all zeros."""
        encoded = np.zeros((len(values), len(self.vocabulary)))
        for row, position in enumerate(self.labels(values)):
            if not np.isnan(position):
                encoded[row, int(position)] = 1.0
        return encoded

    def present(self, values: list) -> np.ndarray:
        """A tree's one-hot (a category) or multi-hot (an array): 1 where present, else missing."""
        index = {v: i for i, v in enumerate(self.vocabulary)}
        encoded = np.full((len(values), len(self.vocabulary)), np.nan)
        for row, value in enumerate(values):
            for item in value if self.kind == "array" else [value]:
                position = index.get(as_text(item))
                if position is not None:
                    encoded[row, position] = 1.0
        return encoded

    def tree_input(self, values: list) -> np.ndarray:
        if self.kind == "numerical":
            return self.numbers(values)[:, None]
        if self.kind == "categorical" and self.encode_type == "categorical_label":
            return self.labels(values)[:, None]
        return self.present(values)

    def metadata(self) -> dict:
        """This column in BigQuery ML's exported model_metadata.json."""
        if self.kind == "numerical":
            return {"mean": self.mean, "std": self.std, "min": self.minimum, "max": self.maximum}
        return {"encode_type": "categorical_label"}

    @classmethod
    def from_metadata(cls, name: str, metadata: dict, vocabulary: list[str] | None) -> "Column":
        encode_type = metadata.get("encode_type", "")
        if encode_type in ("mhe", "array_one_hot"):
            return cls(name, "array", vocabulary=vocabulary or [], encode_type="array_one_hot")
        if vocabulary is not None:
            one_hot = encode_type == "categorical_one_hot"
            return cls(
                name, "categorical", vocabulary=vocabulary, encode_type=encode_type if one_hot else "categorical_label"
            )
        return cls(
            name,
            "numerical",
            float(metadata.get("mean", 0.0)),
            float(metadata.get("std", 1.0)),
            float(metadata.get("min", 0.0)),
            float(metadata.get("max", 0.0)),
        )


def tree_matrix(columns: list[Column], rows: dict[str, list]) -> np.ndarray:
    """A boosted tree's input: numbers as they are (NULL as the mean), categories label-encoded."""
    parts = [c.tree_input(rows[c.name]) for c in columns]
    return np.hstack(parts) if parts else np.empty((0, 0))


def linear_matrix(columns: list[Column], rows: dict[str, list]) -> np.ndarray:
    """A logistic regression's input: numbers standardised, categories one-hot encoded."""
    parts = [
        ((c.numbers(rows[c.name]) - c.mean) / c.std)[:, None] if c.kind == "numerical" else c.one_hot(rows[c.name])
        for c in columns
    ]
    return np.hstack(parts)


def linear_names(columns: list[Column]) -> list[str]:
    """The names of linear_matrix's columns: a number's own, `name_value` for each category."""
    names = []
    for column in columns:
        names += [column.name] if column.kind == "numerical" else [f"{column.name}_{v}" for v in column.vocabulary]
    return names

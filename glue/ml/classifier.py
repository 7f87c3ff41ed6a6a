"""A trained binary classifier, as BigQuery ML keeps one: its preprocessing, its booster or
weights, and what its training measured; written and read in BigQuery ML's export layout.

The layout of a boosted tree (`EXPORT MODEL`, and what Google's bqml-xgboost-predictor reads):

    model.bst                            the XGBoost booster, in XGBoost's binary format
    assets/model_metadata.json           model_type, label_col, class_names, feature_names, features
    assets/<i>_categorical_label.txt     the vocabulary of the i-th feature, `_null_filler` first

BigQuery ML exports a logistic regression as a TensorFlow SavedModel, which is not read: the export
writes its ML.WEIGHTS and ML.FEATURE_INFO beside it (EXPORT DATA), and linear_export.py reads those.
A model kept in the local warehouse (`archive`) holds its weights in assets/weights.json instead.
"""

from __future__ import annotations

import io
import json
import re
import tarfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import xgboost as xgb

from glue.ml import linear_export
from glue.ml.features import Column, as_text, linear_matrix, linear_names, tree_matrix
from glue.ml.metrics import binary_metrics

BOOSTED_TREE = "BOOSTED_TREE_CLASSIFIER"
LOGISTIC_REG = "LOGISTIC_REG"
# A feature's vocabulary: assets/<its index>[_<encoding>].txt (the bare and _array names are older exports').
_VOCABULARY = re.compile(r"/(\d+)(?:_categorical_label|_categorical_one_hot|_array_one_hot|_array)?\.txt$")


@dataclass
class Model:
    name: str  # dataset.name
    model_type: str  # BOOSTED_TREE_CLASSIFIER or LOGISTIC_REG
    label: str
    label_type: str  # the label column's DuckDB type: what predicted_<label> is
    class_names: list[str]  # the positive class first, as BigQuery ML exports them
    columns: list[Column]
    booster: xgb.Booster | None = None
    weights: list[float] = field(default_factory=list)
    intercept: float = 0.0
    training: dict = field(default_factory=dict)  # rows, iterations, trained_at, evaluation metrics

    @property
    def feature_names(self) -> list[str]:
        return [c.name for c in self.columns]

    # ------------------------------------------------------------------ predicting
    def probabilities(self, rows: dict[str, list]) -> np.ndarray:
        """The probability of the positive class (class_names[0]) for each row."""
        if self.model_type == BOOSTED_TREE:
            return self.class_probabilities(rows)[:, 0]
        scores = linear_matrix(self.columns, rows) @ np.array(self.weights) + self.intercept
        return 1 / (1 + np.exp(-scores))

    def class_probabilities(self, rows: dict[str, list]) -> np.ndarray:
        """A boosted tree's probability of each class (in class_names' order) for each row."""
        encoded = tree_matrix(self.columns, rows)
        if not len(encoded):
            return np.empty((0, len(self.class_names)))
        # One probability per class (multi:softprob, as BigQuery ML's classifiers).
        return self.booster.predict(xgb.DMatrix(encoded, missing=np.nan)).reshape(len(encoded), -1)

    def label_value(self, text: str):
        """A class name as the label column's own type (`true` is TRUE for a BOOL label)."""
        if self.label_type == "BOOLEAN":
            return text == "true"
        if self.label_type.split("(")[0] in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT"):
            return int(text)
        return text

    def evaluate(self, rows: dict[str, list], threshold: float = 0.5) -> dict[str, float]:
        """ML.EVALUATE on these rows, which carry the label."""
        labels = rows[self.label]
        known = [i for i, v in enumerate(labels) if v is not None]
        kept = {name: [values[i] for i in known] for name, values in rows.items()}
        positive = np.array([self._is_positive(labels[i]) for i in known], dtype=bool)
        return binary_metrics(positive, self.probabilities(kept), threshold)

    def _is_positive(self, value) -> bool:
        return as_text(value) == self.class_names[0]

    def importance(self) -> list[dict]:
        """ML.FEATURE_IMPORTANCE's rows: how often each feature splits a tree, and its average
        gain and cover there (0 for a feature no tree uses)."""
        if self.model_type != BOOSTED_TREE:
            raise ValueError(f"ML.FEATURE_IMPORTANCE takes a boosted tree; {self.name} is {self.model_type}")
        scores = {kind: self.booster.get_score(importance_type=kind) for kind in ("weight", "gain", "cover")}
        return [
            {
                "feature": name,
                "importance_weight": int(scores["weight"].get(f"f{i}", 0)),
                "importance_gain": float(scores["gain"].get(f"f{i}", 0.0)),
                "importance_cover": float(scores["cover"].get(f"f{i}", 0.0)),
            }
            for i, name in enumerate(self.feature_names)
        ]

    # ------------------------------------------------------------------ the export layout
    def metadata(self) -> dict:
        return {
            "model_type": self.model_type.lower(),
            "label_col": self.label,
            "class_names": self.class_names,
            "feature_names": self.feature_names,
            "features": {c.name: c.metadata() for c in self.columns},
        }

    def files(self) -> dict[str, bytes]:
        """The model's files in BigQuery ML's export layout, by relative path."""
        files = {"assets/model_metadata.json": json.dumps(self.metadata(), indent=2).encode()}
        for index, column in enumerate(self.columns):
            if column.kind == "categorical":
                files[f"assets/{index}_categorical_label.txt"] = "\n".join(column.vocabulary).encode() + b"\n"
        if self.booster is not None:
            # The binary format is BigQuery ML's; XGBoost warns that it prefers JSON.
            with warnings.catch_warnings(), xgb.config_context(verbosity=0):
                warnings.simplefilter("ignore")
                files["model.bst"] = bytes(self.booster.save_raw(raw_format="deprecated"))
        else:
            linear = {"names": linear_names(self.columns), "weights": self.weights, "intercept": self.intercept}
            files["assets/weights.json"] = json.dumps(linear, indent=2).encode()
        return files

    @classmethod
    def from_files(cls, files: dict[str, bytes], name: str = "", training: dict | None = None) -> "Model":
        """A model from its exported files: one exported by BigQuery ML or by the local runner (a
        logistic regression's as linear_export.py reads them), or kept in the local warehouse."""
        if linear_export.holds_linear(files):
            return linear_export.read(cls, files, name, training)
        metadata = json.loads(files["assets/model_metadata.json"])
        vocabularies = {}
        for path, content in files.items():
            found = _VOCABULARY.search(path)
            if path.startswith("assets/") and found:
                vocabularies[int(found[1])] = content.decode().splitlines()
        columns = [
            Column.from_metadata(feature, metadata["features"].get(feature, {}), vocabularies.get(index))
            for index, feature in enumerate(metadata["feature_names"])
        ]
        model = cls(
            name=name,
            model_type=metadata["model_type"].upper(),
            label=metadata["label_col"],
            label_type="BOOLEAN" if set(metadata.get("class_names", [])) == {"true", "false"} else "VARCHAR",
            class_names=metadata.get("class_names", []),
            columns=columns,
            training=training or {},
        )
        if "model.bst" in files:
            model.booster = xgb.Booster()
            with warnings.catch_warnings(), xgb.config_context(verbosity=0):
                warnings.simplefilter("ignore")
                model.booster.load_model(bytearray(files["model.bst"]))
        else:
            linear = json.loads(files["assets/weights.json"])
            model.weights, model.intercept = linear["weights"], linear["intercept"]
        return model

    def export(self, directory: Path) -> list[Path]:
        written = []
        for relative, content in self.files().items():
            path = directory / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
            written.append(path)
        return written

    @classmethod
    def load(cls, directory: Path) -> "Model":
        files = {p.relative_to(directory).as_posix(): p.read_bytes() for p in directory.rglob("*") if p.is_file()}
        return cls.from_files(files, directory.name)

    # ------------------------------------------------------------------ kept in the warehouse
    def archive(self) -> bytes:
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
            for relative, content in sorted(self.files().items()):
                info = tarfile.TarInfo(relative)
                info.size = len(content)
                archive.addfile(info, io.BytesIO(content))
        return buffer.getvalue()

    @classmethod
    def from_archive(cls, data: bytes, name: str, training: dict, label_type: str) -> "Model":
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
            files = {m.name: archive.extractfile(m).read() for m in archive.getmembers() if m.isfile()}
        model = cls.from_files(files, name, training)
        model.label_type = label_type
        return model

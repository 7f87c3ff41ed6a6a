"""The exported model as the service holds it: the model (glue/ml/classifier.py reads BigQuery ML's
export layout), its version, what it was trained on (domain.py), and what the export says of its
training.

A boosted tree's trees are walked directly (compiled_trees.py), a row at a time, for a single visit
and for each visit of a batch alike: a visit gets the same probability either way.

A logistic regression is read from the ML.WEIGHTS and ML.FEATURE_INFO rows that the export writes
beside BigQuery ML's SavedModel (glue/ml/linear_export.py); its version is their digest.

The export records no training of its own: model_metadata.json has the model's type, label,
classes and features, not when or on what it was trained. When the export directory holds a
training record, assets/training*.json (one JSON object, or newline-delimited JSON as BigQuery's
EXPORT DATA writes, the first row taken), the service names that training; otherwise it says the
export has none, and gives when the model's file was written. Its model_type also says which
layout holds, when an earlier champion of the other type left files behind.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from glue.ml import linear_export
from glue.ml.classifier import Model
from glue.ml.features import tree_matrix
from glue.ml.serving.compiled_trees import CompiledTrees
from glue.ml.serving.domain import TrainedDomain

METADATA = Path("assets") / "model_metadata.json"
TRAINING_RECORDS = "assets/training*.json"


@dataclass
class LoadedModel:
    model: Model
    version: str  # the first 12 hex digits of the SHA-256 of model.bst (a logistic regression's: its weights and feature info)
    files_changed: float  # the newest modification time of its files
    domain: TrainedDomain
    exported_at: datetime  # when model_metadata.json (a logistic regression's weights) was written
    training: dict | None = None  # the export's record of the training, if it has one
    trees: CompiledTrees | None = None  # a boosted tree's, walked for each row
    exported_file: str = "model_metadata.json"  # the file exported_at is of

    def probabilities(self, rows: list[dict]) -> list[float]:
        """The probability of the positive class for each row of the model's inputs."""
        columns = {name: [row[name] for row in rows] for name in rows[0]}
        if self.trees is None:
            return [float(p) for p in self.model.probabilities(columns)]
        return [self.trees.probabilities(row)[0] for row in tree_matrix(self.model.columns, columns).tolist()]

    def describe(self) -> str:
        """The model and what it was trained on, for the service's log."""
        model = self.model
        return f"model {self.version} ({model.model_type}, {len(model.columns)} features: {self.domain.describe()})"

    def describe_training(self) -> str:
        """Which training produced the model, as far as the export says."""
        exported = self.exported_at.isoformat(timespec="seconds")
        if not self.training:
            return f"not recorded in the export ({self.exported_file} written {exported})"
        return ", ".join(f"{key} {value}" for key, value in self.training.items()) + f" (exported {exported})"


def training_record(directory: Path) -> dict | None:
    """The export's record of the training that produced it: the first row of assets/training*.json
    (EXPORT DATA's shards in order; an empty shard has none)."""
    paths = sorted(directory.glob(TRAINING_RECORDS))
    files = {p.relative_to(directory).as_posix(): p.read_bytes() for p in paths}
    try:
        rows = linear_export.json_rows(files, TRAINING_RECORDS)
    except (ValueError, UnicodeDecodeError):
        rows = []
    if rows and isinstance(rows[0], dict):
        return rows[0]
    return {"record": f"{paths[0].name}, not a JSON object"} if paths else None


def load_model(directory: Path) -> LoadedModel:
    files = {p.relative_to(directory).as_posix(): p for p in directory.rglob("*") if p.is_file()}
    contents = {relative: path.read_bytes() for relative, path in files.items()}
    if linear_export.holds_linear(contents):
        model = Model.from_files(contents, directory.name)
        metadata = linear_export.metadata(contents)
        rows = sorted(p for p in files if fnmatch.fnmatch(p, linear_export.WEIGHTS))
        rows += sorted(p for p in files if fnmatch.fnmatch(p, linear_export.FEATURE_INFO))
        digest = hashlib.sha256(b"".join(contents[p] for p in rows)).hexdigest()[:12]
        written = files[rows[0]]
    elif METADATA.as_posix() in files:
        model = Model.from_files(contents, directory.name)
        metadata = json.loads(contents[METADATA.as_posix()])
        digest = hashlib.sha256(contents.get("model.bst", b"")).hexdigest()[:12] if model.booster else "linear"
        written = files[METADATA.as_posix()]
    else:
        raise FileNotFoundError(
            f"{directory}: no exported model here ({METADATA} of a boosted tree, or {linear_export.WEIGHTS} "
            f"of a logistic regression). Train and export it with `clickstream local run --tags ml`, or pass "
            "--model with an EXPORT MODEL directory"
        )
    changed = max(p.stat().st_mtime for p in files.values())
    exported_at = datetime.fromtimestamp(written.stat().st_mtime, timezone.utc)
    trees = CompiledTrees(model.booster, len(model.class_names)) if model.booster is not None else None
    domain = TrainedDomain.of(model, metadata)
    return LoadedModel(model, digest, changed, domain, exported_at, training_record(directory), trees, written.name)

"""The exported model as the service holds it: the model (glue/ml/classifier.py reads BigQuery ML's
export layout), its version, what it was trained on (domain.py), and what the export says of its
training.

A boosted tree's trees are walked directly (compiled_trees.py), a row at a time, for a single visit
and for each visit of a batch alike: a visit gets the same probability either way.

The export records no training of its own: model_metadata.json has the model's type, label,
classes and features, not when or on what it was trained. When the export directory holds a
training record, assets/training*.json (one JSON object, or newline-delimited JSON as BigQuery's
EXPORT DATA writes, the first row taken), the service names that training; otherwise it says the
export has none, and gives when model_metadata.json was written.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from glue.ml.classifier import Model
from glue.ml.features import tree_matrix
from glue.ml.serving.compiled_trees import CompiledTrees
from glue.ml.serving.domain import TrainedDomain

METADATA = Path("assets") / "model_metadata.json"
TRAINING_RECORDS = "assets/training*.json"


@dataclass
class LoadedModel:
    model: Model
    version: str  # the first 12 hex digits of model.bst's SHA-256
    files_changed: float  # the newest modification time of its files
    domain: TrainedDomain
    exported_at: datetime  # when model_metadata.json was written
    training: dict | None = None  # the export's record of the training, if it has one
    trees: CompiledTrees | None = None  # a boosted tree's, walked for each row

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
            return f"not recorded in the export (model_metadata.json written {exported})"
        return ", ".join(f"{key} {value}" for key, value in self.training.items()) + f" (exported {exported})"


def training_record(directory: Path) -> dict | None:
    """The export's record of the training that produced it: the first row of assets/training*.json."""
    for path in sorted(directory.glob(TRAINING_RECORDS)):
        text = path.read_text().strip()
        try:
            try:
                record = json.loads(text)
            except json.JSONDecodeError:
                record = json.loads(text.splitlines()[0])  # newline-delimited: the first row
        except (ValueError, IndexError):
            record = None
        return record if isinstance(record, dict) else {"record": f"{path.name}, not a JSON object"}
    return None


def load_model(directory: Path) -> LoadedModel:
    metadata_path = directory / METADATA
    if not metadata_path.is_file():
        raise FileNotFoundError(
            f"{directory}: no exported model here ({METADATA}). Train and export it with "
            "`clickstream local run --tags ml`, or pass --model with an EXPORT MODEL directory"
        )
    model = Model.load(directory)
    metadata = json.loads(metadata_path.read_bytes())
    digest = hashlib.sha256((directory / "model.bst").read_bytes()).hexdigest()[:12] if model.booster else "linear"
    changed = max(p.stat().st_mtime for p in directory.rglob("*") if p.is_file())
    exported_at = datetime.fromtimestamp(metadata_path.stat().st_mtime, timezone.utc)
    trees = CompiledTrees(model.booster, len(model.class_names)) if model.booster is not None else None
    return LoadedModel(
        model, digest, changed, TrainedDomain.of(model, metadata), exported_at, training_record(directory), trees
    )

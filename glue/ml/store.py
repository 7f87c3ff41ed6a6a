"""Models kept in the local warehouse, as BigQuery keeps them in their dataset.

One row per model in `_bqml.models`: its export-layout files as a gzipped tar, and what its
training recorded. Written inside the action's transaction, so a failed action leaves the model
that was there before, as on BigQuery.
"""

from __future__ import annotations

import json

import duckdb

from glue.ml.classifier import Model

SCHEMA = "_bqml"  # also holds the tables of ML.* calls (glue/runner/bigquery_ml.py)
TABLE = f'"{SCHEMA}".models'
_loaded: dict[str, tuple[str, Model]] = {}  # name -> (trained_at, the model): unpacked once per training


def _ensure(connection: duckdb.DuckDBPyConnection) -> None:
    connection.execute(f'CREATE SCHEMA IF NOT EXISTS "{SCHEMA}"')
    connection.execute(
        f"CREATE TABLE IF NOT EXISTS {TABLE} (name VARCHAR PRIMARY KEY, model_type VARCHAR, "
        "label_type VARCHAR, trained_at VARCHAR, training JSON, files BLOB)"
    )


def save(connection: duckdb.DuckDBPyConnection, model: Model) -> None:
    _ensure(connection)
    connection.execute(f"DELETE FROM {TABLE} WHERE name = ?", [model.name])
    connection.execute(
        f"INSERT INTO {TABLE} VALUES (?, ?, ?, ?, ?, ?)",
        [
            model.name,
            model.model_type,
            model.label_type,
            model.training.get("trained_at", ""),
            json.dumps(model.training, default=float),
            model.archive(),
        ],
    )


def exists(connection: duckdb.DuckDBPyConnection, name: str) -> bool:
    found = connection.execute(
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = 'models'", [SCHEMA]
    ).fetchone()[0]
    return bool(found) and bool(
        connection.execute(f"SELECT COUNT(*) FROM {TABLE} WHERE name = ?", [name]).fetchone()[0]
    )


def load(connection: duckdb.DuckDBPyConnection, name: str) -> Model:
    """The model `name` (dataset.model); KeyError when there is none."""
    if not exists(connection, name):
        raise KeyError(name)
    trained_at, label_type, training, files = connection.execute(
        f"SELECT trained_at, label_type, training, files FROM {TABLE} WHERE name = ?", [name]
    ).fetchone()
    if _loaded.get(name, ("",))[0] != trained_at:
        _loaded[name] = (trained_at, Model.from_archive(bytes(files), name, json.loads(training), label_type))
    return _loaded[name][1]

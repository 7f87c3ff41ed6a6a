"""Where the service reads its users' history and stores its predictions: the local warehouse
(DuckDB) or BigQuery. Both give `newest_load`, `erasures` (the suppression list's length),
`history_rows` and `write`.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime
from pathlib import Path

import duckdb
import numpy as np

from glue.ml.predictions_table import ADDED_LATER, COLUMNS
from glue.ml.serving.history import HistoryRows

_DUCKDB_TYPES = {
    "STRING": "VARCHAR",
    "TIMESTAMP": "TIMESTAMPTZ",
    "JSON": "JSON",
    "FLOAT64": "DOUBLE",
    "ARRAY<STRING>": "VARCHAR[]",
}
_TYPES = dict(COLUMNS)
# Each user's visits in order: (user_id, start as epoch seconds, purchased).
_HISTORY = "SELECT user_id, epoch(session_start), purchased FROM {features} ORDER BY user_id, session_start"
_BIGQUERY_HISTORY = (
    "SELECT user_id, UNIX_MICROS(session_start) / 1e6, purchased FROM {features} ORDER BY user_id, session_start"
)


def _selected(name: str, kind: str) -> str:
    if kind.startswith("ARRAY<"):
        return f"from_json({name}, '[\"{_DUCKDB_TYPES[kind][:-2]}\"]')"
    return f"CAST({name} AS {_DUCKDB_TYPES[kind]})"


class LocalWarehouse:
    """The local warehouse file, opened for each read or write and closed straight after, so that
    `clickstream local run` can take it in between (a busy file is an error the caller retries)."""

    def __init__(self, path: Path, dataset: str, table: str = "predictions", suppression: str = ""):
        self.path, self.dataset, self.table = path, dataset, table
        self.suppression = suppression  # "dataset.table" of the erased users
        self._lock = threading.Lock()  # one connection at a time in this process
        self._columns_added = False  # ADDED_LATER, by this process's first write

    def _connect(self) -> duckdb.DuckDBPyConnection:
        # One thread: a batch is small, and the service's answers need the other cores.
        connection = duckdb.connect(str(self.path), config={"threads": 1})
        connection.execute("SET TimeZone = 'UTC'")
        return connection

    def newest_load(self) -> datetime | None:
        with self._lock, self._connect() as connection:
            try:
                return connection.execute(f'SELECT MAX(loaded_at) FROM "{self.dataset}".session_features').fetchall()[
                    0
                ][0]
            except duckdb.CatalogException:
                return None

    def erasures(self) -> int:
        if not self.suppression:
            return 0
        dataset, table = self.suppression.split(".")
        with self._lock, self._connect() as connection:
            try:
                return connection.execute(f'SELECT COUNT(*) FROM "{dataset}"."{table}"').fetchone()[0]
            except duckdb.CatalogException:
                return 0

    def erased_keys(self) -> list[str]:
        """The suppression list's keyed hashes of the erased users' ids."""
        if not self.suppression:
            return []
        dataset, table = self.suppression.split(".")
        with self._lock, self._connect() as connection:
            try:
                return [key for (key,) in connection.execute(f'SELECT user_key FROM "{dataset}"."{table}"').fetchall()]
            except duckdb.CatalogException:
                return []

    def history_rows(self) -> HistoryRows:
        with self._lock, self._connect() as connection:
            return connection.execute(_HISTORY.format(features=f'"{self.dataset}".session_features')).fetchall()

    def write(self, rows: list[dict]) -> None:
        columns = {
            "prediction_id": np.array([r["prediction_id"] for r in rows], dtype=object),
            "predicted_at": np.array([r["predicted_at"] for r in rows], dtype=object),
            "visit_id": np.array([r["visit_id"] for r in rows], dtype=object),
            "user_id": np.array([r["user_id"] for r in rows], dtype=object),
            "inputs": np.array([json.dumps(r["inputs"]) for r in rows], dtype=object),
            "probability": np.array([r["probability"] for r in rows], dtype=float),
            "model_version": np.array([r["model_version"] for r in rows], dtype=object),
            # As JSON text, read back as a list: DuckDB takes no list from a NumPy column of objects.
            "out_of_range_features": np.array([json.dumps(r.get("out_of_range_features")) for r in rows], dtype=object),
        }
        table = f'"{self.dataset}"."{self.table}"'
        definition = ", ".join(f"{name} {_DUCKDB_TYPES[kind]}" for name, kind in COLUMNS)
        names = ", ".join(name for name, _ in COLUMNS)
        selected = ", ".join(_selected(name, kind) for name, kind in COLUMNS)
        with self._lock, self._connect() as connection:
            connection.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.dataset}"')
            connection.execute(f"CREATE TABLE IF NOT EXISTS {table} ({definition})")
            if not self._columns_added:  # an older table, made before these columns were
                for name in ADDED_LATER:
                    kind = _DUCKDB_TYPES[_TYPES[name]]
                    connection.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {name} {kind}")
                self._columns_added = True
            connection.register("new_predictions", columns)
            connection.execute(f"INSERT INTO {table} ({names}) SELECT {selected} FROM new_predictions")


class BigQueryWarehouse:
    """BigQuery, through its official client: history by query, predictions by streaming insert."""

    def __init__(self, client, project: str, dataset: str, table: str = "predictions", suppression: str = ""):
        self.client, self.project, self.dataset, self.table = client, project, dataset, table
        self.suppression = suppression  # "dataset.table" of the erased users

    @classmethod
    def connect(
        cls, project: str, dataset: str, table: str = "predictions", suppression: str = ""
    ) -> "BigQueryWarehouse":
        from google.cloud import bigquery

        return cls(bigquery.Client(project=project), project, dataset, table, suppression)

    def ensure_table(self) -> None:
        """Creates the predictions table if it is missing, partitioned by day as the declaration says,
        and adds to an older one the columns it lacks (a streaming insert with them is refused)."""
        columns = ", ".join(f"{name} {kind}" for name, kind in COLUMNS)
        table = f"`{self.project}.{self.dataset}.{self.table}`"
        self.client.query(f"CREATE TABLE IF NOT EXISTS {table} ({columns}) PARTITION BY DATE(predicted_at)").result()
        added = ", ".join(f"ADD COLUMN IF NOT EXISTS {name} {_TYPES[name]}" for name in ADDED_LATER)
        self.client.query(f"ALTER TABLE {table} {added}").result()

    def _features(self) -> str:
        return f"`{self.project}.{self.dataset}.session_features`"

    def newest_load(self) -> datetime | None:
        # The newest day's partitions only: session_features is partitioned by its load day.
        sql = (
            f"SELECT MAX(loaded_at) FROM {self._features()} "
            "WHERE loaded_at >= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)"
        )
        [row] = list(self.client.query(sql).result())
        return row[0]

    def erasures(self) -> int:
        """COUNT(*) of a whole table is answered from its metadata: no bytes billed."""
        if not self.suppression:
            return 0
        [row] = list(self.client.query(f"SELECT COUNT(*) FROM `{self.project}.{self.suppression}`").result())
        return row[0]

    def erased_keys(self) -> list[str]:
        """The suppression list's hashes: read only when its count grew (a few bytes a user)."""
        if not self.suppression:
            return []
        return [
            row[0] for row in self.client.query(f"SELECT user_key FROM `{self.project}.{self.suppression}`").result()
        ]

    def history_rows(self) -> HistoryRows:
        sql = _BIGQUERY_HISTORY.format(features=self._features())
        return [tuple(row.values()) for row in self.client.query(sql).result()]

    def write(self, rows: list[dict]) -> None:
        encoded = [
            {**r, "inputs": json.dumps(r["inputs"]), "predicted_at": r["predicted_at"].isoformat()} for r in rows
        ]
        errors = self.client.insert_rows_json(f"{self.project}.{self.dataset}.{self.table}", encoded)
        if errors:
            raise RuntimeError(f"BigQuery refused {len(errors)} of {len(rows)} predictions: {errors[0]}")

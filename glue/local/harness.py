"""A few lines per SQL unit test: source rows in, a model and its upstream chain run, rows out.

    harness = Harness(graph)
    harness.pubsub(payloads)                  # or harness.gcs(lines)
    harness.prior("clickstream.page_views_per_minute", rows)   # optional: take the incremental branch
    harness.run("clickstream.sessions")
    assert_rows(harness.rows("clickstream.sessions", "visit_id, revenue"), expected)

Everything runs through the same compiler output, translator and executor as `clickstream
local run`, on an in-memory DuckDB, so a test exercises exactly what production compiles.
"""
from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from glue.local.executor import Executor, RunReport
from glue.local.graph import Graph
from glue.local.warehouse import OBJECT_COLUMNS, PUBSUB_COLUMNS, connect, ensure_schema

T0 = datetime(2024, 7, 1, 9, 0, tzinfo=timezone.utc)


# bool before int: a bool is an int in Python.
_SQL_TYPES = ((bool, "BOOLEAN"), (int, "BIGINT"), (float, "DOUBLE"), (Decimal, "DECIMAL(38, 9)"),
              (datetime, "TIMESTAMPTZ"), (list, "VARCHAR[]"))


def _sql_type(values: list) -> str:
    sample = next((v for v in values if v is not None), None)
    return next((name for kind, name in _SQL_TYPES if isinstance(sample, kind)), "VARCHAR")


class Harness:
    def __init__(self, graph: Graph, raw_dataset: str = "clickstream_raw"):
        self.graph, self.raw = graph, raw_dataset
        self.connection = connect(":memory:")
        ensure_schema(self.connection, raw_dataset)
        self.connection.execute(f'CREATE TABLE "{raw_dataset}".visits_pubsub ({PUBSUB_COLUMNS})')
        self.connection.execute(f'CREATE TABLE "{raw_dataset}".visits_gcs (line VARCHAR, _FILE_NAME VARCHAR)')
        self.connection.execute(f'CREATE TABLE "{raw_dataset}".visits_gcs_objects ({OBJECT_COLUMNS})')
        self._messages = 0
        self._objects: dict[str, tuple[int, int]] = {}  # uri -> (generation, size) in visits_gcs_objects

    # ------------------------------------------------------------------ inputs
    def pubsub(self, payloads: list, published: datetime | None = None, message_ids: list[str] | None = None):
        """Messages as the BigQuery subscription writes them; dicts are JSON-encoded."""
        published = published or T0
        rows = []
        for i, payload in enumerate(payloads):
            self._messages += 1
            data = payload if isinstance(payload, str) else json.dumps(payload)
            message_id = message_ids[i] if message_ids else f"m{self._messages}"
            rows.append(("visits-bq", message_id, published + timedelta(milliseconds=i), data, "{}"))
        self.connection.executemany(f'INSERT INTO "{self.raw}".visits_pubsub VALUES (?, ?, ?, ?, ?)', rows)
        return self

    def gcs(self, lines: list, object_uri: str = "gs://landing/visits/visits-2024-07-01T09.jsonl"):
        """Lines appended to an object, which makes a new generation of it (as a rewrite would)."""
        rows = self._object_lines(lines, object_uri)
        self.connection.executemany(f'INSERT INTO "{self.raw}".visits_gcs VALUES (?, ?)', rows)
        generation, size = self._objects.get(object_uri, (0, 0))
        self._record_object(object_uri, generation + 1, size + _size(rows))
        return self

    def replace_object(self, object_uri: str, lines: list, metadata: bool = True):
        """The object's lines replaced by these: a new generation of the new size, or, with
        metadata=False, a change the object table does not show (which a run must not read)."""
        rows = self._object_lines(lines, object_uri)
        self.connection.execute(f'DELETE FROM "{self.raw}".visits_gcs WHERE _FILE_NAME = ?', [object_uri])
        self.connection.executemany(f'INSERT INTO "{self.raw}".visits_gcs VALUES (?, ?)', rows)
        if metadata:
            self._record_object(object_uri, self._objects[object_uri][0] + 1, _size(rows))
        return self

    @staticmethod
    def _object_lines(lines: list, object_uri: str) -> list[tuple[str, str]]:
        return [(line if isinstance(line, str) else json.dumps(line), object_uri) for line in lines]

    def _record_object(self, object_uri: str, generation: int, size: int) -> None:
        self._objects[object_uri] = (generation, size)
        objects = f'"{self.raw}".visits_gcs_objects'
        self.connection.execute(f"DELETE FROM {objects} WHERE uri = ?", [object_uri])
        self.connection.execute(f"INSERT INTO {objects} VALUES (?, ?, ?, ?)", [object_uri, generation, size, T0])

    def prior(self, name: str, rows: list[dict]):
        """A prior state of an incremental table, so that the next run takes its incremental branch."""
        action = self.graph.find(name)
        ensure_schema(self.connection, action.schema)
        columns = list(rows[0])
        types = ", ".join(f'"{c}" {_sql_type([r[c] for r in rows])}' for c in columns)
        self.connection.execute(f'CREATE TABLE "{action.schema}"."{action.table}" ({types})')
        marks = ", ".join("?" for _ in columns)
        self.connection.executemany(f'INSERT INTO "{action.schema}"."{action.table}" VALUES ({marks})',
                                    [[r[c] for c in columns] for r in rows])
        return self

    # ------------------------------------------------------------------ running
    def run(self, *names: str, full_refresh: bool = False, with_assertions: bool = False) -> RunReport:
        """Run the named actions and everything upstream of them (assertions only when asked)."""
        actions = self.graph.select(list(names), [], include_dependencies=True)
        if not with_assertions:
            actions = [a for a in actions if a.kind != "assertion"]
        report = Executor(self.connection, full_refresh).run(actions)
        if not report.ok and not with_assertions:
            raise AssertionError("\n".join(r.message for r in report.failed()))
        return report

    # ------------------------------------------------------------------ outputs
    def rows(self, name: str, columns: str = "*", where: str = "TRUE") -> list[dict]:
        action = self.graph.find(name)
        cursor = self.connection.execute(
            f'SELECT {columns} FROM "{action.schema}"."{action.table}" WHERE {where}')
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    def scalar(self, sql: str):
        return self.connection.execute(sql).fetchone()[0]


def _size(rows: list[tuple[str, str]]) -> int:
    return sum(len(line.encode()) + 1 for line, _ in rows)


def _freeze(value):
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    return value


def assert_rows(actual: list[dict], expected: list[dict]) -> None:
    """Order-insensitive equality of two lists of rows, with a readable difference."""
    got, want = Counter(map(_freeze, actual)), Counter(map(_freeze, expected))
    if got != want:
        missing = [dict(r) for r in (want - got).elements()]
        extra = [dict(r) for r in (got - want).elements()]
        raise AssertionError(f"rows differ\n  missing:    {missing}\n  unexpected: {extra}")

"""A few lines per SQL unit test: source rows in, a model and its upstream chain run, rows out.

    harness = Harness(graph, oracle)
    harness.pubsub(payloads)                  # or harness.gcs(lines)
    harness.prior("clickstream.page_views_per_minute", rows)   # optional: take the incremental branch
    harness.run("clickstream.sessions")
    assert_rows(harness.rows("clickstream.sessions", "visit_id, revenue"), expected)

Everything runs through the same compiler output, translator and executor as `clickstream
local run`, on an in-memory DuckDB, so a test exercises exactly what production compiles.
Given the oracle (glue/oracle), every run also runs on ZetaSQL's reference evaluator, BigQuery's
own, from the same input rows, and fails on any difference: an action that fails on one engine
only, a column of another type, a row that differs. Both engines see one frozen clock per run:
CURRENT_TIMESTAMP() is the run's start time, later for each run (the executor's `clock`; the
evaluator's SQL reads it as a literal). Translations are cached for the process.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections import Counter
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from glue.dataform import Action, Graph
from glue.runner import OBJECT_COLUMNS, PUBSUB_COLUMNS, Executor, RunReport, TranslationCache, connect, ensure_schema

T0 = datetime(2024, 7, 1, 9, 0, tzinfo=timezone.utc)
SQL_FIELDS = (
    "query",
    "incremental_query",
    "pre_ops",
    "incremental_pre_ops",
    "post_ops",
    "incremental_post_ops",
    "queries",
)
_NOW = re.compile(r"\bCURRENT_TIMESTAMP\s*(?:\(\s*\))?", re.I)
# Translations shared by every harness of the process: tests run the same models again and again.
_TRANSLATIONS = TranslationCache()

# bool before int: a bool is an int in Python.
_SQL_TYPES = (
    (bool, "BOOLEAN"),
    (int, "BIGINT"),
    (float, "DOUBLE"),
    (Decimal, "DECIMAL(38, 9)"),
    (datetime, "TIMESTAMPTZ"),
    (list, "VARCHAR[]"),
)


def _sql_type(values: list) -> str:
    sample = next((v for v in values if v is not None), None)
    return next((name for kind, name in _SQL_TYPES if isinstance(sample, kind)), "VARCHAR")


def at_time(action: Action, now: datetime) -> Action:
    """The action with CURRENT_TIMESTAMP() read as `now`, for engines that must agree on the clock."""
    literal = f"TIMESTAMP '{now.strftime('%Y-%m-%d %H:%M:%S.%f')}+00'"

    def frozen(sql):
        return [frozen(s) for s in sql] if isinstance(sql, list) else _NOW.sub(literal, sql)

    return dataclasses.replace(action, **{name: frozen(getattr(action, name)) for name in SQL_FIELDS})


class Harness:
    def __init__(
        self, graph: Graph, oracle=None, raw_dataset: str = "clickstream_raw", strict: bool = True, buckets=None
    ):
        """With `oracle`, every run is compared with BigQuery's evaluator: a difference fails the
        run when `strict`, and is kept in `differences` either way. `buckets` is where EXPORT
        MODEL writes (BigQuery ML has no counterpart in the evaluator: run its models without one)."""
        self.graph, self.raw, self.strict, self.buckets = graph, raw_dataset, strict, buckets
        self.differences: list = []
        self.connection = connect(":memory:")
        ensure_schema(self.connection, raw_dataset)
        self.connection.execute(f'CREATE TABLE "{raw_dataset}".visits_pubsub ({PUBSUB_COLUMNS})')
        self.connection.execute(
            f'CREATE TABLE "{raw_dataset}".visits_gcs (line VARCHAR, hour VARCHAR, _FILE_NAME VARCHAR)'
        )
        self.connection.execute(f'CREATE TABLE "{raw_dataset}".visits_gcs_objects ({OBJECT_COLUMNS})')
        self._messages = 0
        self._objects: dict[str, tuple[int, int]] = {}  # uri -> (generation, size) in visits_gcs_objects
        self._clock = datetime.now(timezone.utc).replace(microsecond=0)
        self.engine = None
        if oracle is not None:
            from glue.oracle.engine import OracleEngine
            from glue.oracle.sources import raw_tables

            self.engine = OracleEngine(oracle)
            for name, table in raw_tables(raw_dataset, "visits_pubsub", "visits_gcs", "visits_gcs_objects").items():
                self.engine.create(name, table)

    # ------------------------------------------------------------------ inputs
    def _insert(self, table: str, rows: list[tuple], oracle_rows: list[tuple] | None = None) -> None:
        marks = ", ".join("?" for _ in rows[0]) if rows else ""
        if rows:
            self.connection.executemany(f'INSERT INTO "{self.raw}".{table} VALUES ({marks})', rows)
        if self.engine is not None:
            self.engine.insert(f"{self.raw}.{table}", oracle_rows if oracle_rows is not None else rows)

    def pubsub(self, payloads: list, published: datetime | None = None, message_ids: list[str] | None = None):
        """Messages as the BigQuery subscription writes them; dicts are JSON-encoded. Published, by
        default, just after the last run, as a live subscription's messages are."""
        published = published or self._clock + timedelta(milliseconds=1)
        rows = []
        for i, payload in enumerate(payloads):
            self._messages += 1
            data = payload if isinstance(payload, str) else json.dumps(payload)
            message_id = message_ids[i] if message_ids else f"m{self._messages}"
            rows.append(("visits-bq", message_id, published + timedelta(milliseconds=i), data, "{}"))
        self._insert("visits_pubsub", rows)
        return self

    def gcs(self, lines: list, object_uri: str = "gs://landing/visits/hour=2024-07-01T09/visits-2024-07-01T09.jsonl"):
        """Lines appended to an object, which makes a new generation of it (as a rewrite would)."""
        rows = self._object_lines(lines, object_uri)
        self._insert("visits_gcs", rows)
        generation, size = self._objects.get(object_uri, (0, 0))
        self._record_object(object_uri, generation + 1, size + _size(rows))
        return self

    def replace_object(self, object_uri: str, lines: list, metadata: bool = True):
        """The object's lines replaced by these: a new generation of the new size, or, with
        metadata=False, a change the object table does not show (which a run must not read)."""
        rows = self._object_lines(lines, object_uri)
        self.connection.execute(f'DELETE FROM "{self.raw}".visits_gcs WHERE _FILE_NAME = ?', [object_uri])
        if self.engine is not None:
            self.engine.delete(f"{self.raw}.visits_gcs", lambda row: row["_FILE_NAME"] != object_uri)
        self._insert("visits_gcs", rows)
        if metadata:
            self._record_object(object_uri, self._objects[object_uri][0] + 1, _size(rows))
        return self

    @staticmethod
    def _object_lines(lines: list, object_uri: str) -> list[tuple[str, str | None, str]]:
        """(line, hour, _FILE_NAME): the hour is the object's hive partition, from hour=... in its
        name (NULL outside that layout, as on BigQuery: such an object is never read incrementally)."""
        hour = re.search(r"/hour=([^/]+)/", object_uri)
        return [
            (line if isinstance(line, str) else json.dumps(line), hour[1] if hour else None, object_uri)
            for line in lines
        ]

    def _record_object(self, object_uri: str, generation: int, size: int) -> None:
        self._objects[object_uri] = (generation, size)
        self.connection.execute(f'DELETE FROM "{self.raw}".visits_gcs_objects WHERE uri = ?', [object_uri])
        if self.engine is not None:
            self.engine.delete(f"{self.raw}.visits_gcs_objects", lambda row: row["uri"] != object_uri)
        # The object table's other columns (content type, MD5, metadata, ref) are not read.
        self._insert(
            "visits_gcs_objects",
            [(object_uri, generation, size, T0)],
            [(object_uri, generation, None, size, None, T0, [], None)],
        )

    def expire_raw(self):
        """Every raw row gone, as when Pub/Sub partitions expire and the landing lifecycle deletes
        the objects."""
        for table in ("visits_pubsub", "visits_gcs", "visits_gcs_objects"):
            self.connection.execute(f'DELETE FROM "{self.raw}".{table}')
            if self.engine is not None:
                self.engine.delete(f"{self.raw}.{table}", lambda row: False)
        self._objects.clear()
        return self

    def prior(self, name: str, rows: list[dict]):
        """A prior state of an incremental table, so that the next run takes its incremental branch."""
        action = self.graph.find(name)
        ensure_schema(self.connection, action.schema)
        columns = list(rows[0])
        types = {c: _sql_type([r[c] for r in rows]) for c in columns}
        definition = ", ".join(f'"{c}" {types[c]}' for c in columns)
        self.connection.execute(f'CREATE TABLE "{action.schema}"."{action.table}" ({definition})')
        marks = ", ".join("?" for _ in columns)
        values = [tuple(r[c] for c in columns) for r in rows]
        self.connection.executemany(f'INSERT INTO "{action.schema}"."{action.table}" VALUES ({marks})', values)
        if self.engine is not None:
            from glue.bigquery_types import from_duckdb
            from glue.oracle import Table

            self.engine.create(action.name, Table([(c, from_duckdb(types[c])) for c in columns]), values)
        return self

    # ------------------------------------------------------------------ running
    def run(
        self,
        *names: str,
        full_refresh: bool = False,
        with_assertions: bool = False,
        dependencies: bool = True,
        observer=None,
    ) -> RunReport:
        """Run the named actions and everything upstream of them (only them, without `dependencies`;
        assertions only when asked); with no names, what a local run that names nothing runs.
        `observer` sees each action before it runs, as the executor's (the cost model)."""
        from glue.settings import get_settings

        actions = self.graph.select(
            list(names), [], include_dependencies=dependencies, apart=get_settings().separate_tags
        )
        if not with_assertions:
            actions = [a for a in actions if a.kind != "assertion"]
        self._clock = max(self._clock + timedelta(seconds=1), datetime.now(timezone.utc).replace(microsecond=0))
        executor = Executor(
            self.connection,
            full_refresh,
            translations=_TRANSLATIONS,
            clock=self._clock,
            buckets=self.buckets,
            observer=observer,
        )
        report = executor.run(actions)
        if self.engine is not None:
            from glue.sql_tests.differential import compare_run

            frozen = [at_time(a, self._clock) for a in actions]
            differences = compare_run(self.connection, self.engine, frozen, report, full_refresh)
            self.differences += differences
            if differences and self.strict:
                raise AssertionError(
                    "the local runner and BigQuery's evaluator (ZetaSQL) differ:\n  "
                    + "\n  ".join(map(str, differences))
                )
        if not report.ok and not with_assertions:
            raise AssertionError("\n".join(r.message for r in report.failed()))
        return report

    def advance(self, delta: timedelta) -> None:
        """Moves the runs' clock on: the next run's CURRENT_TIMESTAMP() is at least `delta` later."""
        self._clock += delta

    # ------------------------------------------------------------------ outputs
    def rows(self, name: str, columns: str = "*", where: str = "TRUE") -> list[dict]:
        action = self.graph.find(name)
        cursor = self.connection.execute(f'SELECT {columns} FROM "{action.schema}"."{action.table}" WHERE {where}')
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    def scalar(self, sql: str):
        return self.connection.execute(sql).fetchone()[0]


def _size(rows: list[tuple[str, str]]) -> int:
    return sum(len(line.encode()) + 1 for line, *_ in rows)


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

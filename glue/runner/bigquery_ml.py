"""BigQuery ML on the local warehouse: CREATE MODEL trains, EXPORT MODEL writes the export layout
(in place of what its directory held), EXPORT DATA writes a query's rows as JSON lines, and each
ML.PREDICT / ML.EVALUATE / ML.FEATURE_IMPORTANCE / ML.WEIGHTS / ML.FEATURE_INFO call becomes a
table of its rows.

Cloud Storage is a directory: gs://bucket/path is `buckets`/bucket/path (the landing directory).
EXPORT MODEL of a boosted tree writes BigQuery ML's XGBoost layout; of a logistic regression, a
note where BigQuery ML's SavedModel would be (glue/ml/linear_export.py): the model the service
reads is what EXPORT DATA writes beside it, as on Google Cloud.

A statement with ML.* calls is rewritten before translation: each call is replaced by a table in
`_bqml` that holds what BigQuery ML returns for it, with BigQuery ML's columns:

- ML.PREDICT: the input's columns, then `predicted_<label>` and `predicted_<label>_probs`
  (ARRAY<STRUCT<label, prob>>, the positive class first);
- ML.EVALUATE: precision, recall, accuracy, f1_score, log_loss, roc_auc; without input rows, those
  measured on the model's evaluation rows when it was trained;
- ML.FEATURE_IMPORTANCE: feature, importance_weight, importance_gain, importance_cover;
- ML.WEIGHTS (a logistic regression's): processed_input, weight, category_weights
  (ARRAY<STRUCT<category, weight>>), `__INTERCEPT__` last; unstandardized unless
  STRUCT(TRUE AS standardize);
- ML.FEATURE_INFO: input, min, max, mean, median, stddev, category_count, null_count, dimension.

The table is named for the action and the call's place in it, so that a view or an assertion over
it (Dataform makes both) reads what the action's last run computed, and an edited call replaces
its table rather than adding one. The call's input query runs alone, so it cannot read a CTE of the
statement around it; write the WITH inside the call.

XGBoost and the models are imported when a model is first used: most runs have none.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from glue.ml import linear_export
from glue.ml import sql as ml_sql
from glue.ml.sql import EVALUATE_COLUMNS
from glue.runner.results import ActionFailed
from glue.runner.translate import Translator

if TYPE_CHECKING:
    import numpy as np

    from glue.ml.classifier import Model

# BigQuery ML's columns of ML.WEIGHTS (a binary logistic regression's) and ML.FEATURE_INFO.
_WEIGHTS_COLUMNS = {
    "processed_input": "VARCHAR",
    "weight": "DOUBLE",
    "category_weights": "STRUCT(category VARCHAR, weight DOUBLE)[]",
}
_FEATURE_INFO_COLUMNS = {
    "input": "VARCHAR",
    **{c: "DOUBLE" for c in ("min", "max", "mean", "median", "stddev")},
    **{c: "BIGINT" for c in ("category_count", "null_count", "dimension")},
}
_INPUT = "__ml_input"
_ROW = "__ml_row"


def _model(connection, name: str, where: str) -> Model:
    from glue.ml import store

    try:
        return store.load(connection, name)
    except KeyError:
        raise ActionFailed(
            f"{where}: model {name} does not exist: has the action that creates it run and trained it?"
        ) from None


def _rows(connection, sql: str) -> tuple[dict[str, list], dict[str, str]]:
    described = connection.execute(f"DESCRIBE {sql}").fetchall()
    columns, types = [d[0] for d in described], [d[1] for d in described]
    values = connection.execute(sql).fetchall()
    return {c: [row[i] for row in values] for i, c in enumerate(columns)}, dict(zip(columns, types))


def _literal(model: Model, text: str) -> str:
    value = model.label_value(text)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return str(value) if isinstance(value, int) else "'" + str(value).replace("'", "''") + "'"


def _json(value):
    """A value as EXPORT DATA's JSON writes it: INT64 as a string, a TIMESTAMP as BigQuery shows it."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return None if value != value else value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        moment = value.astimezone(timezone.utc) if value.tzinfo else value
        text = moment.strftime("%Y-%m-%d %H:%M:%S") + (f".{moment.microsecond:06d}" if moment.microsecond else "")
        return text + (" UTC" if value.tzinfo else "")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json(v) for v in value]
    return str(value)


def _replace_export(directory: Path, model: Model) -> None:
    """Writes the model's export layout at `directory`, in place of what was there: a champion of
    another type leaves none of the previous one's files (a tree's model.bst beside a logistic
    regression's weights would be read as a tree). The new files are written beside it and swapped
    in by two renames: a reader finds the old files or the new ones, never a mix (for an instant,
    none: the service then keeps the model it has and looks again)."""
    staged, retired = directory.with_name(directory.name + ".new"), directory.with_name(directory.name + ".old")
    for leftover in (staged, retired):
        shutil.rmtree(leftover, ignore_errors=True)
    files = model.files() if model.booster is not None else linear_export.stand_in(model)
    for relative, content in files.items():
        (staged / relative).parent.mkdir(parents=True, exist_ok=True)
        (staged / relative).write_bytes(content)
    if directory.exists():
        directory.rename(retired)
    staged.rename(directory)
    shutil.rmtree(retired, ignore_errors=True)


class BigQueryML:
    """BigQuery ML's statements and functions for one action, on its connection and translator."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, translator: Translator, where: str, buckets: Path | None):
        self.connection, self.translator, self.where, self.buckets = connection, translator, where, buckets
        self._calls = 0  # the calls made so far: each one's table is named for its place

    # ------------------------------------------------------------------ statements
    def statement(self, sql: str) -> bool:
        """Runs `sql` when it is CREATE MODEL, EXPORT MODEL or EXPORT DATA; False for any other statement."""
        try:
            created = ml_sql.create_model(sql)
            exported = None if created else ml_sql.export_model(sql)
            data = None if created or exported else ml_sql.export_data(sql)
        except ml_sql.ModelSQLError as error:
            raise ActionFailed(f"{self.where}: {error}") from None
        if created:
            self._create(created)
        elif exported:
            self._export(exported)
        elif data:
            self._export_data(data)
        return bool(created or exported or data)

    def _create(self, created: ml_sql.CreateModel) -> None:
        from glue.ml import store
        from glue.ml.training import TrainingError, train

        if store.exists(self.connection, created.model):
            if created.if_not_exists:
                return
            if not created.replace:
                raise ActionFailed(f"{self.where}: model {created.model} already exists (CREATE OR REPLACE MODEL?)")
        rows, types = _rows(self.connection, self.translator.query(self.rewrite(created.query)))
        try:
            model = train(created.model, created.options, rows, types)
        except TrainingError as error:
            raise ActionFailed(f"{self.where}: CREATE MODEL {created.model}: {error}") from None
        store.save(self.connection, model)

    def _export(self, exported: ml_sql.ExportModel) -> None:
        uri = str(exported.options.get("uri", ""))
        if not uri.startswith("gs://"):
            raise ActionFailed(f"{self.where}: EXPORT MODEL takes OPTIONS(uri = 'gs://bucket/path')")
        if self.buckets is None:
            raise ActionFailed(f"{self.where}: EXPORT MODEL: this run has no local buckets directory")
        directory = self.buckets / uri[len("gs://") :].strip("/")
        _replace_export(directory, _model(self.connection, exported.model, self.where))

    def _export_data(self, exported: ml_sql.ExportData) -> None:
        """The query's rows as newline-delimited JSON at the URI, its one `*` a shard number (one
        shard); overwrite = true replaces the files the URI matches, as BigQuery does, and without it
        files there already are an error."""
        uri, options = str(exported.options.get("uri", "")), exported.options
        path = uri[len("gs://") :]
        if not uri.startswith("gs://") or path.count("*") != 1 or "*" in path.rpartition("/")[0]:
            raise ActionFailed(f"{self.where}: EXPORT DATA takes OPTIONS(uri = 'gs://bucket/path/name-*.json')")
        if str(options.get("format", "")).upper() != "JSON":
            raise ActionFailed(f"{self.where}: EXPORT DATA: the local runner writes format = 'JSON'")
        if self.buckets is None:
            raise ActionFailed(f"{self.where}: EXPORT DATA: this run has no local buckets directory")
        target = self.buckets / path
        existing = sorted(target.parent.glob(target.name)) if target.parent.is_dir() else []
        if existing and options.get("overwrite") is not True:
            raise ActionFailed(f"{self.where}: EXPORT DATA: {uri} matches files already (overwrite = true?)")
        rows, _ = _rows(self.connection, self.translator.query(self.rewrite(exported.query)))
        names = list(rows)
        count = len(rows[names[0]]) if names else 0
        lines = [json.dumps({n: _json(rows[n][i]) for n in names}) + "\n" for i in range(count)]
        for old in existing:
            old.unlink()
        target.parent.mkdir(parents=True, exist_ok=True)
        target.with_name(target.name.replace("*", "000000000000")).write_text("".join(lines))

    # ------------------------------------------------------------------ table functions
    def rewrite(self, sql: str) -> str:
        """`sql` with each ML.* call replaced by the table of its rows (lines kept in place)."""
        try:
            found = ml_sql.calls(sql)
        except ml_sql.ModelSQLError as error:
            raise ActionFailed(f"{self.where}: {error}") from None
        for call in reversed(found):
            table = self._table(call)
            sql = sql[: call.start] + table + "\n" * sql.count("\n", call.start, call.end) + sql[call.end :]
        return sql

    def _table(self, call: ml_sql.Call) -> str:
        import numpy as np  # with the models: most runs have none

        from glue.ml.store import SCHEMA

        model = _model(self.connection, call.model, self.where)
        self._calls += 1
        table = f"call_{hashlib.sha256(self.where.encode()).hexdigest()[:12]}_{self._calls}"
        name = f'"{SCHEMA}".{table}'
        self.connection.execute(f'CREATE SCHEMA IF NOT EXISTS "{SCHEMA}"')
        threshold = float(call.settings.get("threshold", 0.5))
        if call.function == "PREDICT":
            if call.input_sql is None:
                raise ActionFailed(f"{self.where}: ML.PREDICT takes the rows to score: (query) or TABLE name")
            self._predict(model, call, name, threshold)
        elif call.function == "EVALUATE":
            if call.input_sql is None:
                metrics = model.training.get("evaluation", {})
            else:
                rows, _ = _rows(self.connection, self.translator.query(self.rewrite(call.input_sql)))
                if model.label not in rows:
                    raise ActionFailed(f"{self.where}: ML.EVALUATE's rows have no label column {model.label}")
                metrics = model.evaluate(rows, threshold)
            self._write(name, {c: np.array([metrics.get(c, np.nan)], dtype=float) for c in EVALUATE_COLUMNS})
        elif call.function == "WEIGHTS":
            try:
                weights = linear_export.weights_rows(model, call.settings.get("standardize") is True)
            except ValueError as error:
                raise ActionFailed(f"{self.where}: {error}") from None
            self._insert(name, _WEIGHTS_COLUMNS, weights)
        elif call.function == "FEATURE_INFO":
            self._insert(name, _FEATURE_INFO_COLUMNS, linear_export.feature_info_rows(model))
        else:
            importance = model.importance()
            self._write(name, {k: np.array([r[k] for r in importance]) for k in importance[0]} if importance else {})
        return f"`{SCHEMA}.{table}`"

    def _insert(self, name: str, columns: dict[str, str], rows: list[dict]) -> None:
        """A table of `rows` with these columns and DuckDB types (nested ones too)."""
        listed = ", ".join(f'"{c}" {kind}' for c, kind in columns.items())
        self.connection.execute(f"CREATE OR REPLACE TABLE {name} ({listed})")
        if rows:
            marks = ", ".join("?" for _ in columns)
            self.connection.executemany(f"INSERT INTO {name} VALUES ({marks})", [[r[c] for c in columns] for r in rows])

    def _predict(self, model: Model, call: ml_sql.Call, name: str, threshold: float) -> None:
        import numpy as np

        inner = self.translator.query(self.rewrite(call.input_sql))
        self.connection.execute(
            f"CREATE OR REPLACE TEMP TABLE {_INPUT} AS SELECT *, row_number() OVER () AS {_ROW} FROM ({inner})"
        )
        present = {r[0] for r in self.connection.execute(f"DESCRIBE {_INPUT}").fetchall()}
        missing = [f for f in model.feature_names if f not in present]
        if missing:
            raise ActionFailed(
                f"{self.where}: ML.PREDICT's rows have no column {', '.join(missing)}, which {model.name} was trained on"
            )
        listed = ", ".join(f'"{f}"' for f in model.feature_names)
        rows, _ = _rows(self.connection, f"SELECT {_ROW}, {listed} FROM {_INPUT}")
        scores = {_ROW: np.array(rows[_ROW], dtype=np.int64), "prob": model.probabilities(rows)}
        positive, negative = (_literal(model, c) for c in model.class_names)
        label = model.label
        self.connection.register("__ml_scores", scores)
        try:
            self.connection.execute(
                f"CREATE OR REPLACE TABLE {name} AS SELECT i.* EXCLUDE ({_ROW}), "
                f"CASE WHEN s.prob >= {threshold} THEN {positive} ELSE {negative} END AS predicted_{label}, "
                f"[{{'label': {positive}, 'prob': s.prob}}, {{'label': {negative}, 'prob': 1 - s.prob}}] "
                f"AS predicted_{label}_probs "
                f"FROM {_INPUT} AS i JOIN __ml_scores AS s USING ({_ROW}) ORDER BY {_ROW}"
            )
        finally:
            self.connection.unregister("__ml_scores")
            self.connection.execute(f"DROP TABLE {_INPUT}")

    def _write(self, name: str, columns: dict[str, np.ndarray]) -> None:
        self.connection.register("__ml_rows", columns)
        try:
            self.connection.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM __ml_rows")
        finally:
            self.connection.unregister("__ml_rows")

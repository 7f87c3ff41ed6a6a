"""glue/runner/translate/bigquery/ddl.py: BigQuery's storage DDL dropped, its meaning kept."""

import datetime as dt

import duckdb
import pytest

from glue.runner.translate import Translator, UntranslatableSQL
from tests.runner.translate.support import run


def test_table_options_ddl_is_skipped_locally(db):
    script = Translator("x").script("ALTER TABLE ds.t SET OPTIONS (description = 'x')")
    assert script.statements == [] and script.skipped


def test_partitioning_clustering_and_options_in_ddl_are_dropped_locally(db):
    # sqlglot's DuckDB writer refuses them; they change how BigQuery stores the rows, not the rows.
    run(db, "CREATE SCHEMA IF NOT EXISTS ds OPTIONS (location = 'EU')")
    run(
        db,
        "CREATE TABLE IF NOT EXISTS ds.t (id INT64 NOT NULL OPTIONS (description = 'key'), ts TIMESTAMP) "
        "PARTITION BY DATE(ts) CLUSTER BY id OPTIONS (description = 'x', partition_expiration_days = 3)",
    )
    run(
        db,
        "CREATE OR REPLACE TABLE ds.u PARTITION BY DATE(ts) CLUSTER BY id AS "
        "SELECT 1 AS id, TIMESTAMP '2024-01-01 00:00:00+00' AS ts",
    )
    run(db, "CREATE OR REPLACE VIEW ds.v OPTIONS (description = 'd') AS SELECT id FROM ds.u")
    run(db, "INSERT INTO ds.t (id, ts) SELECT id, ts FROM ds.v JOIN ds.u USING (id)")
    assert run(db, "SELECT id, ts FROM ds.t") == [(1, dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc))]
    with pytest.raises(duckdb.ConstraintException):
        run(db, "INSERT INTO ds.t (id) VALUES (NULL)")  # NOT NULL still holds
    with pytest.raises(UntranslatableSQL, match="languageproperty"):  # a JavaScript UDF still cannot run
        run(db, "CREATE TEMP FUNCTION f(x FLOAT64) RETURNS FLOAT64 LANGUAGE js AS 'return x;'; SELECT f(1)")

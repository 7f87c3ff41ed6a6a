"""glue/runner/translate/bigquery/scripting.py and the translator's DECLARE and SET."""

import datetime as dt

import duckdb
import pytest

from glue.runner.translate import Translator
from tests.runner.translate.support import run


def test_declare_and_set_become_duckdb_variables(db):
    translator = Translator("definitions/x.sqlx")
    db.execute("CREATE TABLE t AS SELECT TIMESTAMPTZ '2024-07-01 09:00:00+00' AS ts")
    run(
        db,
        "DECLARE newest TIMESTAMP DEFAULT (SELECT MAX(ts) FROM t); SET newest = TIMESTAMP_ADD(newest, INTERVAL 1 HOUR)",
        translator,
    )
    assert run(db, "SELECT newest", translator) == [(dt.datetime(2024, 7, 1, 10, tzinfo=dt.timezone.utc),)]


def test_assert_fails_with_its_description_when_false_or_null(db):
    # BigQuery's documented examples.
    assert run(
        db, "ASSERT ((SELECT COUNT(*) > 5 FROM UNNEST([1, 2, 3, 4, 5, 6]))) AS 'Table must contain more than 5 rows.'"
    ) == [(None,)]
    with pytest.raises(duckdb.InvalidInputException, match="Table must contain more than 10 rows."):
        run(
            db,
            "ASSERT ((SELECT COUNT(*) > 10 FROM UNNEST([1, 2, 3, 4, 5, 6]))) "
            "AS 'Table must contain more than 10 rows.'",
        )
    with pytest.raises(duckdb.InvalidInputException, match=r"Assertion failed: CAST\(NULL AS BOOL\)"):
        run(db, "ASSERT CAST(NULL AS BOOL)")
    # Within a script: variables, and a semicolon inside the description.
    assert run(db, "DECLARE n INT64 DEFAULT 2; ASSERT n > 1 AS 'n; at least 2'; SELECT n + 1") == [(3,)]

"""glue/runner/translate/bigquery/functions.py: names, SAFE., TRIM, FARM_FINGERPRINT, division, SUBSTR."""

import re

import duckdb
import pytest
from sqlglot import exp

from glue.contract import WHITESPACE
from glue.runner.translate import WHITESPACE_CLASS, Translator, UntranslatableSQL
from tests.runner.translate.support import run


def test_project_qualified_names_use_the_dataset_schema(db):
    db.execute("CREATE SCHEMA ds; CREATE TABLE ds.t AS SELECT 1 AS x")
    assert run(db, "SELECT x FROM `my-project.ds.t`") == [(1,)]


def test_safe_prefix_returns_null_instead_of_failing(db):
    assert run(db, "SELECT SAFE.PARSE_JSON('{bad') IS NULL, SAFE.PARSE_JSON('{\"a\": 1}') IS NOT NULL") == [
        (True, True)
    ]
    assert run(db, "SELECT SAFE.SUBSTR('abc', 2), SAFE_CAST('x' AS INT64)") == [("bc", None)]


@pytest.mark.parametrize(
    "text",
    [
        "abc",
        "  abc  ",
        "\t{x}\r\n",
        "\u3000x\u00a0",
        "\u200bx\u200b",
        "a \t b",
        " ",
        "",
        "\v\fz\x85",
        "\x1cz\x1f",
    ],
)
def test_trim_without_characters_removes_unicode_whitespace_as_bigquery_does(db, text):
    literal = exp.Literal.string(text).sql(dialect="bigquery")
    assert run(db, f"SELECT TRIM(t), LTRIM(t), RTRIM(t), TRIM(t, 'z') FROM (SELECT {literal} AS t)") == [
        (text.strip(WHITESPACE), text.lstrip(WHITESPACE), text.rstrip(WHITESPACE), text.strip("z"))
    ]


def test_the_whitespace_trim_removes_is_the_contracts_whitespace(db):
    # Every character of the Basic Multilingual Plane outside the surrogates, one row each.
    found = {
        chr(code)
        for (code,) in db.execute(
            "SELECT code FROM range(1, 65536) AS r(code) WHERE (code < 55296 OR code > 57343) "
            "AND regexp_matches(chr(CAST(code AS INTEGER)), ?)",
            [f"^{WHITESPACE_CLASS}$"],
        ).fetchall()
    }
    assert found == set(WHITESPACE)
    assert run(db, "SELECT TRIM(NULL), LTRIM(CAST(NULL AS STRING))") == [(None, None)]


def test_farm_fingerprint_matches_bigquery_documentation(db):
    # Values from BigQuery's FARM_FINGERPRINT documentation.
    sql = "SELECT FARM_FINGERPRINT('1footrue'), FARM_FINGERPRINT('2applefalse'), FARM_FINGERPRINT('3true')"
    assert run(db, sql) == [(-1541654101129638711, 2794438866806483259, -4880158226897771312)]


def test_division_by_zero_fails_naming_the_division_as_in_bigquery(db):
    # DuckDB's x / 0 is infinity, and 0 / 0 NaN: a model that BigQuery would stop ran on locally.
    assert run(db, "SELECT x / SUM(x) OVER (), 7 / 2 FROM UNNEST([1, 3]) AS x WITH OFFSET o ORDER BY o") == [
        (0.25, 3.5),
        (0.75, 3.5),
    ]
    with pytest.raises(duckdb.InvalidInputException, match=r"division by zero: x / SUM\(x\) OVER \(\)"):
        run(db, "SELECT x / SUM(x) OVER () FROM UNNEST([0, 0]) AS x")
    assert run(db, "SELECT SAFE_DIVIDE(1, 0), IEEE_DIVIDE(1, 0), IEEE_DIVIDE(-1, 0), IEEE_DIVIDE(6, 4)") == [
        (None, float("inf"), float("-inf"), 1.5)
    ]
    [(nan,)] = run(db, "SELECT IEEE_DIVIDE(0, 0)")
    assert nan != nan


@pytest.mark.parametrize(
    "sql, construct",
    [
        ("SELECT NET.HOST(url) FROM t", "NET.HOST"),
        ("SELECT NET.REG_DOMAIN(url) FROM t", "NET.REG_DOMAIN"),
        ("SELECT HLL_COUNT.EXTRACT(sketch) FROM t", "HLL_COUNT.EXTRACT"),
        ("SELECT STRING_AGG(x, ',' ORDER BY x LIMIT 2) FROM t", "STRING_AGG with LIMIT"),
    ],
)
def test_functions_without_a_local_counterpart_are_named_with_the_file(sql, construct):
    # DuckDB would fail on the SQL, or, for NET.HOST, try to download an extension.
    with pytest.raises(UntranslatableSQL, match=rf"definitions/x\.sqlx: cannot run {re.escape(construct)} locally"):
        Translator("definitions/x.sqlx").query(sql)


def test_byte_length_counts_utf8_bytes(db):
    assert run(
        db,
        "SELECT BYTE_LENGTH('абвгд'), BYTE_LENGTH(x), BYTE_LENGTH(b'ab'), LENGTH('абвгд') FROM UNNEST(['héllo']) AS x",
    ) == [(10, 6, 2, 5)]


def test_substr_positions_as_bigquery_takes_them(db):
    # Position 0, or one reaching before the start, is the first character; DuckDB began before it.
    assert run(
        db,
        "SELECT SUBSTR('hello', 0, 2), SUBSTR('hello', -10, 2), SUBSTR('hello', -2), SUBSTR('hello', -5, 1), "
        "SUBSTR('hello', 6), SUBSTR(s, p, 2) FROM UNNEST([0]) AS p, UNNEST(['abc']) AS s",
    ) == [("he", "he", "lo", "h", "", "ab")]
    with pytest.raises(duckdb.InvalidInputException, match="SUBSTR: the length is negative"):
        run(db, "SELECT SUBSTR('hello', 2, n) FROM UNNEST([-1]) AS n")


def test_safe_arithmetic_is_null_on_overflow_as_in_bigquery(db):
    assert run(
        db,
        "SELECT SAFE_ADD(1, 2), SAFE_SUBTRACT(5, 3), SAFE_MULTIPLY(2, 3), SAFE_NEGATE(4), "
        "SAFE_ADD(1.5, 2), SAFE_ADD(NULL, 1)",
    ) == [(3, 2, 6, -4, 3.5, None)]
    biggest = "9223372036854775807"
    assert run(
        db,
        f"SELECT SAFE_ADD(x, 1), SAFE_SUBTRACT(-x - 1, 1), SAFE_MULTIPLY(x, 2), SAFE_NEGATE(-x - 1), "
        f"SAFE_NEGATE(-x) FROM UNNEST([{biggest}]) AS x",
    ) == [(None, None, None, None, int(biggest))]


def test_safe_prefix_runs_over_arguments_that_can_fail(db):
    # DuckDB refuses error() inside TRY; these did not run at all. The function's own error is NULL.
    assert run(
        db,
        "SELECT SAFE.SUBSTR('abc', 1, n), SAFE.ROUND(x / 4, 1), SAFE.ROUND(x / y) "
        "FROM (SELECT 1 AS x, 2 AS y, -1 AS n)",
    ) == [(None, 0.3, 1.0)]


def test_safe_prefix_leaves_an_arguments_error_standing(db):
    # BigQuery's SAFE. covers the function, not its arguments: the division still fails.
    with pytest.raises(duckdb.InvalidInputException, match="division by zero: x / y"):
        run(db, "SELECT SAFE.ROUND(x / y) FROM (SELECT 1 AS x, 0 AS y)")


def test_countif_over_no_rows_is_zero_as_in_bigquery(db):
    # DuckDB's count_if is NULL over an empty input or window frame; BigQuery's COUNTIF is 0.
    assert run(db, "SELECT COUNTIF(x) FROM UNNEST([TRUE]) AS x WHERE FALSE") == [(0,)]
    assert run(
        db,
        "SELECT i, COUNTIF(x) OVER (ORDER BY i ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) "
        "FROM UNNEST([STRUCT(1 AS i, TRUE AS x), (2, FALSE), (3, TRUE)]) ORDER BY i",
    ) == [(1, 0), (2, 1), (3, 1)]

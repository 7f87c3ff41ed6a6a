"""glue/runner/translate/bigquery/arrays.py and json_and_unnest.py: subscripts, UNNEST, array functions."""

import duckdb
import pytest

from tests.runner.translate.support import run


def test_with_offset_counts_from_zero(db):
    sql = "SELECT x, i FROM UNNEST(['a', 'b', 'c']) AS x WITH OFFSET AS i ORDER BY i"
    assert run(db, sql) == [("a", 0), ("b", 1), ("c", 2)]


def test_with_offset_in_a_correlated_array_subquery(db):
    sql = (
        "SELECT ARRAY(SELECT CONCAT(r, CAST(p AS STRING)) FROM UNNEST(['a', NULL, 'c']) AS r "
        "WITH OFFSET AS p WHERE r IS NOT NULL ORDER BY p)"
    )
    assert run(db, sql) == [(["a0", "c2"],)]


def test_unnest_of_structs_without_an_alias_makes_their_fields_columns(db):
    # The GA4 export's idiom; DuckDB made the whole struct one column, and `key` did not bind.
    db.execute(
        "CREATE SCHEMA ds; CREATE TABLE ds.ev AS SELECT 'e1' AS name, ["
        "{'key': 'page', 'value': {'string_value': '/home', 'int_value': NULL::BIGINT}}, "
        "{'key': 'n', 'value': {'string_value': NULL, 'int_value': 3}}] AS event_params "
        "UNION ALL SELECT 'e2', []"
    )
    assert run(
        db,
        "SELECT name, (SELECT value.string_value FROM UNNEST(event_params) WHERE key = 'page'), "
        "(SELECT value.int_value FROM UNNEST(event_params) WHERE key = 'n'), "
        "EXISTS(SELECT 1 FROM UNNEST(event_params) WHERE key = 'n') FROM ds.ev ORDER BY name",
    ) == [("e1", "/home", 3, True), ("e2", None, None, False)]
    # Scalar arrays, whose elements have no name without an alias, are left as they were.
    assert run(db, "SELECT (SELECT COUNT(*) FROM UNNEST([1, 2])), (SELECT SUM(x) FROM UNNEST([1, 2]) AS x)") == [(2, 3)]


def test_array_agg_with_limit_keeps_the_first_n_in_its_order(db):
    assert run(
        db,
        "SELECT ARRAY_AGG(x ORDER BY x DESC LIMIT 2), ARRAY_AGG(x IGNORE NULLS ORDER BY x LIMIT 2), "
        "ARRAY_AGG(DISTINCT x IGNORE NULLS ORDER BY x LIMIT 5) FROM UNNEST([3, NULL, 1, 3, 2]) AS x",
    ) == [([3, 3], [1, 2], [1, 2, 3])]


def test_offset_and_ordinal_past_either_end_fail_as_in_bigquery(db):
    assert run(db, "SELECT [1, 2, 3][OFFSET(1)], [1, 2, 3][ORDINAL(1)], x[OFFSET(2)] FROM (SELECT [7, 8, 9] AS x)") == [
        (2, 1, 9)
    ]
    for subscript in ("OFFSET(3)", "OFFSET(-1)", "ORDINAL(0)", "ORDINAL(4)"):
        with pytest.raises(duckdb.InvalidInputException, match=r"Array index -?\d is out of bounds"):
            run(db, f"SELECT x[{subscript}] FROM (SELECT [1, 2, 3] AS x)")
    # NULL array or index: NULL, not an error.
    assert run(db, "SELECT CAST(NULL AS ARRAY<INT64>)[OFFSET(3)], [1, 2][OFFSET(NULL)]") == [(None, None)]


def test_safe_offset_and_safe_ordinal_are_null_outside_the_array(db):
    # DuckDB counts negative subscripts from the end: SAFE_OFFSET(-2) gave 2 here.
    assert run(
        db,
        "SELECT x[SAFE_OFFSET(5)], x[SAFE_OFFSET(-2)], x[SAFE_ORDINAL(0)], x[SAFE_ORDINAL(3)], "
        "x[SAFE_OFFSET(0)] FROM (SELECT [1, 2, 3] AS x)",
    ) == [(None, None, None, 3, 1)]


def test_array_first_and_last_fail_on_an_empty_array(db):
    assert run(
        db, "SELECT ARRAY_FIRST(['a', 'b']), ARRAY_LAST(['a', 'b']), ARRAY_FIRST(CAST(NULL AS ARRAY<STRING>))"
    ) == [("a", "b", None)]
    with pytest.raises(duckdb.InvalidInputException, match="ARRAY_LAST: the array is empty"):
        run(db, "SELECT ARRAY_LAST(ARRAY<INT64>[])")


@pytest.mark.parametrize(
    "start, end, expected",
    [
        # The examples of BigQuery's ARRAY_SLICE documentation, on ['a', 'b', 'c', 'd', 'e'].
        (1, 3, ["b", "c", "d"]),
        (-1, 3, []),
        (1, -3, ["b", "c"]),
        (-1, -3, []),
        (-3, -1, ["c", "d", "e"]),
        (3, 3, ["d"]),
        (-15, 2, ["a", "b", "c"]),
        (5, 30, []),
        (1, 30, ["b", "c", "d", "e"]),
        (-30, 30, ["a", "b", "c", "d", "e"]),
        (-30, -5, ["a"]),
        (1, "NULL", None),
    ],
)
def test_array_slice_takes_zero_based_inclusive_offsets(db, start, end, expected):
    # DuckDB has an array_slice of its own, 1-based: sqlglot's output ran, with other elements.
    assert run(db, f"SELECT ARRAY_SLICE(['a', 'b', 'c', 'd', 'e'], {start}, {end})") == [(expected,)]


def test_range_bucket_counts_the_boundaries_at_or_below_the_point(db):
    # The examples of BigQuery's documentation, and a NULL point.
    assert run(
        db,
        "SELECT RANGE_BUCKET(20, [0, 10, 20, 30, 40]), RANGE_BUCKET(25, [0, 10, 20, 30, 40]), "
        "RANGE_BUCKET(-10, [0, 10, 20, 30, 40]), RANGE_BUCKET(80, [0, 10, 20, 30, 40]), "
        "RANGE_BUCKET(20, [0, 10, 20, 20, 40]), RANGE_BUCKET(NULL, [0, 10]), "
        "RANGE_BUCKET(5, ARRAY<INT64>[])",
    ) == [(3, 3, 0, 5, 4, None, 0)]


def test_with_offset_binds_when_the_elements_have_no_alias(db):
    # sqlglot named the ordinality column only beside an element alias: `o` did not bind.
    assert run(db, "SELECT COUNT(*) FROM UNNEST(GENERATE_ARRAY(1, 5)) WITH OFFSET o WHERE o > 1") == [(3,)]
    assert run(db, "SELECT offset FROM UNNEST(['a', 'b']) WITH OFFSET ORDER BY offset") == [(0,), (1,)]

"""Dataform `type: "test"` actions, run locally.

The compiled test already has the model's query with its refs replaced by the test's
inputs (`testQuery`) and the expected rows (`expectedOutputQuery`); both run on DuckDB and
are compared as multisets of rows keyed by column name. Given the oracle, the test's query also
runs on ZetaSQL's reference evaluator, and a difference from the local rows or types fails it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

import duckdb

from glue.dataform import DataformTest, Graph
from glue.runner import Translator, UntranslatableSQL, missing_function


def normalise(value):
    """Numbers compare by value (BigQuery's NUMERIC 0.5 equals FLOAT64 0.5 in a test)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float, Decimal)):
        return round(float(value), 9)
    if isinstance(value, list):
        return tuple(normalise(v) for v in value)
    return value


@dataclass
class Rows:
    """A query's rows as a multiset (compared by value) and as they came (to show them)."""

    columns: list[str]
    types: list[str]  # BigQuery's names
    counted: Counter
    shown: dict[tuple, tuple]  # a row's comparison key -> the row as it came


def rows_as_multiset(connection, sql: str) -> Rows:
    from glue.bigquery_types import from_duckdb

    cursor = connection.execute(sql)
    columns = [d[0] for d in cursor.description]
    types = [from_duckdb(str(d[1])) for d in cursor.description]
    counted, shown = Counter(), {}
    for row in cursor.fetchall():
        key = tuple(sorted(zip(columns, map(normalise, row))))
        counted[key] += 1
        shown[key] = row
    return Rows(columns, types, counted, shown)


@dataclass
class TestOutcome:
    test: DataformTest
    passed: bool
    explanation: str = ""


def compare(connection, actual_sql: str, expected_sql: str) -> str:
    """Empty when equal; otherwise each expected row that did not come beside the row that came
    instead (the one closest to it), with BigQuery's types and the differing columns marked."""
    actual = rows_as_multiset(connection, actual_sql)
    expected = rows_as_multiset(connection, expected_sql)
    if sorted(actual.columns) != sorted(expected.columns):
        return f"    columns differ: got {sorted(actual.columns)}, expected {sorted(expected.columns)}"
    missing = list((expected.counted - actual.counted).elements())
    unexpected = list((actual.counted - expected.counted).elements())
    if not missing and not unexpected:
        return ""
    lines = [f"    {len(missing)} expected row(s) did not come; {len(unexpected)} row(s) came that were not expected"]
    while missing or unexpected:
        want = missing.pop(0) if missing else None
        got = _closest(want, unexpected) if want is not None else unexpected[0]
        if got is not None:
            unexpected.remove(got)
        lines += _side_by_side(expected, actual, want, got)
    return "\n".join(lines)


def _closest(want: tuple, candidates: list[tuple]) -> tuple | None:
    """The candidate row with the most columns equal to `want`'s, if any."""
    if not candidates:
        return None
    return max(candidates, key=lambda got: len(set(want) & set(got)))


def _side_by_side(expected: Rows, actual: Rows, want: tuple | None, got: tuple | None) -> list[str]:
    from glue.text_tables import cell, table_lines

    def values(rows: Rows, key: tuple | None) -> dict:
        return dict(zip(rows.columns, rows.shown[key])) if key is not None else {}

    wanted, came = values(expected, want), values(actual, got)
    compared_want, compared_got = dict(want or ()), dict(got or ())
    table = []
    for column, kind in zip(expected.columns, expected.types):
        differs = want is None or got is None or compared_want.get(column) != compared_got.get(column)
        table.append(
            (
                "≠" if differs else "",
                column,
                kind,
                cell(wanted[column]) if want is not None else "(none)",
                cell(came[column]) if got is not None else "(none)",
            )
        )
    return ["      " + line for line in table_lines(["", "column", "type", "expected", "got"], table)]


def run_dataform_tests(
    connection: duckdb.DuckDBPyConnection, graph: Graph, oracle=None, tests: list[DataformTest] | None = None
) -> list[TestOutcome]:
    """The outcome of each of `tests` (by default, every test of the graph), in their order."""
    outcomes = []
    for test in graph.tests if tests is None else tests:
        translator = Translator(test.file)
        try:
            local = translator.query(test.test_query)
            explanation = compare(connection, local, translator.query(test.expected_query))
            if oracle is not None and not explanation:
                explanation = _as_bigquery(connection, oracle, local, test.test_query)
        except (UntranslatableSQL, duckdb.Error) as error:
            explanation = f"    {missing_function(str(error)) or str(error).splitlines()[0]}"
        outcomes.append(TestOutcome(test, not explanation, explanation))
    return outcomes


def _as_bigquery(connection, oracle, local_sql: str, bigquery_sql: str) -> str:
    """Empty when BigQuery's evaluator gives the test query's rows and types as DuckDB did."""
    from glue.oracle import Catalog, OracleError
    from glue.oracle.compare import compare as compare_tables
    from glue.oracle.compare import duckdb_table

    connection.execute(f"CREATE OR REPLACE TEMP TABLE __dataform_test AS {local_sql}")
    try:
        local = duckdb_table(connection, "temp.__dataform_test")
    finally:
        connection.execute("DROP TABLE temp.__dataform_test")
    try:
        evaluated = oracle.evaluate(bigquery_sql, Catalog(), {})
    except OracleError as error:
        return f"    BigQuery's evaluator refuses the test's query: {error.message}"
    differences = compare_tables("the test's query", local, evaluated)
    return "\n".join(f"    BigQuery's evaluator differs: {d}" for d in differences)

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
from glue.runner.translate import Translator, UntranslatableSQL
from glue.runner.translate.errors import missing_function


def normalise(value):
    """Numbers compare by value (BigQuery's NUMERIC 0.5 equals FLOAT64 0.5 in a test)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float, Decimal)):
        return round(float(value), 9)
    if isinstance(value, list):
        return tuple(normalise(v) for v in value)
    return value


def rows_as_multiset(connection, sql: str) -> tuple[list[str], Counter]:
    cursor = connection.execute(sql)
    columns = [d[0] for d in cursor.description]
    rows = Counter()
    for row in cursor.fetchall():
        rows[tuple(sorted(zip(columns, map(normalise, row))))] += 1
    return columns, rows


@dataclass
class TestOutcome:
    test: DataformTest
    passed: bool
    explanation: str = ""


def compare(connection, actual_sql: str, expected_sql: str) -> str:
    """Empty when equal; otherwise what differs."""
    actual_columns, actual = rows_as_multiset(connection, actual_sql)
    expected_columns, expected = rows_as_multiset(connection, expected_sql)
    if sorted(actual_columns) != sorted(expected_columns):
        return f"    columns differ: got {sorted(actual_columns)}, expected {sorted(expected_columns)}"
    missing, unexpected = expected - actual, actual - expected
    if not missing and not unexpected:
        return ""
    lines = []
    for row in missing.elements():
        lines.append(f"    missing:    {dict(row)}")
    for row in unexpected.elements():
        lines.append(f"    unexpected: {dict(row)}")
    return "\n".join(lines)


def run_dataform_tests(connection: duckdb.DuckDBPyConnection, graph: Graph, oracle=None) -> list[TestOutcome]:
    outcomes = []
    for test in graph.tests:
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

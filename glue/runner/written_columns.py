"""What BigQuery does to the columns of a table it writes, done to the tables the local runner writes.

- ARRAYs: inside a query, NULL and [] are different ARRAYs and an ARRAY may hold NULL; in a
  written result they are not. BigQuery writes a NULL ARRAY as [], and fails a query whose
  result has an ARRAY holding a NULL ("Array cannot have a null element"). DuckDB writes both as
  they are, so a model could pass locally and fail on BigQuery, or answer `reasons IS NULL`
  differently.
- Integers: BigQuery has one integer type, INT64, and its SUM fails when the total overflows it.
  DuckDB's SUM and COUNT_IF give a 128-bit HUGEINT, and some functions a 32-bit INTEGER, so a
  table's counts were HUGEINT locally, and a total beyond INT64 was written where BigQuery fails.
  A table's integer columns (and lists of integers) are now BIGINT, and a value beyond INT64's
  range fails the action, naming the column.
- NUMERIC: one type, 38 digits of which 9 after the point. DuckDB's ROUND(x, 2) of a
  DECIMAL(38, 9) gives a DECIMAL(38, 2), which BigQuery's ROUND does not (its NUMERIC keeps its
  scale). A table's DECIMAL columns are written as DECIMAL(38, 9); the values are unchanged.
"""

from __future__ import annotations

import duckdb

_NARROW_OR_WIDE_INTEGERS = {
    "HUGEINT",
    "INTEGER",
    "SMALLINT",
    "TINYINT",
    "UHUGEINT",
    "UBIGINT",
    "UINTEGER",
    "USMALLINT",
    "UTINYINT",
}


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def write_as_bigquery(connection, relation: str) -> str | None:
    """Makes the relation's columns what BigQuery would write; returns why BigQuery would refuse
    to write it, or None."""
    columns = connection.execute(f"DESCRIBE {relation}").fetchall()
    refused = _integers_as_int64(connection, relation, [(name, kind) for name, kind, *_ in columns])
    _decimals_as_numeric(connection, relation, [(name, kind) for name, kind, *_ in columns])
    return refused or _arrays_as_bigquery(
        connection, relation, [name for name, kind, *_ in columns if kind.endswith("[]")]
    )


def _integers_as_int64(connection, relation: str, columns: list[tuple[str, str]]) -> str | None:
    for name, kind in columns:
        element = kind[:-2] if kind.endswith("[]") else kind
        if element not in _NARROW_OR_WIDE_INTEGERS:
            continue
        target = "BIGINT[]" if kind.endswith("[]") else "BIGINT"
        try:
            connection.execute(f"ALTER TABLE {relation} ALTER {_quoted(name)} SET DATA TYPE {target}")
        except duckdb.ConversionException:
            return (
                f"column {name} holds a value beyond INT64's range, BigQuery's only integer type "
                f"(BigQuery's SUM fails on such a total: 'Int64 overflow')"
            )
    return None


def _decimals_as_numeric(connection, relation: str, columns: list[tuple[str, str]]) -> None:
    for name, kind in columns:
        element = kind[:-2] if kind.endswith("[]") else kind
        if element.startswith("DECIMAL(") and element != "DECIMAL(38,9)":
            target = "DECIMAL(38, 9)" + ("[]" if kind.endswith("[]") else "")
            connection.execute(f"ALTER TABLE {relation} ALTER {_quoted(name)} SET DATA TYPE {target}")


def _arrays_as_bigquery(connection, relation: str, columns: list[str]) -> str | None:
    """Makes the relation's NULL arrays empty; returns why BigQuery would refuse to write it (an
    array holding a NULL: the column and how many rows), or None."""
    if not columns:
        return None
    counts = ", ".join(
        f"count(*) FILTER (WHERE {_quoted(c)} IS NULL), "
        f"count(*) FILTER (WHERE len({_quoted(c)}) > len(list_filter({_quoted(c)}, lambda e: e IS NOT NULL)))"
        for c in columns
    )
    found = connection.execute(f"SELECT {counts} FROM {relation}").fetchone()
    for index, column in enumerate(columns):
        null_arrays, holding_null = found[2 * index], found[2 * index + 1]
        if holding_null:
            return (
                f"BigQuery cannot write an ARRAY that holds NULL: column {column}, {holding_null:,} row(s) "
                f"(filter the NULLs out, e.g. ARRAY_AGG(x IGNORE NULLS))"
            )
        if null_arrays:
            connection.execute(f"UPDATE {relation} SET {_quoted(column)} = [] WHERE {_quoted(column)} IS NULL")
    return None


def differing_types(connection, relation: str, expected: list[tuple[str, str]]) -> list[str]:
    """Each column whose local type, in BigQuery's names, is not the type BigQuery gives it."""
    from glue.bigquery_types import from_duckdb

    local = {name: from_duckdb(kind) for name, kind, *_ in connection.execute(f"DESCRIBE {relation}").fetchall()}
    return [
        f"column {name} as {local[name]}, where BigQuery writes {kind}"
        for name, kind in expected
        if name in local and local[name] != kind
    ]

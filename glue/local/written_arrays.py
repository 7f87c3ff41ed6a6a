"""What BigQuery does to the ARRAY columns of a table it writes, done to the tables the local runner writes.

Inside a query, NULL and [] are different ARRAYs and an ARRAY may hold NULL; in a written result
they are not: BigQuery writes a NULL ARRAY as [], and fails a query whose result has an ARRAY
holding a NULL ("Array cannot have a null element"). DuckDB writes both as they are, so a model
could pass locally and fail on BigQuery, or answer `reasons IS NULL` differently.
"""
from __future__ import annotations


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def array_columns(connection, relation: str) -> list[str]:
    """The relation's columns that hold a list (DuckDB's type ends in [])."""
    return [name for name, kind, *_ in connection.execute(f"DESCRIBE {relation}").fetchall() if kind.endswith("[]")]


def write_arrays_as_bigquery(connection, relation: str) -> str | None:
    """Makes the relation's NULL arrays empty; returns why BigQuery would refuse to write it (an
    array holding a NULL: the column and how many rows), or None."""
    columns = array_columns(connection, relation)
    if not columns:
        return None
    counts = ", ".join(
        f"count(*) FILTER (WHERE {_quoted(c)} IS NULL), "
        f"count(*) FILTER (WHERE len({_quoted(c)}) > len(list_filter({_quoted(c)}, lambda e: e IS NOT NULL)))"
        for c in columns)
    found = connection.execute(f"SELECT {counts} FROM {relation}").fetchone()
    for index, column in enumerate(columns):
        null_arrays, holding_null = found[2 * index], found[2 * index + 1]
        if holding_null:
            return (f"BigQuery cannot write an ARRAY that holds NULL: column {column}, {holding_null:,} row(s) "
                    f"(filter the NULLs out, e.g. ARRAY_AGG(x IGNORE NULLS))")
        if null_arrays:
            connection.execute(f"UPDATE {relation} SET {_quoted(column)} = [] WHERE {_quoted(column)} IS NULL")
    return None

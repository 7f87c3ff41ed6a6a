"""One table from two engines, compared: the columns, their BigQuery types, and the rows as multisets.

The local table's DuckDB types are read in BigQuery's names (glue/bigquery_types.py), so a column
that is DOUBLE locally and NUMERIC on BigQuery is a difference. Values are compared exactly,
floats included, after putting both sides in one form: timestamps in UTC, NUMERIC without
trailing zeros, JSON parsed.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal

from glue.bigquery_types import from_duckdb


@dataclass
class Difference:
    table: str
    what: str
    rows: int = 1  # rows that differ (found on one side only), or 1 for a difference of kind

    def __str__(self) -> str:
        return f"{self.table}: {self.what}"


def duckdb_table(connection, name: str) -> tuple[list[tuple[str, str]], list[tuple]]:
    """([(column, BigQuery type)], rows) of a local table `schema.table`."""
    schema, table = name.split(".", 1)
    relation = f'"{schema}"."{table}"'
    columns = [(row[0], from_duckdb(row[1])) for row in connection.execute(f"DESCRIBE {relation}").fetchall()]
    return columns, connection.execute(f"SELECT * FROM {relation}").fetchall()


def _canonical(value, kind: str):
    if value is None:
        return None
    upper = kind.upper()
    if upper.startswith("ARRAY<"):
        return tuple(_canonical(v, kind[6:-1]) for v in value)
    if upper.startswith("STRUCT<"):
        return tuple(sorted((k, repr(v)) for k, v in value.items()))
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc) if value.tzinfo else value
    if isinstance(value, Decimal):
        return value.normalize() if value else Decimal(0)
    if upper == "JSON":
        return json.dumps(json.loads(value) if isinstance(value, str) else value, sort_keys=True)
    return value


def _rows(columns: list[tuple[str, str]], rows: list[tuple], order: list[str]) -> Counter:
    at = {name: i for i, (name, _) in enumerate(columns)}
    kinds = dict(columns)
    return Counter(tuple(_canonical(row[at[c]], kinds[c]) for c in order) for row in rows)


def compare(name: str, local: tuple[list, list], oracle: tuple[list, list], sample: int = 3) -> list[Difference]:
    """The differences between the local table and the oracle's; none when they hold the same rows."""
    (local_columns, local_rows), (oracle_columns, oracle_rows) = local, oracle
    found = []
    local_types, oracle_types = dict(local_columns), dict(oracle_columns)
    if set(local_types) != set(oracle_types):
        found.append(
            Difference(
                name,
                f"columns differ: local only {sorted(set(local_types) - set(oracle_types))}, "
                f"BigQuery only {sorted(set(oracle_types) - set(local_types))}",
            )
        )
        return found
    for column, kind in oracle_columns:
        if local_types[column] != kind:
            found.append(Difference(name, f"column {column} is {local_types[column]} locally, {kind} on BigQuery"))
    order = [c for c, _ in oracle_columns]
    mine, theirs = _rows(local_columns, local_rows, order), _rows(oracle_columns, oracle_rows, order)
    if mine != theirs:
        only_local, only_oracle = list((mine - theirs).elements()), list((theirs - mine).elements())
        found.append(
            Difference(
                name,
                (
                    f"{len(only_local)} row(s) only locally, {len(only_oracle)} only on BigQuery (columns {order})\n"
                    f"    local:    {only_local[:sample]}\n    BigQuery: {only_oracle[:sample]}"
                ),
                len(only_local) + len(only_oracle),
            )
        )
    return found

"""Bytes of the local tables, per partition and column, by BigQuery's data-size rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import duckdb

from glue.cost.layout import Layout
from glue.cost.sizes import size_sql
from glue.settings import LANDING_HOUR_FORMAT


@dataclass
class Partition:
    start: datetime | None  # None: the table is not partitioned, or the row's key is NULL
    end: datetime | None
    rows: int
    bytes: dict[str, int] = field(default_factory=dict)  # column -> bytes


def _quoted(table: str) -> str:
    dataset, name = table.split(".", 1)
    return f'"{dataset}"."{name}"'


def block_condition(conditions: list[tuple[str, str, list]]) -> tuple[str, list]:
    """The rows a clustered table's filters cannot skip: (column, op, values) terms, all holding."""
    terms, parameters = [], []
    for column, op, values in conditions:
        if op == "in":
            items = [v for item in values for v in (item if isinstance(item, list) else [item])]
            terms.append(f'"{column}" IN (SELECT unnest(?))' if items else "FALSE")
            parameters += [items] if items else []
        elif op == "between":
            terms.append(f'"{column}" BETWEEN ? AND ?')
            parameters += values[:2]
        else:
            terms.append(f'"{column}" {op} ?')
            parameters.append(values[0])
    return " AND ".join(terms) or "TRUE", parameters


def _columns(connection, table: str) -> set[str]:
    """The local relation's columns: a source the local stack models in part (the object table has no
    content type) is measured by the columns it has."""
    dataset, name = table.split(".", 1)
    return {
        row[0]
        for row in connection.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
            [dataset, name],
        ).fetchall()
    }


def partitions(
    connection: duckdb.DuckDBPyConnection,
    table: str,
    layout: Layout,
    columns: list[tuple[str, str]],
    where: str = "TRUE",
    parameters=(),
) -> list[Partition]:
    """The table's partitions with their rows and each column's bytes (only rows matching `where`)."""
    present = _columns(connection, table)
    columns = [(name, kind) for name, kind in columns if name in present]
    if layout.external:
        sizes = ["SUM(strlen(line) + 1)"]  # an external table is billed for the files' bytes
        names = ["*"]
    else:
        sizes = [f"SUM({size_sql(f'{chr(34)}{name}{chr(34)}', kind)})" for name, kind in columns]
        names = [name for name, _ in columns]
    if layout.partitioned and layout.external:  # a hive key: the hour as YYYY-MM-DDTHH
        unit = "hour"
        key = f"CAST(strptime(\"{layout.partition_column}\", '{LANDING_HOUR_FORMAT}') AS TIMESTAMPTZ)"
        select = f"{key}, {key} + INTERVAL 1 hour"
    elif layout.partitioned:
        unit = layout.unit.lower()
        key = f"date_trunc('{unit}', \"{layout.partition_column}\")"
        select = f"CAST({key} AS TIMESTAMPTZ), CAST({key} + INTERVAL 1 {unit} AS TIMESTAMPTZ)"
    if not layout.partitioned:
        select = "NULL, NULL"
    sql = f"SELECT {select}, COUNT(*), {', '.join(sizes)} FROM {_quoted(table)} WHERE {where} GROUP BY ALL"
    found = []
    for start, end, rows, *bytes_ in connection.execute(sql, list(parameters)).fetchall():
        found.append(Partition(start, end, rows, {n: int(b or 0) for n, b in zip(names, bytes_)}))
    return found

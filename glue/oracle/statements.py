"""The BigQuery statements `dataform run` writes around a model's SQL, for the analyzer.

Each keeps the model's SQL at its own line numbers: the statement's head is written on the
query's first line, and its tail after the last, so an error's line in the statement is its
line in the compiled SQL. `head_columns` tells how far the head reaches on that line.
"""

from __future__ import annotations

from dataclasses import dataclass

from glue.dataform import Action


@dataclass
class Wrapped:
    sql: str
    head_columns: int  # an error at line 1 up to this column is in the head
    query_lines: int  # lines of the model's SQL; an error after them is in the tail


def _quoted(name: str) -> str:
    return f"`{name}`"


def _wrap(head: str, query: str, tail: str = "") -> Wrapped:
    lines = query.count("\n") + 1
    return Wrapped(head + query + (f"\n{tail}" if tail else ""), len(head), lines)


def create_table(action: Action, query: str) -> Wrapped:
    options = ""
    if action.partition_by:
        options += f"PARTITION BY {action.partition_by} "
    if action.cluster_by:
        options += f"CLUSTER BY {', '.join(action.cluster_by)} "
    return _wrap(f"CREATE OR REPLACE TABLE {_quoted(action.name)} {options}AS ", query)


def create_view(action: Action, query: str) -> Wrapped:
    return _wrap(f"CREATE OR REPLACE VIEW {_quoted(action.name)} AS ", query)


def merge(action: Action, query: str, columns: list[str]) -> Wrapped:
    """Dataform's MERGE of the incremental query into the table on its uniqueKey."""
    on = " AND ".join(f"T.{key} = S.{key}" for key in action.unique_key)
    if action.update_partition_filter:
        on += f" AND T.{action.update_partition_filter}"
    names = ", ".join(f"`{c}`" for c in columns)
    tail = (
        f") S ON {on}\nWHEN MATCHED THEN UPDATE SET {', '.join(f'`{c}` = S.{c}' for c in columns)}\n"
        f"WHEN NOT MATCHED THEN INSERT ({names}) VALUES ({names})"
    )
    return _wrap(f"MERGE {_quoted(action.name)} T USING (", query, tail)


def insert(action: Action, query: str, columns: list[str]) -> Wrapped:
    """Dataform's INSERT of the incremental query, for a table without a uniqueKey."""
    names = ", ".join(f"`{c}`" for c in columns)
    return _wrap(f"INSERT INTO {_quoted(action.name)} ({names}) SELECT {names} FROM (", query, ")")

"""Ad-hoc BigQuery SQL on the warehouse (`clickstream local query`, `local show`), translated as the
models are, with errors that name what is wrong and what was probably meant."""

from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb

from glue.dataform import did_you_mean
from glue.runner.translate import Translator, UntranslatableSQL
from glue.runner.warehouse import relations

# DuckDB's binder names the column it could not find and, often, the ones it could have used.
_MISSING_COLUMN = re.compile(r'(?:Referenced column|does not have a column named) "([^"]+)"', re.I)
_CANDIDATES = re.compile(r"Candidate bindings: ([^\n]+)")


class QueryError(Exception):
    """A query that cannot run: the reason in one line, with a suggestion when there is one."""


@dataclass
class QueryResult:
    columns: list[str]
    types: list[str]
    rows: list[tuple]
    total: int | None = None  # rows the query returns, when more than `rows` (the rest were cut)

    @property
    def cut(self) -> bool:
        return self.total is not None and self.total > len(self.rows)


def run_query(
    connection: duckdb.DuckDBPyConnection, sql: str, limit: int | None = None, names: list[str] | None = None
) -> QueryResult:
    """The rows of one BigQuery SELECT, run on the warehouse through the models' translator.

    With `limit`, the first `limit` rows: one more is fetched to know whether there are more, and
    only then are they counted. `names` head the columns in place of DuckDB's (BigQuery's names,
    from the analyzer: `f0_` where DuckDB says `count_star()`)."""
    try:
        translated = Translator("query").query(sql)
        cursor = connection.execute(translated)
        columns = [d[0] for d in cursor.description]
        types = [str(d[1]) for d in cursor.description]
        rows = cursor.fetchall() if limit is None else cursor.fetchmany(limit + 1)
        total = None
        if limit is not None and len(rows) > limit:
            rows = rows[:limit]
            total = connection.execute(f"SELECT COUNT(*) FROM (\n{translated}\n)").fetchone()[0]
    except UntranslatableSQL as error:
        raise QueryError(str(error)) from None
    except duckdb.Error as error:
        raise QueryError(explained(connection, str(error))) from None
    if names is not None and len(names) == len(columns):
        columns = list(names)
    return QueryResult(columns, types, rows, total)


def table_query(connection, name: str, default_dataset: str, where: str | None = None) -> str:
    """BigQuery SQL for the rows of `name` ("table" in `default_dataset`, or "dataset.table"),
    optionally filtered (the condition on a line of its own, line 2); an unknown table is a
    QueryError naming the closest."""
    dataset, _, table = name.rpartition(".")
    dataset = dataset or default_dataset
    known = sorted(f"{schema}.{relation}" for schema, relation in relations(connection))
    if f"{dataset}.{table}" not in known:
        raise QueryError(f"no table or view {dataset}.{table} in the warehouse{did_you_mean(name, known)}")
    condition = f"\nWHERE {where}" if where else ""
    return f"SELECT * FROM `{dataset}.{table}`{condition}"


def explained(connection, message: str, names_in_sql: tuple[str, ...] = ()) -> str:
    """DuckDB's message in one line, with what was probably meant when it names a column or table
    it could not find."""
    first = message.strip().splitlines()[0]
    missing = _MISSING_COLUMN.search(message)
    candidates = _CANDIDATES.search(message)
    if missing:
        # DuckDB lists the columns in scope when it can; otherwise any column of the warehouse will do.
        names = (
            re.findall(r'"([^"]+)"', candidates.group(1)) if candidates else [*names_in_sql, *_all_columns(connection)]
        )
        return f"{first}{did_you_mean(missing.group(1), names)}"
    table = re.search(r"Table with name (\S+) does not exist", message)
    if table:
        known = sorted(f"{schema}.{relation}" for schema, relation in relations(connection))
        # The query's own names first: a common table expression is not in the catalog.
        return f"{first}{did_you_mean(table.group(1), [*names_in_sql, *known])}"
    return first


def missing_name(message: str) -> str | None:
    """The column or table DuckDB's binder or catalog could not find, if the message names one."""
    found = _MISSING_COLUMN.search(message) or re.search(r"Table with name (\w+) does not exist", message)
    return found.group(1) if found else None


def _all_columns(connection) -> list[str]:
    rows = connection.execute(
        "SELECT DISTINCT column_name FROM information_schema.columns WHERE table_catalog = current_database()"
    ).fetchall()
    return [name for (name,) in rows]

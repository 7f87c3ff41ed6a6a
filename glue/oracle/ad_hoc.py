"""One ad-hoc query (`clickstream local query`, `local show`) analyzed as BigQuery would, before it runs.

The catalog is the warehouse itself: every table and view of the connection's database, its
DuckDB column types read in BigQuery's names. The runner writes each table in the types the
check's analysis gave it (glue/runner/written_columns.py holds it to them), so these are the
types BigQuery has; the raw sources present are described as provisioning declares them, with
their pseudo-columns (`_FILE_NAME`). Nothing is compiled: building the catalog is one read of
information_schema.

    catalog = warehouse_catalog(connection, source_tables(settings), oracle.pb)
    columns = bigquery_columns(oracle, sql, catalog)   # [(BigQuery's column name, type)]

A query BigQuery would refuse raises OracleError with BigQuery's message; so does a statement
that is not a query, and a result with two columns of one name, which BigQuery does not return.
"""

from __future__ import annotations

from collections import Counter

from glue.bigquery_types import from_duckdb
from glue.oracle.catalog import Catalog, Table
from glue.oracle.client import Oracle, OracleError
from glue.oracle.problems import with_suggestion
from glue.oracle.types import to_proto

# ZetaSQL names an unaliased select-list item `$col<position>`; BigQuery names the kth of them f<k>_.
_ANONYMOUS = "$"


def warehouse_catalog(connection, sources: dict[str, Table], pb) -> Catalog:
    """Every relation of the connection's current database as `dataset.table`, in BigQuery's types;
    a source in `sources` as it is declared there. A relation with a column no BigQuery type
    describes is left out (`pb`: the oracle's modules, which say so), and named as missing."""
    rows = connection.execute(
        "SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_catalog = current_database() ORDER BY table_schema, table_name, ordinal_position"
    ).fetchall()
    tables: dict[str, list[tuple[str, str]]] = {}
    for schema, name, column, kind in rows:
        tables.setdefault(f"{schema}.{name}", []).append((column, from_duckdb(kind)))
    catalog = Catalog()
    for name, columns in tables.items():
        if name in sources:
            catalog.tables[name] = sources[name]
        elif _described(columns, pb):
            catalog.tables[name] = Table(columns)
    return catalog


def _described(columns: list[tuple[str, str]], pb) -> bool:
    try:
        for _, kind in columns:
            to_proto(kind, pb)
    except ValueError:
        return False
    return True


def bigquery_columns(oracle: Oracle, sql: str, catalog: Catalog) -> list[tuple[str, str]]:
    """[(name, type)] of the query's columns as BigQuery names them: an unaliased expression is
    `f0_`, `f1_`, ...; OracleError when BigQuery would refuse the query (its message says what was
    probably meant when a name is close to one that is not there)."""
    try:
        analyzed = oracle.analyze(sql, catalog)
    except OracleError as error:
        message = with_suggestion(error.message, sql, _known_names(catalog, sql))
        raise OracleError(message, error.line, error.column) from None
    if not analyzed:
        raise OracleError("only a query (SELECT ...) runs here: the warehouse is read-only")
    columns, anonymous = [], 0
    for name, kind in analyzed:
        if name.startswith(_ANONYMOUS):
            name, anonymous = f"f{anonymous}_", anonymous + 1
        columns.append((name, kind))
    counted = Counter(name.lower() for name, _ in columns)
    repeated = list(dict.fromkeys(name for name, _ in columns if counted[name.lower()] > 1))
    if repeated:
        raise OracleError(
            f"Duplicate column names in the result are not supported. Found duplicate(s): {', '.join(repeated)}"
        )
    return columns


def _known_names(catalog: Catalog, sql: str) -> set[str]:
    """What a name BigQuery could not find was probably meant to be, when its own message does not
    say: any table, and the columns of the tables the query names (not those of every table)."""
    named = sql.replace("`", "").lower()
    names = set(catalog.tables)
    for qualified, table in catalog.tables.items():
        if qualified.lower() in named:
            names |= {column for column, _ in table.all_columns}
    return names

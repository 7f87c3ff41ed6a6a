"""`clickstream local query|show`: read the local warehouse in BigQuery SQL, from the command line.

Each query is BigQuery's analyzer's (ZetaSQL's) to accept or refuse, and to name its columns,
before DuckDB runs it (glue/oracle/ad_hoc.py); the count under the rows says when a limit cut
some. These are subcommands of `clickstream local` (glue/cli/local.py adds them to its group).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from glue.privacy import READERS_WITH_RAW_VALUES, UnknownReader, masked_connection
from glue.runner import QueryError, WarehouseBusy, connect, run_query, table_query
from glue.settings import get_settings
from glue.text_tables import csv_text, json_text, table_lines

FORMATS = ("table", "csv", "json")
# A table cell longer than this is cut for the terminal; csv and json keep every character.
MAX_WIDTH = 60

warehouse_option = click.option(
    "--warehouse",
    type=click.Path(dir_okay=False, path_type=Path),
    help="DuckDB file (default: .local/warehouse.duckdb).",
)
reader_option = click.option(
    "--as",
    "reader",
    metavar="READER",
    default="raw",
    show_default=True,
    help="Read as this reader of clickstream.yaml's privacy.readers: raw sees every value; analyst and "
    "data_scientist see the personal columns masked as BigQuery's data policies mask them "
    "(identifiers as a SHA-256, locations and user agents as NULL).",
)
format_option = click.option(
    "--format",
    "output",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
    help="An aligned table for reading, or csv / json for piping.",
)


@click.command()
@click.argument("sql")
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    metavar="N",
    help="Print the first N rows; when there are more, the count says how many (`2 of 8,801 rows`).",
)
@warehouse_option
@format_option
@reader_option
def query(sql, limit, warehouse, output, reader):
    """Run one BigQuery SELECT on the local warehouse and print its rows.

    The SQL is BigQuery's in every respect: BigQuery's analyzer (ZetaSQL) reads it first, against
    the warehouse's tables, and a query BigQuery would refuse is refused with BigQuery's message
    and its place (exit code 2), before anything runs. The columns are named as BigQuery names
    them (an unaliased expression is f0_, f1_, ...). It then runs translated as the models are;
    each dataset is a schema (clickstream, clickstream_staging, ...). The warehouse is opened
    read-only. All rows are printed unless --limit says otherwise.

    \b
    Examples:
      clickstream local query "SELECT device_type, COUNT(*) AS visits FROM clickstream.sessions GROUP BY 1"
      clickstream local query "SELECT COUNT(*) FROM clickstream.sessions"          # headed f0_
      clickstream local query "SELECT * FROM clickstream.visits_by_page WHERE page_views >= '1'"  # refused
      clickstream local query "SELECT * FROM clickstream.sessions" --limit 2       # 2 of 8,801 rows (the demo warehouse)
      clickstream local query "SELECT * FROM clickstream.visits_by_page" --format csv > pages.csv
      clickstream local query --as analyst "SELECT user_id, latitude FROM clickstream.sessions LIMIT 1"
    """
    _print(lambda connection: sql, limit, warehouse, output, reader, _in_query)


@click.command()
@click.argument("table")
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    metavar="N",
    default=20,
    show_default=True,
    help="Rows to show; when there are more, the count says how many (`20 of 24 rows`).",
)
@click.option("--where", metavar="CONDITION", help="A BigQuery condition on the table's columns.")
@warehouse_option
@format_option
@reader_option
def show(table, limit, where, warehouse, output, reader):
    """Print a table's or view's first rows. TABLE is `name` in the curated dataset or `dataset.name`.

    The count under the rows says when some were left out: `20 of 24 rows`. A --where condition is
    BigQuery's, read by BigQuery's analyzer first, as `local query` reads a query.

    \b
    Examples:
      clickstream local show sessions
      clickstream local show sessions --limit 2                                    # 2 of 8,801 rows (the demo warehouse)
      clickstream local show clickstream_staging.stg_visits --where "ARRAY_LENGTH(visit_reasons) > 0" --limit 5
      clickstream local show popular_items --format json
      clickstream local show sessions --as analyst
    """
    settings = get_settings()
    _print(
        lambda connection: table_query(connection, table, settings.curated_dataset, where),
        limit,
        warehouse,
        output,
        reader,
        _in_where,
    )


def _print(sql_of, limit, warehouse: Path | None, output: str, reader: str, placed) -> None:
    """The rows of the query `sql_of(connection)` gives, analyzed as BigQuery would first; a refusal
    is BigQuery's message at the place `placed` gives it (exit code 2)."""
    settings = get_settings()
    path = warehouse or settings.warehouse
    try:
        if reader == READERS_WITH_RAW_VALUES:
            connection = connect(path, lock_timeout=10, read_only=True)
        else:
            connection = masked_connection(path, reader, settings)
    except (FileNotFoundError, WarehouseBusy, UnknownReader) as error:
        raise click.ClickException(str(error)) from None
    try:
        sql = sql_of(connection)
        names = _bigquery_names(connection, sql, settings, placed)
        result = run_query(connection, sql, limit, names)
    except QueryError as error:
        click.secho(str(error), fg="red", err=True)
        sys.exit(2)
    finally:
        connection.close()
    if output == "csv":
        click.echo(csv_text(result.columns, result.rows), nl=False)
    elif output == "json":
        click.echo(json_text(result.columns, result.rows))
    else:
        for line in table_lines(result.columns, result.rows, max_width=MAX_WIDTH):
            click.echo(line)
    if result.cut:
        click.secho(f"{len(result.rows):,} of {result.total:,} row{'s' if result.total != 1 else ''}", err=True)
    elif output == "table":
        click.secho(f"({len(result.rows):,} row{'s' if len(result.rows) != 1 else ''})", err=True)


def _bigquery_names(connection, sql: str, settings, placed) -> list[str] | None:
    """BigQuery's names of the query's columns, from BigQuery's analyzer over the warehouse's
    tables; a QueryError with BigQuery's message when it would refuse the query. Without the
    analyzer (not Linux, not installed), None, and a warning that DuckDB alone reads the query."""
    from glue.oracle import Oracle, OracleError, OracleUnavailable, ZetaSQL
    from glue.oracle.ad_hoc import bigquery_columns, warehouse_catalog
    from glue.oracle.sources import source_tables

    try:
        with ZetaSQL.start(settings.root) as server:
            oracle = Oracle(server)
            catalog = warehouse_catalog(connection, source_tables(settings), oracle.pb)
            columns = bigquery_columns(oracle, sql, catalog)
    except OracleUnavailable as error:
        click.secho(f"not analyzed as BigQuery would ({error}); DuckDB alone reads it", fg="yellow", err=True)
        return None
    except OracleError as error:
        raise QueryError(placed(error)) from None
    return [name for name, _ in columns]


def _in_query(error) -> str:
    """BigQuery's message, at its [line:column] in the query, as BigQuery's console shows it."""
    return f"{error.message} at [{error.line}:{error.column}]" if error.line else error.message


def _in_where(error) -> str:
    """BigQuery's message, at its column in the --where condition (line 2 of `local show`'s query,
    after `WHERE `)."""
    if error.line == 2 and error.column:
        return f"{error.message} (--where, at column {error.column - len('WHERE ')})"
    return error.message

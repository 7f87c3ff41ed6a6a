"""`clickstream local query|show`: read the local warehouse in BigQuery SQL, from the command line.

These are subcommands of `clickstream local` (glue/cli/local.py adds them to its group).
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
@warehouse_option
@format_option
@reader_option
def query(sql, warehouse, output, reader):
    """Run one BigQuery SELECT on the local warehouse and print its rows.

    The SQL is BigQuery's, translated as the models are; each dataset is a schema
    (clickstream, clickstream_staging, ...). The warehouse is opened read-only.

    \b
    Examples:
      clickstream local query "SELECT device_type, COUNT(*) AS visits FROM clickstream.sessions GROUP BY 1"
      clickstream local query "SELECT * FROM clickstream.visits_by_page" --format csv > pages.csv
      clickstream local query --as analyst "SELECT user_id, latitude FROM clickstream.sessions LIMIT 1"
    """
    _print(lambda connection: run_query(connection, sql), warehouse, output, reader)


@click.command()
@click.argument("table")
@click.option("--limit", type=click.IntRange(min=0), default=20, show_default=True, help="Rows to show.")
@click.option("--where", metavar="CONDITION", help="A BigQuery condition on the table's columns.")
@warehouse_option
@format_option
@reader_option
def show(table, limit, where, warehouse, output, reader):
    """Print a table's or view's first rows. TABLE is `name` in the curated dataset or `dataset.name`.

    \b
    Examples:
      clickstream local show sessions
      clickstream local show clickstream_staging.stg_visits --where "ARRAY_LENGTH(visit_reasons) > 0" --limit 5
      clickstream local show popular_items --format json
      clickstream local show sessions --as analyst
    """
    settings = get_settings()
    _print(
        lambda connection: run_query(
            connection, table_query(connection, table, settings.curated_dataset, where, limit)
        ),
        warehouse,
        output,
        reader,
    )


def _print(rows, warehouse: Path | None, output: str, reader: str = READERS_WITH_RAW_VALUES) -> None:
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
        result = rows(connection)
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
        click.secho(f"({len(result.rows):,} row{'s' if len(result.rows) != 1 else ''})", err=True)

"""The local warehouse: an embedded DuckDB file where each BigQuery dataset is a schema.

The raw sources are created here as BigQuery has them: `visits_pubsub` as the table a Pub/Sub
BigQuery subscription writes (write_metadata columns), `visits_gcs` as a view over the landing
directory standing in for the external table over the landing bucket (glue/landing reads it),
and `visits_gcs_objects` as the object table listing that bucket.
"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb

from glue.landing import NO_LINES, landing_objects, landing_query
from glue.runner.translate import register_functions
from glue.settings import Settings

PUBSUB_COLUMNS = (
    "subscription_name VARCHAR, message_id VARCHAR, publish_time TIMESTAMPTZ, data VARCHAR, attributes VARCHAR"
)
OBJECT_COLUMNS = "uri VARCHAR, generation BIGINT, size BIGINT, updated TIMESTAMPTZ"


# DuckDB scans a table in parallel one row group at a time, 122,880 rows by default: a day of
# visits (a few thousand to a hundred thousand rows) would be one group, read by one core.
# Smaller groups let every core work on staging; the rows and the answers are the same.
ROW_GROUP_ROWS = 16_384


class WarehouseBusy(RuntimeError):
    pass


def connect(
    path: Path | str = ":memory:", lock_timeout: float = 60, functions: bool = True, read_only: bool = False
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse, waiting while another process holds it.

    DuckDB lets one process open a file for writing. The local subscription sink holds the
    warehouse only for the instant of each batch write, so a run waits for it rather than failing.
    A read-only connection (`local query`, `local show`) refuses every write.
    """
    if read_only and not Path(path).exists():
        raise FileNotFoundError(f"no warehouse at {path}: run `make demo` or `clickstream local run` first")
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + lock_timeout
    while True:
        try:
            connection = _open(path, read_only)
            break
        except duckdb.IOException as error:
            if "lock" not in str(error):
                raise  # not contention: a broken or unreadable file must not look like a busy one
            if time.monotonic() >= deadline:
                raise WarehouseBusy(f"{path} is held by another process: {error}") from error
            time.sleep(0.05)
    _configure(connection)
    if functions:  # the BigQuery functions the models need; a plain writer can skip them
        register_functions(connection)
    return connection


def _configure(connection: duckdb.DuckDBPyConnection) -> None:
    # BigQuery timestamps are UTC; DuckDB would otherwise render them in the machine's zone.
    connection.execute("SET TimeZone = 'UTC'")
    connection.execute("SET enable_progress_bar = false")


def session(connection: duckdb.DuckDBPyConnection, database: str) -> duckdb.DuckDBPyConnection:
    """Another connection to the open warehouse `database`, set up as `connect` sets up the first.

    Each has its own transaction, temp tables and script variables, so actions can run side by
    side; the database, and the functions registered on it, are shared. Call it from the thread
    that owns `connection`, or under a lock: a connection serves one thread at a time.
    """
    cursor = connection.cursor()
    cursor.execute(f'USE "{database}"')
    _configure(cursor)
    return cursor


def _open(path: Path | str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    if str(path) == ":memory:":
        return duckdb.connect()
    connection = duckdb.connect()
    try:
        quoted = str(Path(path)).replace("'", "''")
        mode = "READ_ONLY" if read_only else f"ROW_GROUP_SIZE {ROW_GROUP_ROWS}"
        connection.execute(f"ATTACH '{quoted}' AS warehouse ({mode})")
        connection.execute("USE warehouse")
    except duckdb.Error:
        connection.close()
        raise
    return connection


def ensure_schema(connection, schema: str) -> None:
    connection.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')


def relations(connection) -> dict[tuple[str, str], tuple[str, str | None]]:
    """{(schema, name): ("table" | "view", comment)} of the current database's relations."""
    rows = connection.execute(
        "SELECT table_schema, table_name, table_type, table_comment FROM information_schema.tables "
        "WHERE table_catalog = current_database()"
    ).fetchall()
    return {(schema, name): ("view" if kind == "VIEW" else "table", comment) for schema, name, kind, comment in rows}


def existing_relations(path: Path) -> dict[tuple[str, str], str]:
    """{(schema, name): "table" | "view"} in the warehouse file, opened read-only; empty when
    there is no file yet."""
    if not Path(path).exists():
        return {}
    try:
        connection = duckdb.connect(str(path), read_only=True)
    except duckdb.IOException as error:
        raise WarehouseBusy(f"{path} is in use by another process ({str(error).splitlines()[0]})") from None
    try:
        return {key: kind for key, (kind, _) in relations(connection).items()}
    finally:
        connection.close()


def held_rows(path: Path, tables: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """Rows in each of these (schema, name) tables of the warehouse file, for those that exist;
    empty when there is no file yet or another process holds it."""
    try:
        connection = connect(path, lock_timeout=0, functions=False, read_only=True)
    except (FileNotFoundError, WarehouseBusy, duckdb.Error):
        return {}
    try:
        present = relations(connection)
        return {
            key: connection.execute(f'SELECT COUNT(*) FROM "{key[0]}"."{key[1]}"').fetchone()[0]
            for key in tables
            if key in present
        }
    finally:
        connection.close()


def relation_exists(connection, schema: str, name: str) -> bool:
    return (schema, name) in relations(connection)


def prepare_sources(connection, settings: Settings) -> None:
    """Create the raw sources if missing; point visits_gcs at what is in the landing directory now,
    and list the objects' metadata in visits_gcs_objects."""
    raw, names = settings.raw_dataset, settings.raw
    ensure_schema(connection, raw)
    connection.execute(f'CREATE TABLE IF NOT EXISTS "{raw}"."{names["pubsub_table"]}" ({PUBSUB_COLUMNS})')
    bucket_prefix = f"{settings.landing_bucket}/{settings.landing_prefix}"
    listed = landing_objects(settings.landing_dir, bucket_prefix)
    lines = landing_query(settings.landing_dir, bucket_prefix) if listed else NO_LINES
    connection.execute(f'CREATE OR REPLACE VIEW "{raw}"."{names["gcs_table"]}" AS {lines}')
    objects = f'"{raw}"."{names["gcs_objects_table"]}"'
    connection.execute(f"CREATE OR REPLACE TABLE {objects} ({OBJECT_COLUMNS})")
    if listed:
        connection.executemany(f"INSERT INTO {objects} VALUES (?, ?, ?, ?)", listed)

"""The local warehouse: an embedded DuckDB file where each BigQuery dataset is a schema.

The two raw sources are created here as BigQuery has them: `visits_pubsub` as the table a
Pub/Sub BigQuery subscription writes (write_metadata columns), and `visits_gcs` as a view over
the landing directory standing in for the external table over the landing bucket.
"""
from __future__ import annotations

import filecmp
import re
import shutil
import time
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from glue.local.compat import register_functions
from glue.settings import Settings, landing_hour_partition

PUBSUB_COLUMNS = (
    "subscription_name VARCHAR, message_id VARCHAR, publish_time TIMESTAMPTZ, "
    "data VARCHAR, attributes VARCHAR"
)
OBJECT_COLUMNS = "uri VARCHAR, generation BIGINT, size BIGINT, updated TIMESTAMPTZ"


# The longest landing line read. A visit that reaches the landing bucket through Pub/Sub is at
# most 10 MB (Pub/Sub's message limit); BigQuery's external table reads lines up to 100 MB, but
# with that limit DuckDB read a 120 MB object on one core (0.33 s instead of 0.17 s to scan).
# A longer line fails the run, naming the object and the line (landing_read_error).
MAX_LINE_BYTES = 16 << 20
# DuckDB's CSV buffer: twice the longest line. At the default (sixteen lines' worth) an object of
# a few hundred MB was again read on one core; one MB over the line made DuckDB's parallel reader
# refuse objects holding lines near the limit.
READ_BUFFER_BYTES = 2 * MAX_LINE_BYTES

# DuckDB scans a table in parallel one row group at a time, 122,880 rows by default: a day of
# visits (a few thousand to a hundred thousand rows) would be one group, read by one core.
# Smaller groups let every core work on staging; the rows and the answers are the same.
ROW_GROUP_ROWS = 16_384


class WarehouseBusy(RuntimeError):
    pass


def connect(path: Path | str = ":memory:", lock_timeout: float = 60,
            functions: bool = True) -> duckdb.DuckDBPyConnection:
    """Open the warehouse, waiting while another process holds it.

    DuckDB lets one process open a file for writing. The local subscription sink holds the
    warehouse only for the instant of each batch write, so a run waits for it rather than failing.
    """
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + lock_timeout
    while True:
        try:
            connection = _open(path)
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


def _open(path: Path | str) -> duckdb.DuckDBPyConnection:
    if str(path) == ":memory:":
        return duckdb.connect()
    connection = duckdb.connect()
    try:
        quoted = str(Path(path)).replace("'", "''")
        connection.execute(f"ATTACH '{quoted}' AS warehouse (ROW_GROUP_SIZE {ROW_GROUP_ROWS})")
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
        "WHERE table_catalog = current_database()").fetchall()
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


def relation_exists(connection, schema: str, name: str) -> bool:
    return (schema, name) in relations(connection)


# The landing table of an empty bucket.
NO_LINES = ("SELECT CAST(NULL AS VARCHAR) AS line, CAST(NULL AS VARCHAR) AS hour, "
            "CAST(NULL AS VARCHAR) AS _FILE_NAME WHERE FALSE")
# An object in the landing layout: under PREFIX/hour=YYYY-MM-DDTHH/ (glue/settings.py).
_HOUR_DIR = re.compile(r"/hour=\d{4}-\d\d-\d\dT\d\d/")


class LandingLayoutError(ValueError):
    """A landing object outside the hive layout, which the landing table would not read."""


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


def landing_objects(landing_dir: Path, bucket_prefix: str) -> list[tuple]:
    """(uri, generation, size, updated) of each *.jsonl object visits_gcs reads: the object table's rows.

    Taken when the run starts, from the files themselves. Cloud Storage's generation is the
    write time in microseconds; the file's modification time in microseconds stands in for it,
    so that an append or an overwrite, even one that keeps the size, is a new generation.
    """
    root = Path(landing_dir).resolve()
    paths = sorted(Path(root, bucket_prefix).glob("**/*.jsonl"))
    outside = [p for p in paths if not _HOUR_DIR.search(p.as_posix())]
    if outside:
        more = f" (and {len(outside) - 1} more)" if len(outside) > 1 else ""
        raise LandingLayoutError(
            f"gs://{outside[0].relative_to(root).as_posix()}{more} is not under hour=YYYY-MM-DDTHH/: the "
            f"landing table is hive-partitioned by the hour an object landed, so that a run reads only new "
            f"objects. Move it into one, e.g. {outside[0].parent / landing_hour_partition() / outside[0].name} "
            f"(`clickstream local run --input` and the simulator's gcs: target land objects there)")
    rows = []
    for path in paths:
        stat = path.stat()
        microseconds = stat.st_mtime_ns // 1000
        rows.append((f"gs://{path.relative_to(root).as_posix()}", microseconds, stat.st_size,
                     datetime.fromtimestamp(microseconds / 1e6, tz=timezone.utc)))
    return rows


def landing_read_error(message: str) -> str | None:
    """DuckDB's error for a landing line longer than MAX_LINE_BYTES, in one line; None for others."""
    too_long = re.search(r"CSV Error on Line: (\d+).*Maximum line size of \d+ bytes exceeded\. "
                         r"Actual Size:\s*(\d+) bytes.*?\n\s*file = ([^\n]+)", message, re.S)
    if not too_long:
        return None
    line, size, path = too_long.groups()
    return (f"{path.strip()}, line {line}: {int(size):,} bytes long; the local runner reads landing lines "
            f"of up to {MAX_LINE_BYTES:,} bytes ({MAX_LINE_BYTES >> 20} MB; a Pub/Sub message is at most 10 MB)")


def landing_query(landing_dir: Path, bucket_prefix: str) -> str:
    """Lines of every *.jsonl object under gs://BUCKET/PREFIX, read whole (a malformed line stays a line).

    Read as the production external table reads them (glue/provision/bigquery.py): CSV with one
    column, quoting off and U+0001 as the delimiter, which JSON text never contains raw. DuckDB's
    CSV reader is parallel, some thirty times faster here than splitting read_text by hand.
    Strict mode is off so that an object mixing LF and CRLF line ends still reads; the price is
    that a line containing a raw U+0001 (never valid JSON) is cut there, the rest ignored, as
    the external table's ignore_unknown_values does on BigQuery: it still arrives as one line
    and is quarantined as not valid JSON. Blank lines read as NULL; a CR before LF is dropped.

    The landing dir is the Cloud Storage emulator's storage root, so objects are plain files at
    <landing dir>/<bucket>/<object name>; the emulator's own folders (_resumable, _softdelete)
    sit beside the buckets and are never read. _FILE_NAME takes BigQuery's form, gs://BUCKET/OBJECT.
    The hour an object landed (hour=YYYY-MM-DDTHH in its name) is a hive partition column, as in
    the BigQuery table: a filter on it leaves the other files unread.
    DuckDB refuses to read no file at all: with no object, read NO_LINES instead.
    """
    root = str(Path(landing_dir).resolve()).replace("'", "''")
    pattern = f"{root}/{bucket_prefix}/**/*.jsonl".replace("'", "''")
    return (
        f"SELECT line, hour, 'gs://' || substr(filename, {len(root) + 2}) AS _FILE_NAME "
        f"FROM read_csv('{pattern}', columns = {{'line': 'VARCHAR'}}, delim = chr(1), quote = '', escape = '', "
        f"header = false, auto_detect = false, strict_mode = false, filename = true, "
        # The hive key, as BigQuery's hive-partitioned table has it: a filter on it skips files.
        f"hive_partitioning = true, hive_types = {{'hour': 'VARCHAR'}}, "
        f"max_line_size = {MAX_LINE_BYTES}, buffer_size = {READ_BUFFER_BYTES})"
    )


def landing_target(source: Path, settings: Settings) -> tuple[Path, bool]:
    """Where an input file lands (a .jsonl object in the landing bucket's directory), and whether
    that object already holds the same bytes."""
    name = source.name if source.suffix == ".jsonl" else source.name + ".jsonl"
    # An object of that name already landed (in any hour) is overwritten in place, as an upload
    # under the same name would; a new one lands under this hour's partition.
    landed = sorted(settings.landing_path.glob(f"hour=*/{name}"))
    if landed:
        return landed[0], filecmp.cmp(source, landed[0], shallow=False)
    return settings.landing_hour_path() / name, False


def land_files(inputs: list[Path], settings: Settings) -> list[Path]:
    """Copy input files into the landing bucket's directory, as an upload to the bucket would."""
    settings.landing_path.mkdir(parents=True, exist_ok=True)
    landed = []
    for source in inputs:
        target, unchanged = landing_target(source, settings)
        if not unchanged:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        landed.append(target)
    return landed

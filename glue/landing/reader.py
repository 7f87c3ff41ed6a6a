"""The landing bucket as the local runner reads it: its objects, their lines, and read errors.

Locally the bucket is a directory, the Cloud Storage emulator's storage root: objects are plain
files at <landing dir>/<bucket>/<object name>. Objects land under PREFIX/hour=YYYY-MM-DDTHH/, the
hive partition key of the BigQuery external table (glue/settings.py), so that a run reads only
the new hours.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

from glue.settings import landing_hour_partition

# The longest landing line read. A visit that reaches the landing bucket through Pub/Sub is at
# most 10 MB (Pub/Sub's message limit); BigQuery's external table reads lines up to 100 MB, but
# with that limit DuckDB read a 120 MB object on one core (0.33 s instead of 0.17 s to scan).
# A longer line fails the run, naming the object and the line (landing_read_error).
MAX_LINE_BYTES = 16 << 20
# DuckDB's CSV buffer: twice the longest line. At the default (sixteen lines' worth) an object of
# a few hundred MB was again read on one core; one MB over the line made DuckDB's parallel reader
# refuse objects holding lines near the limit.
READ_BUFFER_BYTES = 2 * MAX_LINE_BYTES

# The landing table of an empty bucket.
NO_LINES = (
    "SELECT CAST(NULL AS VARCHAR) AS line, CAST(NULL AS VARCHAR) AS hour, "
    "CAST(NULL AS VARCHAR) AS _FILE_NAME WHERE FALSE"
)
# An object in the landing layout: under PREFIX/hour=YYYY-MM-DDTHH/ (glue/settings.py).
_HOUR_DIR = re.compile(r"/hour=\d{4}-\d\d-\d\dT\d\d/")


class LandingLayoutError(ValueError):
    """A landing object outside the hive layout, which the landing table would not read."""


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
            f"(`clickstream local run --input` and the simulator's gcs: target land objects there)"
        )
    rows = []
    for path in paths:
        stat = path.stat()
        microseconds = stat.st_mtime_ns // 1000
        rows.append(
            (
                f"gs://{path.relative_to(root).as_posix()}",
                microseconds,
                stat.st_size,
                datetime.fromtimestamp(microseconds / 1e6, tz=timezone.utc),
            )
        )
    return rows


def landing_read_error(message: str) -> str | None:
    """DuckDB's error for a landing line longer than MAX_LINE_BYTES, in one line; None for others."""
    too_long = re.search(
        r"CSV Error on Line: (\d+).*Maximum line size of \d+ bytes exceeded\. "
        r"Actual Size:\s*(\d+) bytes.*?\n\s*file = ([^\n]+)",
        message,
        re.S,
    )
    if not too_long:
        return None
    line, size, path = too_long.groups()
    return (
        f"{path.strip()}, line {line}: {int(size):,} bytes long; the local runner reads landing lines "
        f"of up to {MAX_LINE_BYTES:,} bytes ({MAX_LINE_BYTES >> 20} MB; a Pub/Sub message is at most 10 MB)"
    )


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

"""Where the DoS-alert job's results go: the warehouse, Pub/Sub, the logs, the archive."""

from __future__ import annotations

import apache_beam as beam
from apache_beam.io import fileio
from apache_beam.transforms import trigger, window
from apache_beam.utils.timestamp import Duration

from dos_alert.alerting import log_alert

COUNT_COLUMNS = (
    "dimension VARCHAR, key VARCHAR, window_start TIMESTAMPTZ, window_end TIMESTAMPTZ, "
    "count BIGINT, timing VARCHAR, pane_index BIGINT, written_at TIMESTAMPTZ, "
    "PRIMARY KEY (dimension, key, window_start)"
)

ARCHIVE_LATENESS = 24 * 60 * 60

BIGQUERY_SCHEMA = (
    "dimension:STRING,key:STRING,window_start:TIMESTAMP,window_end:TIMESTAMP,count:INTEGER,"
    "timing:STRING,pane_index:INTEGER"
)


class _Upsert(beam.DoFn):
    """Writes a bundle's records to a table of the local DuckDB warehouse in one transaction.

    A record replaces the one with the same primary key (for counts: a later pane of a window,
    which carries the corrected total). The warehouse is opened per bundle and closed after, so
    that a workflow run can take it in between; while a run holds it, the write waits.
    """

    # Both records it writes are window-shaped: dimension, key, window start and end (epoch
    # seconds), three values of their own; each row is stamped with the time of writing.
    SELECT = (
        "SELECT unnest($1), unnest($2), to_timestamp(unnest($3)), to_timestamp(unnest($4)), unnest($5), "
        "unnest($6), unnest($7), now()"
    )

    def __init__(self, warehouse: str, table: str, columns: str, row):
        self.warehouse, self.table, self.columns, self.row = warehouse, table, columns, row

    def start_bundle(self):
        self.rows = []

    def process(self, record):
        self.rows.append(self.row(record))

    def finish_bundle(self):
        if not self.rows:
            return
        from glue.runner import connect, ensure_schema

        schema, _, name = self.table.rpartition(".")
        connection = connect(self.warehouse, functions=False)
        try:
            ensure_schema(connection, schema)
            connection.execute(f'CREATE TABLE IF NOT EXISTS "{schema}"."{name}" ({self.columns})')
            connection.execute(
                f'INSERT OR REPLACE INTO "{schema}"."{name}" {self.SELECT}',
                [list(column) for column in zip(*self.rows)],
            )
        finally:
            connection.close()


def _count_row(c):
    return c.dimension, c.key, c.window_start, c.window_end, c.count, c.timing, c.pane_index


def _alert_row(a):
    return a.dimension, a.key, a.window_start, a.window_end, a.count, a.threshold, a.timing


ALERT_COLUMNS = (
    "dimension VARCHAR, key VARCHAR, window_start TIMESTAMPTZ, window_end TIMESTAMPTZ, "
    "count BIGINT, threshold BIGINT, timing VARCHAR, raised_at TIMESTAMPTZ, "
    "PRIMARY KEY (dimension, key, window_start)"
)


class WriteCounts(beam.PTransform):
    """To the local warehouse (`warehouse` set) or to BigQuery (`table` as PROJECT:DATASET.TABLE)."""

    def __init__(self, table: str, warehouse: str | None = None):
        super().__init__()
        self.table, self.warehouse = table, warehouse

    def expand(self, counts):
        if self.warehouse:
            return counts | "Upsert into DuckDB" >> beam.ParDo(
                _Upsert(self.warehouse, self.table, COUNT_COLUMNS, _count_row)
            )
        from datetime import datetime, timezone

        def to_row(count):
            row = count.to_row()
            for column in ("window_start", "window_end"):
                row[column] = datetime.fromtimestamp(row[column], timezone.utc).isoformat()
            return row

        # Every pane is appended; readers take the highest pane_index of a window.
        return (
            counts
            | "As BigQuery rows" >> beam.Map(to_row)
            | "Stream into BigQuery"
            >> beam.io.WriteToBigQuery(
                self.table,
                schema=BIGQUERY_SCHEMA,
                method=beam.io.WriteToBigQuery.Method.STREAMING_INSERTS,
                create_disposition=beam.io.BigQueryDisposition.CREATE_IF_NEEDED,
                write_disposition=beam.io.BigQueryDisposition.WRITE_APPEND,
            )
        )


class PublishAlerts(beam.PTransform):
    """Each alert as a structured WARNING log entry; with a topic, a message on it; with a local
    warehouse, a row in `table` (the dashboard marks those windows)."""

    def __init__(self, topic: str | None, warehouse: str | None = None, table: str = "clickstream.dos_alerts_stream"):
        super().__init__()
        self.topic, self.warehouse, self.table = topic, warehouse, table

    def expand(self, alerts):
        logged = alerts | "Log as WARNING" >> beam.Map(log_alert)
        if self.warehouse:
            logged | "Record in DuckDB" >> beam.ParDo(_Upsert(self.warehouse, self.table, ALERT_COLUMNS, _alert_row))
        if self.topic:
            (
                logged
                | "As JSON" >> beam.Map(lambda alert: alert.to_json().encode())
                | "To the alerts topic" >> beam.io.WriteToPubSub(self.topic)
            )
        return logged


class ArchiveWindows(beam.PTransform):
    """Records as JSONL files, one set per `window_seconds` window, under `directory/<kind>/`.

    Files are named by window (fileio's default naming), so an archive directory lists the
    windows seen. `directory` may be local or gs://. A window takes late records for a day
    (in extra files, a minute's worth at a time), so the archive keeps late messages too.
    """

    def __init__(self, directory: str, kind: str, window_seconds: int):
        super().__init__()
        self.directory, self.kind, self.window_seconds = directory, kind, window_seconds

    def expand(self, records):
        return (
            records
            | "Archive window"
            >> beam.WindowInto(
                window.FixedWindows(self.window_seconds),
                trigger=trigger.AfterWatermark(late=trigger.AfterProcessingTime(60)),
                accumulation_mode=trigger.AccumulationMode.DISCARDING,
                allowed_lateness=Duration(seconds=ARCHIVE_LATENESS),
            )
            | "As JSON lines" >> beam.Map(lambda record: record.to_json())
            | "Write files"
            >> fileio.WriteToFiles(
                path=f"{self.directory.rstrip('/')}/{self.kind}",
                file_naming=fileio.default_file_naming(prefix=self.kind, suffix=".jsonl"),
                shards=1,
            )
        )

"""The DoS-alert job: page views per minute from the live visits stream, alerts on bursts,
the counts in the warehouse and the raw messages archived per window.

    python -m dos_alert.pipeline --subscription projects/P/subscriptions/S --runner DirectRunner \
        --streaming --warehouse .local/warehouse.duckdb --archive-dir .local/archive

`clickstream dos-alert run` builds these flags from the project settings.
"""

from __future__ import annotations

import logging

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions

from dos_alert.alerting import DEFAULT_THRESHOLDS, DetectBursts
from dos_alert.counting import TOO_LATE, CountPageViews
from dos_alert.parse import DEAD_LETTER, ParseVisits
from dos_alert.sinks import ArchiveWindows, PublishAlerts, WriteCounts


class DosAlertOptions(PipelineOptions):
    @classmethod
    def _add_argparse_args(cls, parser):
        # Required, but checked in build(): Beam parses every PipelineOptions subclass for every
        # pipeline a process builds, so an argparse `required` here would break unrelated pipelines.
        parser.add_argument(
            "--subscription",
            help="Pub/Sub subscription on the visits topic: projects/P/subscriptions/S (required).",
        )
        parser.add_argument("--alerts-topic", help="Topic for alert messages (projects/P/topics/T).")
        parser.add_argument(
            "--window-seconds", type=int, default=60, help="Event-time window of the counts (default 60: per minute)."
        )
        parser.add_argument(
            "--allowed-lateness-seconds",
            type=int,
            default=120,
            help="How long after a window ends a late page view still corrects it (default 120).",
        )
        for dimension, default in DEFAULT_THRESHOLDS.items():
            parser.add_argument(
                f"--threshold-{dimension}",
                type=int,
                default=default,
                help=f"Alert when {dimension} page views in a window exceed this (default {default}).",
            )
        parser.add_argument(
            "--timestamp-attribute",
            default="event_time",
            help="Message attribute the source takes event time from (epoch ms or RFC 3339); "
            "'' for publish time. `clickstream dos-alert run` leaves it off on the "
            "DirectRunner, whose Pub/Sub source stops the pipeline on a malformed value.",
        )
        parser.add_argument(
            "--counts-table",
            default="clickstream.page_views_per_minute_stream",
            help="Where the counts go: DATASET.TABLE locally, PROJECT:DATASET.TABLE on BigQuery.",
        )
        parser.add_argument("--warehouse", help="Local DuckDB warehouse file; without it, counts go to BigQuery.")
        parser.add_argument("--archive-dir", help="Where raw and dead-letter JSONL go (local or gs://; required).")
        parser.add_argument(
            "--archive-window-seconds",
            type=int,
            default=300,
            help="One set of archive files per this many seconds (default 300).",
        )


REQUIRED = ("subscription", "archive_dir")


def build(pipeline: beam.Pipeline, options: DosAlertOptions) -> dict:
    """The whole graph; returns the named PCollections (tests and the CLI look at them)."""
    missing = [f"--{name.replace('_', '-')}" for name in REQUIRED if not getattr(options, name)]
    if missing:
        raise ValueError(f"the DoS-alert job needs {' and '.join(missing)}")
    messages = pipeline | "Read visits" >> beam.io.ReadFromPubSub(
        subscription=options.subscription, with_attributes=True, timestamp_attribute=options.timestamp_attribute or None
    )
    parsed = messages | "Parse" >> ParseVisits()
    counted = parsed.page_views | "Count page views" >> CountPageViews(
        options.window_seconds, options.allowed_lateness_seconds
    )
    thresholds = {d: getattr(options, f"threshold_{d}") for d in DEFAULT_THRESHOLDS}
    alerts = counted["counts"] | "Detect bursts" >> DetectBursts(thresholds)
    alerts_table = f"{options.counts_table.split(':')[-1].rsplit('.', 1)[0]}.dos_alerts_stream"
    published = alerts | "Publish alerts" >> PublishAlerts(options.alerts_topic, options.warehouse, alerts_table)
    counted["counts"] | "Write counts" >> WriteCounts(options.counts_table, options.warehouse)
    seconds = options.archive_window_seconds
    parsed.raw | "Archive raw" >> ArchiveWindows(options.archive_dir, "raw", seconds)
    parsed[DEAD_LETTER] | "Archive dead letters" >> ArchiveWindows(options.archive_dir, "dead_letter", seconds)
    return {
        "counts": counted["counts"],
        "alerts": published,
        "dead_letter": parsed[DEAD_LETTER],
        TOO_LATE: counted[TOO_LATE],
    }


def run(argv: list[str] | None = None) -> None:
    options = PipelineOptions(argv)
    options.view_as(StandardOptions).streaming = True
    pipeline = beam.Pipeline(options=options)
    build(pipeline, options.view_as(DosAlertOptions))
    pipeline.run().wait_until_finish()


if __name__ == "__main__":
    logging.getLogger().setLevel(logging.INFO)
    run()

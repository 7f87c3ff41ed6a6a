"""Alerts: a window's count above its dimension's threshold, once per key and window."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import apache_beam as beam
from apache_beam.coders import BooleanCoder
from apache_beam.transforms.userstate import ReadModifyWriteStateSpec

from dos_alert.records import Alert, WindowCount
from dos_alert.thresholds import DEFAULT_THRESHOLDS

LOGGER = logging.getLogger("clickstream.dos_alert")


class _AlertOnce(beam.DoFn):
    """State is per key and window: the first pane above the threshold alerts, later panes don't."""

    ALERTED = ReadModifyWriteStateSpec("alerted", BooleanCoder())

    def __init__(self, thresholds: dict[str, int]):
        self.thresholds = thresholds
        self.alerts = beam.metrics.Metrics.counter("dos_alert", "alerts")

    def process(
        self, element: tuple[tuple[str, str], WindowCount], alerted=beam.DoFn.StateParam(ALERTED)
    ) -> Iterator[Alert]:
        _, count = element
        threshold = self.thresholds.get(count.dimension)
        if threshold is None or count.count <= threshold or alerted.read():
            return
        alerted.write(True)
        self.alerts.inc()
        yield Alert(
            count.dimension, count.key, count.window_start, count.window_end, count.count, threshold, count.timing
        )


class DetectBursts(beam.PTransform):
    """WindowCount -> Alert when count > threshold (exactly at the threshold is not a burst)."""

    def __init__(self, thresholds: dict[str, int] | None = None):
        super().__init__()
        self.thresholds = {**DEFAULT_THRESHOLDS, **(thresholds or {})}

    def expand(self, counts):
        return (
            counts
            | "Key by dimension and key"
            >> beam.Map(lambda c: ((c.dimension, c.key), c)).with_output_types(tuple[tuple[str, str], WindowCount])
            | "Alert once per window" >> beam.ParDo(_AlertOnce(self.thresholds))
        )


def log_alert(alert: Alert) -> Alert:
    """A WARNING whose message is the alert as JSON: on Dataflow it reaches Cloud Logging as
    jsonPayload.message, which the log-based metric `clickstream_dos_alerts` counts."""
    LOGGER.warning(json.dumps(alert.to_log_payload(), sort_keys=True))
    return alert

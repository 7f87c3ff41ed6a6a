"""The DoS-alert job's transforms under TestStream: windows, lateness, thresholds, dead letters."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import apache_beam as beam
import pytest
from apache_beam.io.gcp.pubsub import PubsubMessage
from apache_beam.testing.test_stream import TestStream as Stream  # not collected by pytest
from apache_beam.testing.util import assert_that, equal_to
from apache_beam.transforms.window import TimestampedValue

from dos_alert.alerting import DetectBursts
from dos_alert.counting import TOO_LATE, CountPageViews
from dos_alert.parse import DEAD_LETTER, ParseVisits
from dos_alert.records import PageView
from glue import contract
from glue.simulator.run import Burst, Plan, Simulator

T0 = datetime(2024, 7, 1, 9, 0, tzinfo=timezone.utc).timestamp()  # a window boundary


def view(at: float, page="https://example.com/home", user="UID-1", ip="10.0.0.1") -> TimestampedValue:
    return TimestampedValue(PageView(page, user, "SID-1", ip, at), at)


def summary(counts, dimension="all"):
    """(window offset from T0, count, timing) for one dimension."""
    return (
        counts
        | f"only {dimension}" >> beam.Filter(lambda c: c.dimension == dimension)
        | f"summarise {dimension}" >> beam.Map(lambda c: (int(c.window_start - T0), c.count, c.timing))
    )


def test_on_time_counts_per_window_and_dimension(streaming_pipeline):
    stream = (
        Stream()
        .add_elements(
            [view(T0 + 1), view(T0 + 2, page="https://example.com/cart"), view(T0 + 30, user="UID-2", ip=None)]
        )
        .add_elements([view(T0 + 61)])
        .advance_watermark_to(T0 + 200)
        .advance_watermark_to_infinity()
    )
    with streaming_pipeline() as p:
        counts = (p | stream | CountPageViews(60, 120))["counts"]
        assert_that(summary(counts), equal_to([(0, 3, "ON_TIME"), (60, 1, "ON_TIME")]), label="all")
        assert_that(
            summary(counts, "page"), equal_to([(0, 2, "ON_TIME"), (0, 1, "ON_TIME"), (60, 1, "ON_TIME")]), label="page"
        )
        assert_that(summary(counts, "ip"), equal_to([(0, 2, "ON_TIME"), (60, 1, "ON_TIME")]), label="ip")


def test_a_late_view_within_the_lateness_corrects_its_window(streaming_pipeline):
    stream = (
        Stream()
        .add_elements([view(T0 + 1), view(T0 + 2)])
        .advance_watermark_to(T0 + 90)  # the window [0, 60) fires ON_TIME with 2
        .add_elements([view(T0 + 10)])  # 30 s past its end, inside 120 s of lateness
        .advance_watermark_to_infinity()
    )
    with streaming_pipeline() as p:
        counts = (p | stream | CountPageViews(60, 120))["counts"]
        assert_that(summary(counts), equal_to([(0, 2, "ON_TIME"), (0, 3, "LATE")]))


def test_a_view_past_the_lateness_is_not_counted_but_set_aside(streaming_pipeline):
    late = view(T0 + 10, user="UID-LATE")
    stream = (
        Stream()
        .add_elements([view(T0 + 1)])
        .advance_watermark_to(T0 + 60 + 121)  # past end + allowed lateness
        .add_elements([late])
        .advance_watermark_to_infinity()
    )
    with streaming_pipeline() as p:
        outputs = p | stream | CountPageViews(60, 120)
        assert_that(summary(outputs["counts"]), equal_to([(0, 1, "ON_TIME")]), label="counts")
        # Set aside, so the job can count it (the too_late_page_views metric on Dataflow; the
        # direct runner keeps no metrics in streaming mode, and the FnApiRunner has no TestStream).
        assert_that(outputs[TOO_LATE] | beam.Map(lambda v: v.user_id), equal_to(["UID-LATE"]), label="too late")


def test_the_threshold_is_exceeded_only_above_it(streaming_pipeline):
    at_threshold = [view(T0 + i % 50, user="UID-EDGE", ip=None) for i in range(5)]
    above = [view(T0 + i % 50, user="UID-OVER", ip=None) for i in range(6)]
    stream = Stream().add_elements(at_threshold + above).advance_watermark_to_infinity()
    with streaming_pipeline() as p:
        counts = (p | stream | CountPageViews(60, 120))["counts"]
        alerts = counts | DetectBursts({"user": 5, "all": 1000, "page": 1000})
        assert_that(
            alerts | beam.Map(lambda a: (a.dimension, a.key, a.count, a.threshold)),
            equal_to([("user", "UID-OVER", 6, 5)]),
        )


def test_a_late_pane_alerts_once_when_it_crosses(streaming_pipeline):
    stream = (
        Stream()
        .add_elements([view(T0 + i, user="UID-X", ip=None) for i in range(5)])
        .advance_watermark_to(T0 + 90)
        .add_elements([view(T0 + 20, user="UID-X", ip=None)])  # 6: crosses in a LATE pane
        .add_elements([view(T0 + 21, user="UID-X", ip=None)])  # 7: still above, no second alert
        .advance_watermark_to_infinity()
    )
    with streaming_pipeline() as p:
        alerts = (p | stream | CountPageViews(60, 120))["counts"] | DetectBursts({"user": 5, "all": 1000})
        assert_that(alerts | beam.Map(lambda a: (a.key, a.count, a.timing)), equal_to([("UID-X", 6, "LATE")]))


def simulated_messages(burst: Burst | None, seed: int) -> list[TimestampedValue]:
    """A minute of simulated traffic as Pub/Sub messages with the sink's attributes."""
    captured = []

    class Capture:
        errors = 0

        def write(self, delivery):
            attributes = {"event_time": str(int(delivery.event_time.timestamp() * 1000)), "schema_version": "1"}
            if delivery.client_ip:
                attributes["client_ip"] = delivery.client_ip
            captured.append(
                TimestampedValue(PubsubMessage(delivery.payload.encode(), attributes), delivery.event_time.timestamp())
            )

        def close(self):
            pass

    start = datetime.fromtimestamp(T0, timezone.utc)
    plan = Plan(60, 60, "backfill", start, timedelta(minutes=1), seed=seed, burst=burst)
    Simulator(plan, Capture()).run()
    return captured


@pytest.mark.parametrize("burst", [None, Burst(600, timedelta(minutes=1))], ids=["normal", "burst"])
def test_a_burst_from_one_client_alerts_and_normal_traffic_does_not(streaming_pipeline, burst):
    messages = simulated_messages(burst, seed=22)
    expected = [("user", "UID-0666"), ("ip", _attacker_ip(messages))] if burst else []
    with streaming_pipeline() as p:
        views = (p | Stream().add_elements(messages).advance_watermark_to_infinity() | ParseVisits()).page_views
        alerts = (views | CountPageViews(60, 120))["counts"] | DetectBursts()
        assert_that(alerts | beam.Map(lambda a: (a.dimension, a.key)), equal_to(expected))


def _attacker_ip(messages) -> str:
    for message in messages:
        if json.loads(message.value.data)["user_id"] == "UID-0666":
            return message.value.attributes["client_ip"]
    raise AssertionError("no burst in the simulated traffic")


def test_malformed_messages_go_to_the_dead_letter_with_their_reasons(streaming_pipeline):
    good = json.dumps(contract.visit_to_dict(contract.parse_visit(simulated_messages(None, seed=3)[0].value.data)))
    messages = [
        PubsubMessage(good.encode(), {"event_time": "1719824400000"}),
        PubsubMessage(b'{"session_id": "SID-1", "events": [', {}),
        PubsubMessage(b'{"session_id": "S", "user_id": "U", "device_type": "fridge", "events": []}', {}),
        PubsubMessage(b"\xff\xfe", {"event_time": "not a time"}),
    ]
    with streaming_pipeline() as p:
        parsed = p | Stream().add_elements(messages).advance_watermark_to_infinity() | ParseVisits()
        assert_that(
            parsed[DEAD_LETTER] | beam.Map(lambda m: m.error.split(";")[0]),
            equal_to(
                [
                    "payload: not valid JSON",
                    "device_type: not one of desktop, mobile, tablet",
                    "payload: not valid JSON",
                ]
            ),
            label="dead letters",
        )
        assert_that(
            parsed.raw | beam.Map(lambda m: json.loads(m.payload)["session_id"]),
            equal_to([json.loads(good)["session_id"]]),
            label="archived",
        )


def test_an_alert_is_logged_as_a_structured_warning(caplog):
    from dos_alert.alerting import log_alert
    from dos_alert.records import Alert, iso_time

    alert = Alert("ip", "203.0.113.66", T0, T0 + 60, 601, 300, "ON_TIME")
    with caplog.at_level("WARNING", logger="clickstream.dos_alert"):
        assert log_alert(alert) is alert
    (record,) = caplog.records
    assert record.levelname == "WARNING"
    assert json.loads(record.getMessage()) == {
        "alert": "dos",
        "dimension": "ip",
        "key": "203.0.113.66",
        "window_start": iso_time(T0),
        "window_end": iso_time(T0 + 60),
        "count": 601,
        "threshold": 300,
        "timing": "ON_TIME",
    }


def test_alert_times_are_iso_8601_in_utc():
    from dos_alert.records import iso_time

    # Alerts once carried epoch floats (1796220600.0) where people read times.
    assert iso_time(1796220600.0) == "2026-12-02T14:10:00Z"
    assert iso_time(1796220600.25) == "2026-12-02T14:10:00.25Z"

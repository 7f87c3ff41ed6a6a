"""Parsing: Pub/Sub messages into timestamped page views, with malformed input kept aside.

Every message is parsed with the shared data contract (glue/contract.py). A message that is
not a valid visit goes to the `dead_letter` output with every reason; nothing is dropped.
"""

from __future__ import annotations

from collections.abc import Iterator

import apache_beam as beam
from apache_beam.transforms.window import TimestampedValue

from dos_alert.records import PageView, RawMessage
from glue import contract
from glue.privacy.addresses import truncated_attributes

DEAD_LETTER = "dead_letter"
RAW = "raw"


class _ParseVisit(beam.DoFn):
    def __init__(self):
        self.malformed = beam.metrics.Metrics.counter("dos_alert", "malformed_messages")
        self.page_views = beam.metrics.Metrics.counter("dos_alert", "page_views")

    def process(self, message) -> Iterator[PageView]:
        data, attributes = _unpack(message)
        payload = data.decode("utf-8", errors="replace")
        # What is kept (the archive, the dead letters) holds client_ip truncated; the counts below
        # use the whole address, in memory only.
        raw = RawMessage(payload, tuple(sorted(truncated_attributes(attributes).items())))
        try:
            visit = contract.parse_visit(data)
        except contract.InvalidVisit as invalid:
            self.malformed.inc()
            yield beam.pvalue.TaggedOutput(
                DEAD_LETTER, RawMessage(raw.payload, raw.attributes, "; ".join(invalid.reasons))
            )
            return
        # The archive keeps the message at the source's timestamp (its arrival, or the
        # timestamp attribute on Dataflow), so archive windows follow the stream's watermark.
        yield beam.pvalue.TaggedOutput(RAW, raw)
        client_ip = attributes.get("client_ip") or None
        for event in visit.events:
            if event.event_type == "page_view":
                self.page_views.inc()
                moment = event.timestamp.timestamp()
                yield TimestampedValue(
                    PageView(event.details.page_url, visit.user_id, visit.session_id, client_ip, moment), moment
                )


def _unpack(message) -> tuple[bytes, dict[str, str]]:
    """A PubsubMessage (read with attributes) or bare bytes."""
    if isinstance(message, (bytes, bytearray)):
        return bytes(message), {}
    return message.data or b"", dict(message.attributes or {})


class ParseVisits(beam.PTransform):
    """PubsubMessage -> page views (main), RawMessage (raw, valid visits) and RawMessage (dead_letter).

    Each page view is re-timestamped with its own event time: later than (or equal to) the
    visit's event time that the source stamps from the publisher's attribute, so never behind
    the watermark on that account.
    """

    def expand(self, messages):
        return messages | beam.ParDo(_ParseVisit()).with_outputs(DEAD_LETTER, RAW, main="page_views")

"""Visits-processed notifications (lab task 4): a message per landed object once it is processed.

After a workflow run, each object of `clickstream.landed_objects` with no unprocessed lines is
announced on the visits-processed topic: which object, how many visits, how many rejected.
What was announced is recorded in `<raw>.notified_objects` (object and line count), so an
object is announced once, and again only if more lines are appended to it. The record is
written after Pub/Sub accepted the message: a crash in between announces it twice, never zero
times. `RetrainingTrigger` counts the notified visits for `clickstream ml watch`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

NOTIFIED_COLUMNS = "object_uri VARCHAR, lines BIGINT, message_id VARCHAR, notified_at TIMESTAMPTZ"


@dataclass(frozen=True)
class ObjectProcessed:
    object_uri: str
    lines: int
    visits: int
    rejected: int
    duplicate_lines: int
    processed_at: datetime | None

    @property
    def bucket(self) -> str:
        return self.object_uri.removeprefix("gs://").split("/", 1)[0]

    @property
    def name(self) -> str:
        return self.object_uri.removeprefix("gs://").split("/", 1)[1]

    def to_json(self) -> bytes:
        body = {
            "object": self.object_uri,
            "bucket": self.bucket,
            "name": self.name,
            "lines": self.lines,
            "visits": self.visits,
            "rejected": self.rejected,
            "duplicate_lines": self.duplicate_lines,
            "processed_at": self.processed_at.isoformat() if self.processed_at else None,
        }
        return json.dumps(body).encode()

    @classmethod
    def from_json(cls, data: bytes) -> "ObjectProcessed":
        body = json.loads(data)
        processed = datetime.fromisoformat(body["processed_at"]) if body.get("processed_at") else None
        return cls(body["object"], body["lines"], body["visits"], body["rejected"], body["duplicate_lines"], processed)

    def describe(self) -> str:
        return (
            f"{self.object_uri}: {self.visits:,} visits, {self.rejected:,} rejected, "
            f"{self.duplicate_lines:,} duplicate lines of {self.lines:,}"
        )


def pending(connection, curated: str, raw: str) -> list[ObjectProcessed]:
    """Processed objects not yet announced with their current line count."""
    connection.execute(f'CREATE TABLE IF NOT EXISTS "{raw}".notified_objects ({NOTIFIED_COLUMNS})')
    rows = connection.execute(f"""
        SELECT o.object_uri, o.lines, o.visits, o.rejected, o.duplicate_lines, o.processed_at
        FROM "{curated}".landed_objects AS o
        WHERE o.unprocessed = 0
          AND NOT EXISTS (SELECT 1 FROM "{raw}".notified_objects AS n
                          WHERE n.object_uri = o.object_uri AND n.lines = o.lines)
        ORDER BY o.object_uri""").fetchall()
    return [ObjectProcessed(*row) for row in rows]


def announce(connection, publisher, topic: str, objects: list[ObjectProcessed], raw: str) -> list[str]:
    """Publish one message per object, then record them; returns the message ids."""
    futures = [
        publisher.publish(topic, item.to_json(), bucket=item.bucket, object=item.name, event_type="VISITS_PROCESSED")
        for item in objects
    ]
    ids = [future.result(timeout=60) for future in futures]
    if objects:
        connection.execute(
            f'INSERT INTO "{raw}".notified_objects SELECT unnest($1), unnest($2), unnest($3), now()',
            [[o.object_uri for o in objects], [o.lines for o in objects], ids],
        )
    return ids


def announce_processed(settings, warehouse) -> list[ObjectProcessed]:
    """Announce what is pending on the visits-processed topic of the stack the environment points at."""
    from google.cloud import pubsub_v1

    from glue.runner import connect

    publisher = pubsub_v1.PublisherClient()
    topic = publisher.topic_path(settings.local_project, settings.pubsub["processed_topic"])
    connection = connect(warehouse)
    try:
        objects = pending(connection, settings.curated_dataset, settings.raw_dataset)
        announce(connection, publisher, topic, objects, settings.raw_dataset)
    finally:
        connection.close()
    return objects


# The longest a single pull waits for messages; a watch with a shorter timeout waits less.
PULL_WAIT_SECONDS = 30


def next_messages(subscriber, subscription: str, timeout: float | None, clock=None, pause=None):
    """The next non-empty pull from the subscription, or None once `timeout` seconds pass with
    nothing. No pull waits past the deadline, so a watch ends when it was told to."""
    import time

    from google.api_core import exceptions

    clock, pause = clock or time.monotonic, pause or time.sleep
    deadline = None if timeout is None else clock() + timeout
    while deadline is None or clock() < deadline:
        wait = PULL_WAIT_SECONDS if deadline is None else max(0.1, min(PULL_WAIT_SECONDS, deadline - clock()))
        try:
            response = subscriber.pull(subscription=subscription, max_messages=100, timeout=wait, retry=None)
        except exceptions.DeadlineExceeded:
            continue
        if response.received_messages:
            return response
        # An empty pull can return at once (the emulator does); don't spin on it.
        pause(min(0.2, wait))
    return None


def pulled(subscriber, subscription: str, timeout: float | None, count: int | None = None):
    """Each batch of notifications from the subscription, as [(publish time, ObjectProcessed)],
    acknowledged once the caller is done with it; ends after `count` notifications, or when
    nothing arrives for `timeout` seconds."""
    seen = 0
    while count is None or seen < count:
        response = next_messages(subscriber, subscription, timeout)
        if response is None:
            return
        yield [(m.message.publish_time, ObjectProcessed.from_json(m.message.data)) for m in response.received_messages]
        subscriber.acknowledge(subscription=subscription, ack_ids=[m.ack_id for m in response.received_messages])
        seen += len(response.received_messages)


@dataclass
class RetrainingTrigger:
    """When new visits call for the ml workflow: visits-processed notifications counted until there
    are enough of them (the ml_retrain_min_new_visits var) to make a training worth a look.

    The workflow's own SQL decides whether a model really trains (its IF counts the new visits in
    session_features); this only saves running it for every landed object. Its scores and export
    run with it either way.
    """

    min_new_visits: int
    waiting_visits: int = 0  # processed since the workflow last ran

    def notified(self, processed: list[ObjectProcessed]) -> bool:
        """Counts the objects' visits; True when the ml workflow should run now (the count restarts)."""
        self.waiting_visits += sum(item.visits for item in processed)
        if self.waiting_visits < self.min_new_visits:
            return False
        self.waiting_visits = 0
        return True

"""Locally, what a Pub/Sub BigQuery subscription with write_metadata does on Google Cloud.

The emulator accepts a BigQuery subscription's config and ignores it, so this process pulls
from that subscription and writes each message into `<raw>.visits_pubsub` in the local
warehouse with the same columns (subscription_name, message_id, publish_time, data,
attributes). Delivery follows the real subscription's rules:

- A message is acknowledged only after the transaction holding it has committed. A crash
  between the two redelivers it; the raw table is at-least-once, and staging deduplicates.
- A message that cannot be written (its body is not UTF-8, so it has no STRING form) is
  nacked; Pub/Sub redelivers it and, after the subscription's max_delivery_attempts, moves it
  to the dead-letter topic. It never blocks the messages behind it.
- When the warehouse itself cannot be written (held by a run, say), the batch is retried and
  nothing is acknowledged; the sink extends the messages' leases meanwhile.
"""

from __future__ import annotations

import json
import threading
import time
import warnings
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timezone
from pathlib import Path
from typing import Callable

from glue.privacy.addresses import truncated_attributes
from glue.runner import PUBSUB_COLUMNS, WarehouseBusy, connect, ensure_schema

PULL_TIMEOUT = 30  # seconds a pull may wait for the emulator
IDLE_PAUSE = 0.1  # seconds between pulls that came back empty
MAX_LATENCY = 0.5  # seconds a message may wait in the sink before its batch is written
LEASE_EXTENSION = 30  # seconds a batch is re-leased for while the warehouse is busy


@dataclass
class SinkStats:
    received: int = 0
    written: int = 0
    nacked: int = 0
    dead_lettered: int = 0
    batches: int = 0
    write_retries: int = 0
    write_seconds: float = 0.0
    started: float = field(default_factory=time.monotonic)

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.started

    def line(self) -> str:
        rate = self.written / self.seconds if self.seconds else 0.0
        return (
            f"received {self.received:,}  written {self.written:,}  nacked {self.nacked:,}  "
            f"dead-lettered {self.dead_lettered:,}  batches {self.batches:,}  ({rate:,.0f} msg/s since start)"
        )


def to_row(subscription_name: str, message) -> tuple | None:
    """The write_metadata row for a PubsubMessage (raw protobuf), or None when its body has no
    STRING form."""
    try:
        data = message.data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return (
        subscription_name,
        message.message_id,
        message.publish_time.ToDatetime(tzinfo=timezone.utc),
        data,
        # The BigQuery subscription's transform truncates client_ip before the row is written.
        json.dumps(truncated_attributes(dict(message.attributes)), sort_keys=True),
    )


class SubscriptionSink:
    def __init__(
        self,
        subscription: str,
        warehouse: Path,
        raw_dataset: str,
        table: str = "visits_pubsub",
        max_delivery_attempts: int = 5,
        max_batch: int = 2000,
        subscriber=None,
        say: Callable[[str], None] = lambda line: None,
    ):
        from google.cloud import pubsub_v1

        self.subscription, self.warehouse = subscription, Path(warehouse)
        self.subscription_name = subscription.rsplit("/", 1)[-1]
        self.target = f'"{raw_dataset}".{table}'
        self.raw_dataset = raw_dataset
        self.max_delivery_attempts, self.max_batch = max_delivery_attempts, max_batch
        self.subscriber = subscriber or pubsub_v1.SubscriberClient()
        self.stats = SinkStats()
        self.say = say
        self._table_ready = False

    def run(
        self,
        stop: threading.Event | None = None,
        idle_timeout: float | None = None,
        until: Callable[[SinkStats], bool] | None = None,
        on_batch: Callable[[SinkStats], None] | None = None,
        on_idle: Callable[[SinkStats], None] | None = None,
    ) -> SinkStats:
        """Pull and write until `stop` is set, nothing arrives for `idle_timeout` seconds, or
        `until(stats)` is true (asked whenever the subscription has nothing more to give).
        `on_batch` follows each written batch, `on_idle` the first empty pull after some."""
        stop = stop or threading.Event()
        self.stats = SinkStats()
        last_message = time.monotonic()
        busy = False
        # While one batch is written and acknowledged, the next is pulled: the two take about
        # as long as each other. At most one batch is in flight, so acks stay after writes.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sink-writer") as writer:
            in_flight: Future | None = None
            while not stop.is_set():
                batch = self._pull_batch()
                if in_flight is not None:
                    in_flight.result()
                    in_flight = None
                    if on_batch:
                        on_batch(self.stats)
                if batch:
                    last_message, busy = time.monotonic(), True
                    in_flight = writer.submit(self._deliver, batch, stop)
                    continue
                if busy and on_idle:
                    on_idle(self.stats)
                busy = False
                if until is not None and until(self.stats):
                    break
                if idle_timeout is not None and time.monotonic() - last_message >= idle_timeout:
                    break
                stop.wait(IDLE_PAUSE)  # pulls return at once: don't spin on an idle subscription
            if in_flight is not None:
                in_flight.result()
        return self.stats

    def _pull_batch(self) -> list:
        """Pull until max_batch messages, an empty pull, or MAX_LATENCY seconds.

        The emulator hands out about a hundred messages per pull, and each warehouse write
        opens, commits and closes the DuckDB file (so that a run can take it in between);
        gathering several pulls per write keeps that cost per message small.
        """
        batch: list = []
        deadline = time.monotonic() + MAX_LATENCY
        while len(batch) < self.max_batch and time.monotonic() < deadline:
            pulled = self._pull(self.max_batch - len(batch))
            if not pulled:
                break
            batch += pulled
        return batch

    def _pull(self, max_messages: int) -> list:
        """One synchronous pull that returns at once, empty when nothing is available.

        Unary pull, not streaming pull: on the emulator it is more than ten times faster
        (bench/streaming.py), and a pulled message's lease is plainly the subscription's ack
        deadline, so a crashed sink's messages come back after it. return_immediately is
        deprecated on Google Cloud but this sink only runs against the emulator, which otherwise
        holds a pull open until outstanding messages expire and are redelivered.
        """
        from google.api_core import exceptions

        request = {"subscription": self.subscription, "max_messages": max_messages, "return_immediately": True}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                response = self.subscriber.pull(request=request, timeout=PULL_TIMEOUT)
        except (exceptions.DeadlineExceeded, exceptions.ServiceUnavailable):
            return []
        # The raw protobuf messages: proto-plus wrappers cost more per field than the write does.
        return list(response._pb.received_messages)

    def _deliver(self, batch: list, stop: threading.Event) -> None:
        self.stats.received += len(batch)
        rows, unwritable = [], []
        for received in batch:
            row = to_row(self.subscription_name, received.message)
            (unwritable if row is None else rows).append((received, row))
        if rows and not self._write_with_retry([row for _, row in rows], [r.ack_id for r, _ in rows], stop):
            self._nack([r.ack_id for r, _ in rows + unwritable])
            return
        if rows:
            self.subscriber.acknowledge(subscription=self.subscription, ack_ids=[r.ack_id for r, _ in rows])
            self.stats.written += len(rows)
            self.stats.batches += 1
        for received, _ in unwritable:
            # delivery_attempt counts this delivery; at the limit, this nack sends it to the dead-letter topic.
            if (received.delivery_attempt or 0) >= self.max_delivery_attempts:
                self.stats.dead_lettered += 1
        self._nack([r.ack_id for r, _ in unwritable])
        self.stats.nacked += len(unwritable)

    def _write_with_retry(self, rows: list[tuple], ack_ids: list[str], stop: threading.Event) -> bool:
        """Write, waiting out a busy warehouse while keeping the messages leased. False if stopped."""
        backoff = 0.05
        while True:
            try:
                began = time.perf_counter()
                self._write(rows)
                self.stats.write_seconds += time.perf_counter() - began
                return True
            except WarehouseBusy:
                if stop.is_set():
                    return False
                if backoff == 0.05:
                    self.say(f"warehouse busy: holding {len(rows):,} messages unacknowledged until it is free")
                self.stats.write_retries += 1
                self.subscriber.modify_ack_deadline(
                    subscription=self.subscription, ack_ids=ack_ids, ack_deadline_seconds=LEASE_EXTENSION
                )
                stop.wait(backoff)
                backoff = min(backoff * 2, 2.0)

    def _nack(self, ack_ids: list[str]) -> None:
        if ack_ids:
            self.subscriber.modify_ack_deadline(subscription=self.subscription, ack_ids=ack_ids, ack_deadline_seconds=0)

    def _write(self, rows: list[tuple]) -> None:
        columns = list(zip(*rows))
        connection = connect(self.warehouse, lock_timeout=5, functions=False)
        try:
            if not self._table_ready:
                ensure_schema(connection, self.raw_dataset)
                connection.execute(f"CREATE TABLE IF NOT EXISTS {self.target} ({PUBSUB_COLUMNS})")
                self._table_ready = True
            # One statement per batch: DuckDB unnests the column lists side by side.
            connection.execute(
                f"INSERT INTO {self.target} SELECT unnest($1), unnest($2), unnest($3), unnest($4), unnest($5)",
                [list(c) for c in columns],
            )
        finally:
            connection.close()

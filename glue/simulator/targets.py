"""Where simulated visits go: stdout, JSONL files, Cloud Storage objects, a Pub/Sub topic.

Every sink takes `Delivery` objects and reports failures in `errors` rather than dropping
them. The Cloud Storage and Pub/Sub sinks use the official client libraries, so the same
code talks to Google Cloud or, through STORAGE_EMULATOR_HOST / PUBSUB_EMULATOR_HOST, to the
local emulators.
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from concurrent import futures as cf
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Protocol

from glue.contract import SCHEMA_VERSION
from glue.settings import landing_hour_partition
from glue.simulator.faults import Delivery

ROTATIONS = {"hour": "%Y-%m-%dT%H", "day": "%Y-%m-%d"}


class Sink(Protocol):
    errors: int

    def write(self, delivery: Delivery) -> None: ...

    def close(self) -> None: ...


def object_name(event_time: datetime, rotate: str) -> str:
    """Files and objects are named by the event time they hold, not the time they were written."""
    return f"visits-{event_time.astimezone(timezone.utc).strftime(ROTATIONS[rotate])}.jsonl"


class StdoutSink:
    def __init__(self, stream: IO[str] | None = None):
        self.stream = stream or sys.stdout
        self.errors = 0

    def write(self, delivery: Delivery) -> None:
        self.stream.write(delivery.payload + "\n")

    def close(self) -> None:
        self.stream.flush()


class FileSink:
    """JSONL files under `directory`, one per hour or day of event time."""

    def __init__(self, directory: Path, rotate: str = "hour"):
        self.directory, self.rotate = Path(directory), rotate
        self.directory.mkdir(parents=True, exist_ok=True)
        self.handles: dict[str, IO[str]] = {}
        self.errors = 0

    def write(self, delivery: Delivery) -> None:
        name = object_name(delivery.event_time, self.rotate)
        handle = self.handles.get(name)
        if handle is None:
            handle = self.handles[name] = open(self.directory / name, "a", encoding="utf-8")
        handle.write(delivery.payload + "\n")

    def close(self) -> None:
        for handle in self.handles.values():
            handle.close()
        self.handles.clear()

    @property
    def paths(self) -> list[Path]:
        return sorted(self.directory.glob("visits-*.jsonl"))


class GcsSink:
    """Objects gs://BUCKET/PREFIX/hour=<hour landed>/visits-<event hour>-<run>-<part>.jsonl.

    Objects are immutable, so lines are buffered per event hour and uploaded as a new part
    when the buffer is large or the run ends; `run_id` keeps parts of different runs apart.
    """

    def __init__(
        self, uri: str, rotate: str = "hour", run_id: str | None = None, max_buffer_bytes: int = 8 << 20, client=None
    ):
        from google.cloud import storage

        bucket, _, prefix = uri.removeprefix("gs://").partition("/")
        if not bucket:
            raise ValueError(f"not a gs://BUCKET/PREFIX uri: {uri!r}")
        self.client = client or storage.Client()
        self.bucket = self.client.bucket(bucket)
        self.prefix, self.rotate = prefix.strip("/"), rotate
        self.run_id = run_id or datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
        self.max_buffer_bytes = max_buffer_bytes
        self.buffers: dict[str, list[str]] = defaultdict(list)
        self.sizes: dict[str, int] = defaultdict(int)
        self.parts: dict[str, int] = defaultdict(int)
        self.uploaded: list[str] = []
        self.errors = 0

    def write(self, delivery: Delivery) -> None:
        key = object_name(delivery.event_time, self.rotate).removesuffix(".jsonl")
        self.buffers[key].append(delivery.payload)
        self.sizes[key] += len(delivery.payload) + 1
        if self.sizes[key] >= self.max_buffer_bytes:
            self._upload(key)

    def _upload(self, key: str, attempts: int = 3) -> None:
        lines = self.buffers.pop(key, [])
        self.sizes.pop(key, None)
        if not lines:
            return
        self.parts[key] += 1
        name = f"{key}-{self.run_id}-{self.parts[key]:04d}.jsonl"
        # Under the hour it lands: the landing table's hive partition, so that a run reads only new objects.
        name = f"{landing_hour_partition()}/{name}"
        path = f"{self.prefix}/{name}" if self.prefix else name
        body = "\n".join(lines) + "\n"
        for attempt in range(1, attempts + 1):
            try:
                self.bucket.blob(path).upload_from_string(body, content_type="application/x-ndjson")
                self.uploaded.append(path)
                return
            except Exception as error:  # noqa: BLE001 - reported, then retried or counted
                print(f"upload of gs://{self.bucket.name}/{path} failed (try {attempt}): {error}", file=sys.stderr)
                time.sleep(0.2 * attempt)
        self.errors += len(lines)

    def close(self) -> None:
        for key in list(self.buffers):
            self._upload(key)


class PubSubSink:
    """Batched publishing with the attributes downstream readers rely on.

    `event_time` (epoch ms) is what Beam's ReadFromPubSub(timestamp_attribute=...) reads;
    `schema_version` and `producer` let subscribers route or reject what they don't know.
    Failed publishes are retried, then counted in `errors` and reported; never dropped silently.
    """

    def __init__(
        self,
        topic: str,
        project: str | None = None,
        producer: str = "clickstream-simulator",
        max_messages: int = 500,
        max_latency: float = 0.05,
        retries: int = 3,
        max_in_flight: int = 20_000,
        client=None,
    ):
        from google.cloud import pubsub_v1

        if client is None:
            settings = pubsub_v1.types.BatchSettings(
                max_messages=max_messages, max_bytes=4 << 20, max_latency=max_latency
            )
            client = pubsub_v1.PublisherClient(batch_settings=settings)
        self.client = client
        self.topic = topic if topic.startswith("projects/") else client.topic_path(_project(project), topic)
        self.producer, self.retries, self.max_in_flight = producer, retries, max_in_flight
        self.pending: set[cf.Future] = set()
        self.published = 0
        self.errors = 0
        self.retried = 0

    def _publish(self, delivery: Delivery, attempt: int) -> None:
        attributes = {
            "event_time": str(int(delivery.event_time.timestamp() * 1000)),
            "schema_version": SCHEMA_VERSION,
            "producer": self.producer,
        }
        if delivery.client_ip:
            attributes["client_ip"] = delivery.client_ip
        future = self.client.publish(self.topic, delivery.payload.encode("utf-8"), **attributes)
        self.pending.add(future)
        future.add_done_callback(lambda f: self._done(f, delivery, attempt))

    def _done(self, future: cf.Future, delivery: Delivery, attempt: int) -> None:
        self.pending.discard(future)
        error = future.exception()
        if error is None:
            self.published += 1
        elif attempt < self.retries:
            self.retried += 1
            self._publish(delivery, attempt + 1)
        else:
            self.errors += 1
            print(f"publish failed after {attempt} tries: {error}", file=sys.stderr)

    def write(self, delivery: Delivery) -> None:
        # Back-pressure: never let unacknowledged publishes grow without bound.
        while len(self.pending) >= self.max_in_flight:
            cf.wait(list(self.pending), timeout=1, return_when=cf.FIRST_COMPLETED)
        self._publish(delivery, 1)

    def flush(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while self.pending and time.monotonic() < deadline:
            cf.wait(list(self.pending), timeout=1)
        if self.pending:
            self.errors += len(self.pending)
            print(f"{len(self.pending)} publishes still unconfirmed after {timeout:.0f}s", file=sys.stderr)

    def close(self) -> None:
        self.flush()
        self.client.stop()


def _project(project: str | None) -> str:
    import os

    project = project or os.environ.get("GOOGLE_CLOUD_PROJECT") or os.environ.get("PUBSUB_PROJECT_ID")
    if not project:
        raise ValueError("no project: pass a full projects/P/topics/T path or set GOOGLE_CLOUD_PROJECT")
    return project


def open_sink(target: str, rotate: str = "hour", project: str | None = None) -> Sink:
    """`stdout`, `file:DIR`, `gcs:gs://BUCKET/PREFIX` or `pubsub:TOPIC`."""
    kind, _, rest = target.partition(":")
    if kind == "stdout":
        return StdoutSink()
    if kind == "file" and rest:
        return FileSink(Path(rest), rotate)
    if kind == "gcs" and rest:
        return GcsSink(rest, rotate)
    if kind == "pubsub" and rest:
        return PubSubSink(rest, project)
    raise ValueError(f"unknown sink {target!r}: use stdout, file:DIR, gcs:gs://BUCKET/PREFIX or pubsub:TOPIC")

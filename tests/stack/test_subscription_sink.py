"""Streaming ingestion on the real emulator: Pub/Sub -> subscription sink -> visits_pubsub -> tables.

Each test provisions its own project on the shared emulator with the same code as
`clickstream provision`, so topics, subscriptions and dead-letter policy are the real ones.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from google.cloud import pubsub_v1

from glue import contract
from glue.provision.landing import Clients, pubsub_resources
from glue.provision.plan import apply, make_plan
from glue.runner import RunOptions, connect, run_workflow
from glue.simulator.faults import FaultConfig
from glue.simulator.run import Plan, Simulator
from glue.simulator.targets import PubSubSink
from glue.stack import SubscriptionSink

pytestmark = pytest.mark.emulator
_ids = itertools.count(1)


@pytest.fixture
def streaming(settings, pubsub_emulator, tmp_path):
    """A provisioned project on the emulator, and settings whose local dir is this test's."""
    project = f"stream-test-{next(_ids)}"
    # A short ack deadline: messages held by a killed sink come back in seconds, not a minute.
    infra = {**settings.infra, "pubsub": {**settings.pubsub, "ack_deadline_seconds": 10}}
    local = dataclasses.replace(settings, infra=infra, local_dir=tmp_path / "local")
    clients = Clients(
        publisher=pubsub_v1.PublisherClient(),
        subscriber=pubsub_v1.SubscriberClient(),
        schemas=pubsub_v1.SchemaServiceClient(),
    )
    apply(make_plan(pubsub_resources(local, project, clients)))
    names = local.pubsub
    return dataclasses.make_dataclass(
        "Streaming", ["project", "settings", "clients", "topic", "subscription", "dead_letter_hold"]
    )(
        project,
        local,
        clients,
        clients.publisher.topic_path(project, names["visits_topic"]),
        clients.subscriber.subscription_path(project, names["bigquery_subscription"]),
        clients.subscriber.subscription_path(project, names["dead_letter_subscription"]),
    )


def publish_simulated(topic: str, count: int, seed: int, **faults) -> list[str]:
    """Publish `count` simulated visits (with faults); returns every payload sent, in order."""
    sent: list[str] = []

    class Recording(PubSubSink):
        def write(self, delivery):
            sent.append(delivery.payload)
            super().write(delivery)

    sink = Recording(topic)
    plan = Plan(
        60, count, "backfill", contract.parse_timestamp("2024-07-01T09:00:00"), seed=seed, faults=FaultConfig(**faults)
    )
    stats = Simulator(plan, sink).run()
    assert stats.errors == 0
    return sent


def sink_for(streaming, **kwargs) -> SubscriptionSink:
    return SubscriptionSink(
        streaming.subscription,
        streaming.settings.warehouse,
        streaming.settings.raw_dataset,
        max_delivery_attempts=streaming.settings.pubsub["max_delivery_attempts"],
        **kwargs,
    )


def run_sink(sink: SubscriptionSink, until, limit: float = 120):
    """Run the sink until `until(stats)`; `limit` only guards against a hang (the test then fails)."""
    stop = threading.Event()
    timer = threading.Timer(limit, stop.set)
    timer.start()
    try:
        return sink.run(stop, until=until)
    finally:
        timer.cancel()


def raw_rows(settings, query: str):
    connection = connect(settings.warehouse)
    try:
        return connection.execute(query.format(raw=settings.raw_dataset)).fetchall()
    finally:
        connection.close()


def test_every_published_visit_reaches_the_tables_once(streaming):
    sent = publish_simulated(streaming.topic, 600, seed=11, malformed_rate=0.05, duplicate_rate=0.05)
    stats = run_sink(sink_for(streaming), until=lambda s: s.written >= len(sent))
    assert stats.written == len(sent) and stats.nacked == 0

    rows = raw_rows(
        streaming.settings,
        "SELECT subscription_name, message_id, publish_time, data, attributes FROM {raw}.visits_pubsub",
    )
    assert sorted(r[3] for r in rows) == sorted(sent)
    assert {r[0] for r in rows} == {"visits-to-bigquery"}
    assert len({r[1] for r in rows}) == len(sent)
    assert json.loads(rows[0][4])["producer"] == "clickstream-simulator" and rows[0][2] is not None
    # As the BigQuery subscription's transform leaves them: client_ip truncated to its /24.
    addresses = {json.loads(r[4]).get("client_ip") for r in rows} - {None}
    assert addresses and all(address.endswith(".0") for address in addresses), addresses

    report, _, _ = run_workflow(streaming.settings, RunOptions())
    assert not report.failed(), [r.message for r in report.failed()]
    connection = connect(streaming.settings.warehouse)
    distinct = len(set(p.strip() for p in sent))
    sessions, rejected = (
        connection.execute(f"SELECT COUNT(*) FROM clickstream.{t}").fetchone()[0]
        for t in ("sessions", "rejected_visits")
    )
    malformed = sum(bool(contract.validate_payload(p)) for p in set(sent))
    assert (sessions, rejected) == (distinct - malformed, malformed)
    assert malformed > 0 and distinct < len(sent)
    reasons = connection.execute("SELECT DISTINCT source FROM clickstream.rejected_visits").fetchall()
    assert reasons == [("pubsub",)]


def test_a_message_that_cannot_be_written_is_dead_lettered_and_blocks_nothing(streaming):
    publisher = streaming.clients.publisher
    publisher.publish(streaming.topic, b"\xff\xfe not utf-8", origin="test").result()
    valid = publish_simulated(streaming.topic, 50, seed=12)
    attempts = streaming.settings.pubsub["max_delivery_attempts"]

    # The emulator moves a message to the dead-letter topic when it would deliver it once more,
    # so the sink keeps pulling while the test waits for the message on the dead-letter side.
    sink, stop = sink_for(streaming), threading.Event()
    worker = threading.Thread(target=sink.run, args=(stop,))
    worker.start()
    subscriber = streaming.clients.subscriber
    deadline, held = time.monotonic() + 60, []
    try:
        while not held and time.monotonic() < deadline:
            held = subscriber.pull(
                subscription=streaming.dead_letter_hold, max_messages=10, timeout=5
            ).received_messages
    finally:
        stop.set()
        worker.join()
    stats = sink.stats
    assert stats.written == 50 and stats.nacked == attempts and stats.dead_lettered == 1
    assert sorted(r[0] for r in raw_rows(streaming.settings, "SELECT data FROM {raw}.visits_pubsub")) == sorted(valid)
    assert [m.message.data for m in held] == [b"\xff\xfe not utf-8"]
    assert held[0].message.attributes["CloudPubSubDeadLetterSourceDeliveryCount"] == str(attempts)
    assert held[0].message.attributes["origin"] == "test"


def test_killing_the_sink_mid_stream_loses_nothing(streaming, tmp_path):
    settings = streaming.settings
    first = publish_simulated(streaming.topic, 2000, seed=13)
    env = {
        **os.environ,
        "GOOGLE_CLOUD_PROJECT": streaming.project,
        "CLICKSTREAM_LOCAL_DIR": str(settings.local_dir),
        "PYTHONUNBUFFERED": "1",
    }
    log_path = tmp_path / "sink.log"
    log = open(log_path, "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "glue", "local", "sink", "--max-batch", "500"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline, written = time.monotonic() + 60, 0
        while written < len(first) and time.monotonic() < deadline and process.poll() is None:
            if settings.warehouse.exists():
                written = raw_rows(settings, "SELECT COUNT(*) FROM {raw}.visits_pubsub")[0][0]
        assert written == len(first), log_path.read_text()
        # Hold the warehouse so that the sink is caught with a batch pulled but not written,
        # then kill it there: a crash mid-stream, no clean shutdown, no nacks.
        holder = connect(settings.warehouse)
        second = publish_simulated(streaming.topic, 2000, seed=14)
        while "warehouse busy: holding" not in log_path.read_text() and time.monotonic() < deadline:
            assert process.poll() is None, log_path.read_text()
        assert "warehouse busy: holding" in log_path.read_text()
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        holder.close()
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()
    sent = first + second
    assert raw_rows(settings, "SELECT COUNT(*) FROM {raw}.visits_pubsub")[0][0] == len(first)

    def all_landed(_stats) -> bool:
        count = raw_rows(settings, "SELECT COUNT(DISTINCT message_id) FROM {raw}.visits_pubsub")[0][0]
        return count >= len(sent)

    # The killed sink's leases run out after the subscription's ack deadline; then a new sink gets them.
    run_sink(sink_for(streaming), until=all_landed)
    rows = raw_rows(settings, "SELECT message_id, data FROM {raw}.visits_pubsub")
    assert sorted(data for _, data in rows) == sorted(sent)
    report, _, _ = run_workflow(settings, RunOptions(tags=("staging",)))
    assert not report.failed()
    staged = (
        connect(settings.warehouse).execute("SELECT COUNT(*) FROM clickstream_staging.stg_visit_payloads").fetchone()[0]
    )
    assert staged == len(set(p.strip() for p in sent))

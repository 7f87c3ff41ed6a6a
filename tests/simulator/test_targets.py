"""The simulator's Pub/Sub target against Google's real emulator: every message arrives with its attributes."""

import json

import pytest

from glue import contract
from glue.simulator.run import Plan, Simulator
from glue.simulator.targets import PubSubSink

pytestmark = pytest.mark.emulator


def test_simulated_visits_reach_a_subscription_with_attributes(pubsub_emulator):
    from google.cloud import pubsub_v1

    project = "local-test"
    publisher, subscriber = pubsub_v1.PublisherClient(), pubsub_v1.SubscriberClient()
    topic = publisher.create_topic(name=publisher.topic_path(project, "visits")).name
    subscription = subscriber.create_subscription(
        name=subscriber.subscription_path(project, "visits-check"), topic=topic
    ).name
    sink = PubSubSink(topic)
    plan = Plan(60, 250, "backfill", contract.parse_timestamp("2024-07-01T09:00:00"), seed=4)
    stats = Simulator(plan, sink).run()
    assert stats.errors == 0 and sink.published == 250

    received = []
    while len(received) < 250:
        response = subscriber.pull(subscription=subscription, max_messages=100, timeout=10)
        if not response.received_messages:
            break
        received += response.received_messages
        subscriber.acknowledge(subscription=subscription, ack_ids=[m.ack_id for m in response.received_messages])
    assert len(received) == 250
    first = received[0].message
    doc = json.loads(first.data)
    assert contract.validate(doc) == []
    assert first.attributes["schema_version"] == contract.SCHEMA_VERSION
    assert first.attributes["producer"] == "clickstream-simulator"
    assert int(first.attributes["event_time"]) == int(min(contract.event_times(doc)).timestamp() * 1000)

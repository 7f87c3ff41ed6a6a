"""Subscription sink benchmark: messages/s from the Pub/Sub emulator into the warehouse, next to
the client library's raw pull rates (receive and ack, nothing else) in the same run.

    .venv/bin/python bench/streaming.py [--messages 50000] [--max-batch 2000]
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

from glue.simulator.visits import VisitFactory
from glue.stack import PubSubEmulator, SubscriptionSink

START = datetime(2024, 7, 1, tzinfo=timezone.utc)
PROJECT = "bench-streaming"


def publish(publisher, topic: str, count: int) -> None:
    factory = VisitFactory(random.Random(1))
    payloads = [json.dumps(factory.visit(START)).encode() for _ in range(count)]
    for future in [publisher.publish(topic, p, producer="bench") for p in payloads]:
        future.result()


def unary_pull_rate(subscriber, subscription: str, count: int, batch: int) -> float:
    """Synchronous pull and ack, the way the sink pulls, with nothing in between."""
    got, started = 0, time.perf_counter()
    while got < count:
        ack_ids = [
            m.ack_id
            for m in subscriber.pull(subscription=subscription, max_messages=batch, timeout=30).received_messages
        ]
        if ack_ids:
            subscriber.acknowledge(subscription=subscription, ack_ids=ack_ids)
        got += len(ack_ids)
    return count / (time.perf_counter() - started)


def streaming_pull_rate(subscriber, subscription: str, count: int) -> float:
    """Streaming pull with an immediate ack: the ceiling for anything that consumes the stream."""
    from google.cloud import pubsub_v1

    received, done = [0], threading.Event()
    lock = threading.Lock()

    def callback(message):
        message.ack()
        with lock:
            received[0] += 1
            if received[0] >= count:
                done.set()

    started = time.perf_counter()
    future = subscriber.subscribe(subscription, callback, flow_control=pubsub_v1.types.FlowControl(max_messages=4000))
    done.wait(timeout=600)
    elapsed = time.perf_counter() - started
    future.cancel()
    assert received[0] >= count, f"raw pull got {received[0]} of {count}"
    return count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--max-batch", type=int, default=2000)
    args = parser.parse_args()
    from google.cloud import pubsub_v1

    with PubSubEmulator(), tempfile.TemporaryDirectory() as directory:
        publisher, subscriber = pubsub_v1.PublisherClient(), pubsub_v1.SubscriberClient()
        topic = publisher.create_topic(name=publisher.topic_path(PROJECT, "visits")).name
        unary = subscriber.create_subscription(
            name=subscriber.subscription_path(PROJECT, "unary-pull"), topic=topic
        ).name
        streaming = subscriber.create_subscription(
            name=subscriber.subscription_path(PROJECT, "streaming-pull"), topic=topic
        ).name
        sink_sub = subscriber.create_subscription(
            name=subscriber.subscription_path(PROJECT, "visits-to-bigquery"), topic=topic
        ).name
        print(f"publishing {args.messages:,} simulated visits ...")
        publish(publisher, topic, args.messages)

        pull = unary_pull_rate(subscriber, unary, args.messages, args.max_batch)
        stream = streaming_pull_rate(subscriber, streaming, args.messages)
        sink = SubscriptionSink(
            sink_sub, Path(directory) / "warehouse.duckdb", "clickstream_raw", max_batch=args.max_batch
        )
        started = time.perf_counter()
        stats = sink.run(until=lambda s: s.written >= args.messages)
        elapsed = time.perf_counter() - started
        rate = stats.written / elapsed
        print(f"client streaming pull (ack only):   {stream:10,.0f} msg/s")
        print(f"client unary pull (ack only):       {pull:10,.0f} msg/s")
        print(
            f"subscription sink into DuckDB:      {rate:10,.0f} msg/s  ({rate / pull:.0%} of the unary pull), "
            f"{stats.batches} batches, {stats.write_seconds:.2f}s of {elapsed:.2f}s writing"
        )


if __name__ == "__main__":
    main()

"""Simulator benchmark: visits/s to files, Pub/Sub emulator publish rate next to the raw client, pacing.

.venv/bin/python bench/simulator.py [--messages 20000] [--pacing-seconds 60]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from glue.simulator.run import Plan, Simulator
from glue.simulator.targets import FileSink, PubSubSink
from glue.simulator.visits import VisitFactory
from glue.stack import PubSubEmulator

START = datetime(2024, 7, 1, tzinfo=timezone.utc)


class NullSink:
    errors = 0

    def write(self, delivery):
        pass

    def close(self):
        pass


def file_rate(count: int) -> float:
    with tempfile.TemporaryDirectory() as directory:
        started = time.perf_counter()
        Simulator(Plan(600, count, "backfill", START, seed=1), FileSink(Path(directory))).run()
        return count / (time.perf_counter() - started)


def pubsub_rates(count: int) -> tuple[float, float]:
    import random

    from google.cloud import pubsub_v1

    factory = VisitFactory(random.Random(1))
    payloads = [json.dumps(factory.visit(START)).encode() for _ in range(count)]
    with PubSubEmulator():
        publisher = pubsub_v1.PublisherClient()
        raw_topic = publisher.create_topic(name=publisher.topic_path("bench", "raw")).name
        sim_topic = publisher.create_topic(name=publisher.topic_path("bench", "sim")).name
        started = time.perf_counter()
        futures = [publisher.publish(raw_topic, p, event_time="0") for p in payloads]
        for future in futures:
            future.result()
        raw = count / (time.perf_counter() - started)
        sink = PubSubSink(sim_topic)
        started = time.perf_counter()
        stats = Simulator(Plan(600, count, "backfill", START, seed=1), sink).run()
        simulated = sink.published / (time.perf_counter() - started)
        assert stats.errors == 0 and sink.published == count
        # The sink alone, on the raw run's payloads: what the sink's batching, attributes and
        # retry bookkeeping cost, apart from generating visits.
        from glue.simulator.faults import Delivery

        deliveries = [Delivery(p.decode(), START) for p in payloads]
        sink_topic = publisher.create_topic(name=publisher.topic_path("bench", "sink")).name
        sink = PubSubSink(sink_topic)
        started = time.perf_counter()
        for delivery in deliveries:
            sink.write(delivery)
        sink.close()
        sink_only = sink.published / (time.perf_counter() - started)
    return raw, simulated, sink_only


def pacing(seconds: int, per_minute: int = 600) -> tuple[float, float]:
    count = per_minute * seconds // 60
    started = time.perf_counter()
    stats = Simulator(Plan(per_minute, count, "live", seed=1), NullSink()).run()
    elapsed = time.perf_counter() - started
    # visit i is due at i / rate: n visits span (n - 1) gaps
    achieved = (stats.visits - 1) / elapsed * 60
    return per_minute, achieved


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--file-visits", type=int, default=50_000)
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--pacing-seconds", type=int, default=60)
    args = parser.parse_args()
    print(f"file sink:        {file_rate(args.file_visits):>10,.0f} visits/s ({args.file_visits:,} visits)")
    raw, simulated, sink_only = pubsub_rates(args.messages)
    print(f"pubsub raw client:{raw:>10,.0f} msg/s  ({args.messages:,} messages, emulator)")
    print(f"pubsub sink only: {sink_only:>10,.0f} msg/s  = {sink_only / raw:.0%} of the raw client (same payloads)")
    print(
        f"pubsub simulator: {simulated:>10,.0f} msg/s  = {simulated / raw:.0%} of the raw client (generating visits too)"
    )
    asked, achieved = pacing(args.pacing_seconds)
    print(
        f"pacing:           asked {asked}/min, achieved {achieved:.1f}/min over {args.pacing_seconds}s "
        f"({(achieved - asked) / asked:+.2%})"
    )


if __name__ == "__main__":
    main()

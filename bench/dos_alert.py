"""DoS-alert job throughput on the direct runner: visits/s from the Pub/Sub emulator through
parse, window, count and alert, until every page view is counted in the local warehouse.

    .venv/bin/python bench/dos_alert.py [--visits 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from glue.provision.landing import Clients, pubsub_resources
from glue.provision.plan import apply, make_plan
from glue.runner import connect, relation_exists
from glue.settings import get_settings
from glue.simulator.visits import VisitFactory
from glue.stack import PubSubEmulator

PROJECT = "bench-dos-alert"


def publish(publisher, topic: str, count: int) -> int:
    """Visits whose events all happen now, as in the lab's sample data, where a visit's events
    share one timestamp: the direct runner's watermark is the wall clock, so events stamped in
    the future would make the run wait for them. Returns the number of page views."""
    factory, now = VisitFactory(random.Random(1)), datetime.now(timezone.utc)
    docs = [factory.visit(now) for _ in range(count)]
    stamp = now.strftime("%Y-%m-%dT%H:%M:%S")
    for doc in docs:
        for element in doc["events"]:
            element["event"]["timestamp"] = stamp
    futures = [
        publisher.publish(topic, json.dumps(doc).encode(), event_time=str(int(now.timestamp() * 1000))) for doc in docs
    ]
    for future in futures:
        future.result()
    return sum(1 for doc in docs for e in doc["events"] if e["event"]["event_type"] == "page_view")


def counted(warehouse: Path) -> int:
    if not warehouse.exists():
        return 0
    db = connect(warehouse, lock_timeout=5, functions=False)
    try:
        exists = relation_exists(db, "clickstream", "page_views_per_minute_stream")
        return (
            db.execute(
                "SELECT COALESCE(SUM(count), 0) FROM clickstream.page_views_per_minute_stream WHERE dimension = 'all'"
            ).fetchone()[0]
            if exists
            else 0
        )
    finally:
        db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=1000)
    args = parser.parse_args()
    from google.cloud import pubsub_v1

    settings = get_settings()
    with PubSubEmulator() as emulator, tempfile.TemporaryDirectory() as directory:
        clients = Clients(
            publisher=pubsub_v1.PublisherClient(),
            subscriber=pubsub_v1.SubscriberClient(),
            schemas=pubsub_v1.SchemaServiceClient(),
        )
        apply(make_plan(pubsub_resources(settings, PROJECT, clients)))
        warehouse = Path(directory) / "warehouse.duckdb"
        command = [
            sys.executable,
            "-m",
            "dos_alert.pipeline",
            "--runner=BundleBasedDirectRunner",
            "--streaming",
            f"--subscription=projects/{PROJECT}/subscriptions/visits-dos-alert",
            "--timestamp-attribute=",
            f"--warehouse={warehouse}",
            f"--archive-dir={directory}/archive",
            "--window-seconds=5",
            "--allowed-lateness-seconds=600",
        ]
        log = open(Path(directory) / "job.log", "w")
        job = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, "PUBSUB_EMULATOR_HOST": emulator.host},
        )
        try:
            page_views = publish(clients.publisher, clients.publisher.topic_path(PROJECT, "visits"), args.visits)
            started = time.perf_counter()
            # Counts accumulate per window; the sum over the site-wide dimension reaches the total
            # once every page view went through parse, window and count.
            progress = time.perf_counter()
            while (done := counted(warehouse)) < page_views:
                if time.perf_counter() - progress >= 15:
                    progress = time.perf_counter()
                    print(f"  {progress - started:5.0f}s: {done:,} of {page_views:,} page views counted", flush=True)
                if job.poll() is not None:
                    raise SystemExit(f"the job stopped: {(Path(directory) / 'job.log').read_text()[-2000:]}")
                time.sleep(0.5)
            elapsed = time.perf_counter() - started
        finally:
            os.killpg(job.pid, signal.SIGKILL)
            job.wait()
            log.close()
    print(
        f"DoS-alert job, direct runner: {args.visits:,} visits ({page_views:,} page views) counted in "
        f"{elapsed:.1f}s = {args.visits / elapsed:,.0f} visits/s (including the job's start-up)"
    )


if __name__ == "__main__":
    main()

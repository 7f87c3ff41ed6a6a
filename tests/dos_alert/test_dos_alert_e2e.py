"""The DoS-alert job end to end on this machine: the local stack, a simulated burst, the job on
the direct runner, and what it leaves behind (an alert logged and published, counts, archive)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from glue.runner import connect

pytestmark = pytest.mark.emulator


@pytest.fixture
def local_stack(tmp_path, pubsub_emulator):
    """`clickstream local up` in a local dir of this test's; down at the end."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_EMULATOR_HOST") and k != "GOOGLE_CLOUD_PROJECT"}
    env["CLICKSTREAM_LOCAL_DIR"] = str(tmp_path / "local")
    run = lambda *args: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "glue", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    up = run("local", "up", "--no-sink")
    assert up.returncode == 0, up.stdout + up.stderr
    state = json.loads((tmp_path / "local" / "stack.json").read_text())
    yield env, state, tmp_path / "local"
    run("local", "down")


def pull_alerts(state, deadline: float) -> list[dict]:
    from google.cloud import pubsub_v1

    os.environ["PUBSUB_EMULATOR_HOST"] = state["pubsub_host"]
    subscriber = pubsub_v1.SubscriberClient()
    subscription = subscriber.subscription_path(state["project"], "visits-alerts-watch")
    while time.monotonic() < deadline:
        received = subscriber.pull(subscription=subscription, max_messages=10, timeout=10).received_messages
        if received:
            subscriber.acknowledge(subscription=subscription, ack_ids=[m.ack_id for m in received])
            return [json.loads(m.message.data) for m in received]
        time.sleep(0.2)
    return []


def test_a_simulated_burst_raises_an_alert_and_the_archive_fills(local_stack, tmp_path, monkeypatch):
    env, state, local = local_stack
    monkeypatch.delenv("PUBSUB_EMULATOR_HOST", raising=False)
    log_path = tmp_path / "job.log"
    log = open(log_path, "w")
    job = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "glue",
            "dos-alert",
            "run",
            "--window-seconds",
            "5",
            "--allowed-lateness-seconds",
            "60",
            "--threshold",
            "user=40",
            "--threshold",
            "ip=40",
            "--archive-window-seconds",
            "5",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while "Running pipeline" not in log_path.read_text() and time.monotonic() < deadline:
            assert job.poll() is None, log_path.read_text()
            time.sleep(0.1)
        burst_started = time.monotonic()
        simulate = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "glue",
                "simulate",
                "--to",
                "pubsub:visits",
                "--visits-per-minute",
                "60",
                "--duration",
                "12s",
                "--burst",
                "1200",
                "--burst-duration",
                "10s",
                "--malformed-rate",
                "0.1",
                "--seed",
                "9",
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        alerts = pull_alerts(state, time.monotonic() + 90)
        alert_seconds = time.monotonic() - burst_started
        _, errors = simulate.communicate(timeout=120)
        assert simulate.returncode == 0, errors
        assert {(a["dimension"], a["key"]) for a in alerts} & {("user", "UID-0666")}, log_path.read_text()[-3000:]
        # Counted by the whole address, in memory: the alert names the burst's address.
        assert ("ip", "203.0.113.66") in {(a["dimension"], a["key"]) for a in alerts}
        assert all(a["count"] > a["threshold"] == 40 for a in alerts)
        print(f"\nburst start to first alert message: {alert_seconds:.1f}s")

        # The same alert as a structured WARNING log entry.
        logged = [
            json.loads(line.split("clickstream.dos_alert:", 1)[1])
            for line in log_path.read_text().splitlines()
            if "clickstream.dos_alert:" in line
        ]
        assert any(entry["alert"] == "dos" and entry["key"] == "UID-0666" for entry in logged)

        # Counts reach the local warehouse, and the archive has raw and dead-letter files per window.
        while time.monotonic() < deadline:
            raw = list((local / "archive" / "raw").glob("raw-*.jsonl"))
            dead = list((local / "archive" / "dead_letter").glob("dead_letter-*.jsonl"))
            if raw and dead:
                break
            time.sleep(0.2)
        assert raw and dead
        archived = [json.loads(line) for path in dead for line in path.read_text().splitlines()]
        assert archived and all(entry["error"] for entry in archived)
        # What is kept holds no whole address: every client_ip archived is its /24.
        kept = [json.loads(line) for path in raw + dead for line in path.read_text().splitlines()]
        addresses = {entry["attributes"].get("client_ip") for entry in kept} - {None}
        assert addresses and all(address.endswith(".0") for address in addresses), addresses
        assert "203.0.113.0" in addresses and "203.0.113.66" not in addresses
    finally:
        os.killpg(job.pid, signal.SIGTERM)
        job.wait(timeout=60)
        log.close()
    db = connect(local / "warehouse.duckdb")
    top = db.execute(
        "SELECT dimension, key, MAX(count) FROM clickstream.page_views_per_minute_stream "
        "WHERE dimension = 'user' GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 1"
    ).fetchone()
    assert top[:2] == ("user", "UID-0666") and top[2] > 40
    recorded = db.execute("SELECT DISTINCT dimension, key FROM clickstream.dos_alerts_stream").fetchall()
    assert ("user", "UID-0666") in recorded

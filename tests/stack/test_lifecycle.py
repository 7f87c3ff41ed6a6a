"""`clickstream local up|status|down` and the whole path through it, as an operator runs it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from glue.runner import connect, relation_exists
from glue.stack import pid_alive

pytestmark = pytest.mark.emulator


@pytest.fixture
def cli(tmp_path, pubsub_emulator):
    """Runs `clickstream ...` in a subprocess with a local dir of its own (the emulator fixture
    only makes sure the gcloud SDK is here; the stack starts its own)."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_EMULATOR_HOST") and k != "GOOGLE_CLOUD_PROJECT"}
    env["CLICKSTREAM_LOCAL_DIR"] = str(tmp_path / "local")

    def run(*args, check=True):
        result = subprocess.run(
            [sys.executable, "-m", "glue", *args], env=env, capture_output=True, text=True, timeout=300
        )
        if check:
            assert result.returncode == 0, result.stdout + result.stderr
        return result

    yield run
    if (tmp_path / "local" / "stack.json").exists():  # the test stopped before its own `local down`
        run("local", "down", check=False)


def test_up_stream_run_announce_down(cli, tmp_path):
    local = tmp_path / "local"
    up = cli("local", "up")
    lines = [" ".join(line.split()) for line in up.stdout.splitlines()]
    assert "+ create pubsub bq subscription projects/clickstream-local/subscriptions/visits-to-bigquery" in lines
    state = json.loads((local / "stack.json").read_text())
    assert all(pid_alive(state[k]) for k in ("pubsub_pid", "storage_pid", "sink_pid"))
    assert "already up" in cli("local", "up").stdout
    os.kill(state["sink_pid"], signal.SIGKILL)  # the sink dies; `up` again brings it back
    restarted = cli("local", "up").stdout
    assert "sink had stopped and was restarted" in restarted
    state = json.loads((local / "stack.json").read_text())
    assert pid_alive(state["sink_pid"])

    published = cli(
        "simulate",
        "--to",
        "pubsub:visits",
        "--start",
        "2024-07-01T12:00",
        "--count",
        "400",
        "--seed",
        "5",
        "--malformed-rate",
        "0.05",
        "--duplicate-rate",
        "0.05",
    )
    assert "to the local stack" in published.stderr
    sent = int(published.stderr.split(" messages sent")[0].rsplit(" ", 1)[-1])
    cli(
        "simulate",
        "--to",
        "gcs:gs://clickstream-local-clickstream-landing/visits",
        "--start",
        "2024-07-01T09:00",
        "--count",
        "300",
        "--seed",
        "6",
    )
    objects = list((local / "landing" / "clickstream-local-clickstream-landing" / "visits").glob("hour=*/*.jsonl"))
    assert len(objects) == 1 and len(objects[0].read_text().splitlines()) == 300

    deadline, written = time.monotonic() + 60, 0
    while written < sent and time.monotonic() < deadline:
        if (local / "warehouse.duckdb").exists():
            db = connect(local / "warehouse.duckdb")
            written = (
                db.execute("SELECT COUNT(DISTINCT message_id) FROM clickstream_raw.visits_pubsub").fetchone()[0]
                if relation_exists(db, "clickstream_raw", "visits_pubsub")
                else 0
            )
            db.close()
    assert written == sent

    status = cli("local", "status")
    assert status.stdout.count("up  ") == 3 and "visits_pubsub" in status.stdout

    # The runs skip `local check` (ZetaSQL's analysis of the project): what is tested is the path through the stack.
    run = cli("local", "run", "--no-check")
    assert "0 failed" in run.stderr
    assert "announced on visits-processed: gs://clickstream-local-clickstream-landing/visits/" in run.stderr
    assert "300 visits, 0 rejected, 0 duplicate lines of 300" in run.stderr
    again = cli("local", "run", "--no-check")
    assert "announced" not in again.stderr  # an object is announced once

    watched = cli("notifications", "watch", "--count", "1", "--timeout", "30")
    assert "300 visits, 0 rejected" in watched.stdout

    db = connect(local / "warehouse.duckdb")
    sources = dict(
        db.execute("SELECT source, COUNT(*) FROM clickstream_staging.stg_visit_payloads GROUP BY 1").fetchall()
    )
    sessions, rejected = db.execute(
        "SELECT (SELECT COUNT(*) FROM clickstream.sessions), (SELECT COUNT(*) FROM clickstream.rejected_visits)"
    ).fetchone()
    db.close()
    assert sources["gcs"] == 300 and 0 < sources["pubsub"] < sent  # duplicates collapse
    assert sessions + rejected == sources["gcs"] + sources["pubsub"] and rejected > 0

    os.kill(state["storage_pid"], signal.SIGKILL)  # half a stack: `up` clears what is left and starts afresh
    again = cli("local", "up").stdout
    assert "only partly running" in again and not pid_alive(state["pubsub_pid"])
    state = json.loads((local / "stack.json").read_text())

    down = cli("local", "down")
    assert down.stdout.count("stopped") == 3
    assert not any(pid_alive(state[k]) for k in ("pubsub_pid", "storage_pid", "sink_pid"))
    assert cli("local", "status", check=False).returncode == 3

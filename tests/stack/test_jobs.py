"""glue/stack/jobs.py: a job started by a command stops with the command, and `local down` stops it."""

import dataclasses
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from glue.stack import StackState, down, pid_alive

SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)"]


@pytest.fixture
def stack_file(tmp_path):
    """A stack record whose emulators are this test's own process (so the record reads as up)."""
    path = tmp_path / "stack.json"
    StackState("p", "127.0.0.1:1", os.getpid(), "http://127.0.0.1:2", os.getpid(), None, "now", str(tmp_path)).save(
        path
    )
    return path


def _until(condition, timeout: float = 20):
    """Polls a condition that the process under test makes true, up to a bound."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("the condition did not hold in time")


def test_sigterm_to_the_command_stops_its_job_instead_of_orphaning_it(stack_file, tmp_path):
    # The command, as `clickstream dos-alert run` runs the job: here with a job that sleeps.
    command = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import sys
            from pathlib import Path
            from glue.stack import run_job
            sys.exit(run_job({SLEEPER!r}, None, Path({str(tmp_path)!r}), Path({str(stack_file)!r})))
        """),
        ],
        start_new_session=True,
    )
    job = _until(lambda: StackState.load(stack_file).dos_alert_pid)
    assert pid_alive(job)
    command.send_signal(signal.SIGTERM)
    assert command.wait(timeout=30) == 128 + signal.SIGTERM
    assert _until(lambda: not pid_alive(job))
    # The record no longer names the job.
    assert json.loads(stack_file.read_text())["dos_alert_pid"] is None


def test_local_down_stops_a_recorded_job_and_status_lists_it(stack_file, settings):
    job = subprocess.Popen(SLEEPER, start_new_session=True)
    state = StackState.load(stack_file)
    state.dos_alert_pid = job.pid
    # The emulators' PIDs are left out: `down` would stop this test's own process group.
    state.pubsub_pid = state.storage_pid = 0
    state.save(stack_file)
    assert "dos-alert job" in StackState.load(stack_file).processes()
    down(dataclasses.replace(settings, local_dir=stack_file.parent), say=lambda line: None)
    assert job.wait(timeout=30) == -signal.SIGTERM

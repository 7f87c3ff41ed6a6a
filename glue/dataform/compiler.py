"""Compiling the Dataform project with the real, pinned `@dataform/cli`.

No network is needed: `@dataform/core` is pinned in package.json and installed by `npm ci`,
and workflow_settings.yaml carries no `dataformCoreVersion` (which would make every compile
run `npm i`).

The compilation is the CLI's own: its compile worker (worker_bundle.js, what `dataform compile`
forks) runs in one long-lived Node process per Python process (compile_server.js), so the
second compile of a process costs about 0.5 s instead of 2 s. Its output is what
`dataform compile --json` prints (tests/dataform/test_compile_server.py compares the two).

The same project text with the same vars compiles once: the compiled JSON is kept in memory,
keyed by the vars, the Dataform versions and a hash of every file the compilation reads
(workflow_settings.yaml, package.json, definitions/, includes/), and, given a `cache_dir`, on
disk, so that a command run again on an unchanged project does not compile at all.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import select
import shutil
import subprocess
import tempfile
import threading
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


_COMPILED: dict[str, str] = {}  # project text, versions and vars -> the compiled JSON text
_SOURCES = ("workflow_settings.yaml", "package.json", "definitions", "includes")
_CACHE_KEPT = 32  # compiled graphs kept in a cache_dir, the newest


def project_hash(root: Path) -> str:
    """A hash of every file a compilation of `root` reads, names and contents."""
    digest = hashlib.sha256()
    for name in _SOURCES:
        top = root / name
        files = sorted(p for p in top.rglob("*") if p.is_file()) if top.is_dir() else [top] if top.is_file() else []
        for path in files:
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def compile_project(
    root: Path,
    cli: Path,
    variables: dict[str, str] | None = None,
    timeout: float = 120,
    cache_dir: Path | None = None,
) -> dict:
    """The compiled graph as JSON; raises CompilationError with each error placed in its file."""
    if not cli.exists():
        raise CliMissing(f"{cli} not found: run `make setup` (npm ci installs the pinned Dataform CLI)")
    modules = _node_modules(cli)
    versions = b"".join((modules / "@dataform" / p / "package.json").read_bytes() for p in ("cli", "core"))
    key = hashlib.sha256(
        json.dumps([hashlib.sha256(versions).hexdigest(), project_hash(root), variables or {}], sort_keys=True).encode()
    ).hexdigest()
    text = _COMPILED.get(key) or _read_cached(cache_dir, key)
    if text is None:
        graph = _worker(modules).compile(root, variables, timeout)
        text = json.dumps(graph)
        _write_cached(cache_dir, key, text)
    _COMPILED[key] = text
    return json.loads(text)


def _node_modules(cli: Path) -> Path:
    """The node_modules/ the CLI is installed in: where node_modules/.bin/dataform links to
    (@dataform/cli/bundle.js), as a project copy may link to the installed CLI alone."""
    target = cli.resolve()
    return target.parents[2] if target.name == "bundle.js" else cli.parent.parent


def _read_cached(cache_dir: Path | None, key: str) -> str | None:
    path = cache_dir / f"{key[:40]}.json" if cache_dir else None
    if path is None or not path.is_file():
        return None
    path.touch()
    return path.read_text(encoding="utf-8")


def _write_cached(cache_dir: Path | None, key: str, text: str) -> None:
    if cache_dir is None:
        return
    cache_dir.mkdir(parents=True, exist_ok=True)
    scratch = cache_dir / f"{key[:40]}.json.{os.getpid()}"
    scratch.write_text(text, encoding="utf-8")
    scratch.replace(cache_dir / f"{key[:40]}.json")
    kept = sorted(cache_dir.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in kept[_CACHE_KEPT:]:
        stale.unlink(missing_ok=True)


class CompileWorker:
    """compile_server.js: the CLI's compile worker in a Node process that stays up."""

    def __init__(self, modules: Path):
        self.modules = modules
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None

    def compile(self, root: Path, variables: dict[str, str] | None, timeout: float) -> dict:
        request = {"projectDir": str(root.resolve()), "projectConfigOverride": {"vars": variables} if variables else {}}
        with self._lock:
            answer = self._ask(json.dumps(request), timeout)
        if "error" in answer:
            error = answer["error"] or {}
            detail = error.get("message") or error.get("stack") or json.dumps(error)
            raise CompilationError([("dataform compile", str(detail).strip()[-2000:])])
        graph = answer["graph"]
        problems = graph.get("graphErrors", {}).get("compilationErrors", [])
        if problems:
            placed, left_out = explain(root, graph)
            raise CompilationError([(p.get("fileName", "?"), p.get("message", "")) for p in problems], placed, left_out)
        return graph

    def close(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None

    def _ask(self, line: str, timeout: float) -> dict:
        process = self._process or self._start(timeout)
        process.stdin.write(line.encode() + b"\n")
        process.stdin.flush()
        return self._answer(process, timeout)

    def _start(self, timeout: float) -> subprocess.Popen:
        node = shutil.which("node")
        if node is None:
            raise CliMissing("node not found on PATH: the Dataform CLI needs Node.js (see README.md)")
        script = Path(__file__).with_name("compile_server.js")
        self._stderr = tempfile.TemporaryFile()  # read when the server fails; a pipe could fill and block it
        self._process = subprocess.Popen(
            [node, str(script), str(self.modules)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr
        )
        ready = self._answer(self._process, timeout)
        if not ready.get("ready"):
            raise CompilationError([("dataform compile", f"the compile server did not start: {ready}")])
        return self._process

    def _answer(self, process: subprocess.Popen, timeout: float) -> dict:
        readable, _, _ = select.select([process.stdout], [], [], timeout)
        line = process.stdout.readline() if readable else b""
        if not line:
            self.close()
            self._stderr.seek(0)
            stderr = self._stderr.read()
            why = f"took longer than {timeout:.0f}s" if not readable else "stopped"
            detail = stderr.decode(errors="replace").strip()[-2000:]
            raise CompilationError([("dataform compile", f"the compilation {why}" + (f": {detail}" if detail else ""))])
        return json.loads(line)


_WORKERS: dict[Path, CompileWorker] = {}


def _worker(modules: Path) -> CompileWorker:
    if modules not in _WORKERS:
        _WORKERS[modules] = CompileWorker(modules)
    return _WORKERS[modules]


@atexit.register
def _close_workers() -> None:
    for worker in _WORKERS.values():
        worker.close()

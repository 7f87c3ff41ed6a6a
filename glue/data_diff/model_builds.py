"""A model built twice on the same inputs: at a git ref and in the working copy, for `compare`.

The ref is checked out in a git worktree in a temporary directory and compiled there with the
working copy's Dataform CLI. Each version runs the model and what it depends on, nothing else, in
a scratch DuckDB file of its own that starts as a copy of the local warehouse's sources (the
project's declarations), with the same landing directory and the same clock. The local warehouse
is only read. Both files are then attached, read-only, to one in-memory connection: the model is
`base.<schema>.<table>` and `working.<schema>.<table>` there. Everything is removed afterwards,
worktree included.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

import duckdb

from glue.dataform import Action, CompilationError, Graph, compile_project
from glue.landing import LandingLayoutError
from glue.runner import RunOptions, UntranslatableSQL, compile_graph, connect, run_workflow
from glue.settings import Settings

_COMPILED: dict[tuple[str, str], dict] = {}  # (commit, CLI) -> the compiled graph: a commit never changes


class BuildError(RuntimeError):
    """A diff that cannot be built: an unknown ref, a model that is no relation, a failing build."""


@dataclass
class Builds:
    connection: duckdb.DuckDBPyConnection  # both builds attached, read-only
    action: Action  # the model, as the working copy defines it
    ref: str
    commit: str
    before: str  # the model at the ref: a relation name in `connection`
    after: str  # the model in the working copy
    new: bool  # the ref has no such model: `before` is an empty relation with the working copy's columns
    key: list[str] | None  # the working copy's uniqueKey, when it declares one


@contextmanager
def build_both(
    settings: Settings,
    model: str,
    ref: str = "main",
    warehouse: Path | None = None,
    say: Callable[[str], None] | None = None,
) -> Iterator[Builds]:
    """The model built at `ref` and in the working copy from the sources of `warehouse` (default:
    the local warehouse); `say` hears a line per build. Raises KeyError (with the closest name) for
    a model the working copy does not have, and BuildError."""
    say = say or (lambda line: None)
    graph = compile_graph(settings)
    action = _model(graph, model)
    commit = _commit(settings.root, ref)
    warehouse = Path(warehouse or settings.warehouse)
    if not warehouse.exists():
        raise BuildError(f"no warehouse at {warehouse}: run `make demo` or `clickstream local run` first")
    scratch = Path(tempfile.mkdtemp(prefix="clickstream-diff-"))
    tree, connection = scratch / "base", None
    try:
        base_graph = _graph_at(settings, commit, ref, tree)
        base_action = base_graph.actions.get(action.name)
        local = _local_dir(settings, scratch / "local")
        sources = scratch / "sources.duckdb"
        _copy_sources(warehouse, sources, [graph, base_graph])
        clock = datetime.now(timezone.utc)
        builds = [("working", graph, settings.root, "in the working copy")]
        if base_action is not None and base_action.kind != "declaration":
            builds.insert(0, ("base", base_graph, tree, f"at {ref} ({commit[:7]})"))
        for name, built, root, where in builds:
            shutil.copy(sources, scratch / f"{name}.duckdb")
            run_settings = replace(settings, root=root, local_dir=local)
            _build(run_settings, built, action.name, scratch / f"{name}.duckdb", clock, where, say)
        connection = connect(":memory:")
        for name, *_ in builds:
            quoted = str(scratch / f"{name}.duckdb").replace("'", "''")
            connection.execute(f"ATTACH '{quoted}' AS {name} (READ_ONLY)")
        relation = f'"{action.schema}"."{action.table}"'
        before, after = f"base.{relation}", f"working.{relation}"
        if len(builds) == 1:  # new at this version: compared with no rows at all
            connection.execute(f"CREATE TABLE memory.main.not_at_base AS SELECT * FROM {after} LIMIT 0")
            before = "memory.main.not_at_base"
        yield Builds(connection, action, ref, commit, before, after, len(builds) == 1, action.unique_key or None)
    finally:
        if connection is not None:
            connection.close()
        _remove_worktree(settings.root, tree)
        shutil.rmtree(scratch, ignore_errors=True)


def _model(graph: Graph, name: str) -> Action:
    action = graph.find(name)
    if action.kind == "declaration":
        raise BuildError(f"{action.name} is a source (a declaration): the project does not build it")
    if action.kind == "operations" and not action.has_output:
        raise BuildError(f"{action.name} is an operation with no output: there is no relation to compare")
    return action


def _commit(root: Path, ref: str) -> str:
    try:
        return _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except BuildError as error:
        detail = str(error).partition(": ")[2]
        raise BuildError(
            f"no commit {ref!r} in the git repository at {root}{f' ({detail})' if detail else ''}: "
            "--base takes a branch, a tag or a commit"
        ) from None


def _remove_worktree(root: Path, tree: Path) -> None:
    if not tree.exists():
        return
    try:
        _git(root, "worktree", "remove", "--force", str(tree))
    except BuildError:  # half made: its directory goes with the scratch one, then git forgets it
        shutil.rmtree(tree, ignore_errors=True)
        _git(root, "worktree", "prune")


def _git(root: Path, *args: str) -> str:
    result = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise BuildError(f"git {' '.join(args)}: {(result.stderr or result.stdout).strip()}")
    return result.stdout.strip()


def _graph_at(settings: Settings, commit: str, ref: str, tree: Path) -> Graph:
    """The project as the commit has it, checked out at `tree`; compiled once per commit."""
    _git(settings.root, "worktree", "add", "--detach", "--quiet", str(tree), commit)
    key = (commit, str(settings.dataform_cli.resolve()))
    if key not in _COMPILED:
        # Dataform's sandbox loads @dataform/core only from inside the project: a copy, not a link.
        core = Path("node_modules") / "@dataform" / "core"
        if (settings.root / core).is_dir():
            shutil.copytree(settings.root / core, tree / core)
        try:
            _COMPILED[key] = compile_project(tree, settings.dataform_cli)
        except CompilationError as error:
            raise BuildError(f"the project at {ref} does not compile: {error}") from error
    return Graph(_COMPILED[key])


def _local_dir(settings: Settings, local: Path) -> Path:
    """A local directory of the diff's own (run times and caches stay out of the real one) that
    lands nothing: its landing directory is the real one's."""
    local.mkdir()
    if settings.landing_dir.is_dir():
        (local / "landing").symlink_to(settings.landing_dir.resolve(), target_is_directory=True)
    if settings.translation_cache.is_file():
        shutil.copy(settings.translation_cache, local / settings.translation_cache.name)
    return local


def _copy_sources(warehouse: Path, target: Path, graphs: list[Graph]) -> None:
    """The sources the graphs declare, those the warehouse holds as tables, copied to `target`."""
    declared = {(a.schema, a.table) for g in graphs for a in g.actions.values() if a.kind == "declaration"}
    reader = connect(warehouse, functions=False, read_only=True)
    try:
        tables = reader.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_catalog = 'warehouse' AND table_type = 'BASE TABLE'"
        ).fetchall()
        quoted = str(target).replace("'", "''")
        reader.execute(f"ATTACH '{quoted}' AS copy")
        for schema, table in sorted(set(tables) & declared):
            reader.execute(f'CREATE SCHEMA IF NOT EXISTS copy."{schema}"')
            reader.execute(f'CREATE TABLE copy."{schema}"."{table}" AS SELECT * FROM warehouse."{schema}"."{table}"')
    finally:
        reader.close()


def _build(settings: Settings, graph: Graph, name: str, database: Path, clock, where: str, say) -> None:
    options = RunOptions(warehouse=database, actions=(name,), clock=clock)
    try:
        report, _, _ = run_workflow(settings, options, graph=graph)
    except (UntranslatableSQL, LandingLayoutError, duckdb.Error) as error:
        raise BuildError(f"{name} does not build {where}: {error}") from error
    result = next(r for r in report.results if r.action.name == name)
    if result.status != "ok":
        failed = next((r for r in report.results if r.status == "failed"), result)
        raise BuildError(f"{name} does not build {where}: {failed.action.name}: {failed.message}")
    say(f"built {name} {where}: {len(report.results)} actions in {report.seconds:.2f}s")

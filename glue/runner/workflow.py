"""A local run of the workflow: land inputs, compile, execute on DuckDB, report."""

from __future__ import annotations

import glob
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable

from glue.dataform import Action, Graph, compile_project
from glue.landing import land_files
from glue.runner.executor import Executor
from glue.runner.ordering import ActionTimes
from glue.runner.results import ActionResult, RunReport
from glue.runner.translate import TranslationCache
from glue.runner.warehouse import connect, existing_relations, prepare_sources
from glue.settings import Settings


@dataclass
class RunOptions:
    inputs: tuple[str, ...] = ()
    warehouse: Path | None = None
    full_refresh: bool = False
    tags: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    include_dependencies: bool = True
    variables: dict | None = None
    concurrency: int | None = None  # actions at a time; default: settings.local_concurrency
    clock: datetime | None = None  # CURRENT_TIMESTAMP() of the whole run, when set (benchmarks, tests)


def expand_inputs(patterns: tuple[str, ...]) -> list[Path]:
    paths: list[Path] = []
    for pattern in patterns:
        matches = sorted(glob.glob(pattern, recursive=True))
        if not matches:
            raise FileNotFoundError(f"no input file matches {pattern!r}")
        for match in matches:
            path = Path(match)
            paths.extend(sorted(path.glob("*.jsonl")) if path.is_dir() else [path])
    return paths


def compile_graph(settings: Settings, variables: dict | None = None) -> Graph:
    """The compiled project; a command run again on unchanged files reads it from the local cache."""
    return Graph(
        compile_project(settings.root, settings.dataform_cli, variables, cache_dir=settings.local_dir / "compiled")
    )


def run_workflow(
    settings: Settings,
    options: RunOptions,
    on_result: Callable[[ActionResult], None] | None = None,
    graph: Graph | None = None,
    bigquery_types: dict[str, list[tuple[str, str]]] | None = None,
    observer: Callable[..., None] | None = None,
) -> tuple[RunReport, Graph, float]:
    """Returns the report, the graph it ran, and the compile time in seconds. With
    `bigquery_types` (the check's analyzed schemas), each table written is held to them; the
    `observer` sees each action before it runs (the BigQuery cost model)."""
    if options.inputs:
        land_files(expand_inputs(options.inputs), settings)
    compile_started = time.perf_counter()
    graph = graph or compile_graph(settings, options.variables)
    compile_seconds = time.perf_counter() - compile_started
    connection = connect(options.warehouse or settings.warehouse)
    translations = TranslationCache(settings.translation_cache)
    times = ActionTimes(settings.action_times, "full_refresh" if options.full_refresh else "incremental")
    try:
        prepare_sources(connection, settings)
        selected = graph.select(
            list(options.actions), list(options.tags), options.include_dependencies, apart=settings.separate_tags
        )
        executor = Executor(
            connection,
            options.full_refresh,
            on_result,
            translations=translations,
            concurrency=options.concurrency or settings.local_concurrency,
            times=times,
            zstd_columns=settings.local_zstd_columns,
            bigquery_types=bigquery_types,
            observer=observer,
            clock=options.clock,
            root=settings.root,
            buckets=settings.landing_dir,
        )
        report = executor.run(selected)
    finally:
        connection.close()
        translations.save()
        times.save()
    return report, graph, compile_seconds


def plan_workflow(
    settings: Settings, options: RunOptions, graph: Graph | None = None
) -> tuple[list[tuple[Action, str]], list[Path]]:
    """What a run with these options would do: each selected action, in the order of the graph,
    with what it would do to the warehouse as it is now, and the input files it would land.
    Lands nothing and writes nothing."""
    inputs = expand_inputs(options.inputs) if options.inputs else []
    graph = graph or compile_graph(settings, options.variables)
    selected = graph.select(
        list(options.actions), list(options.tags), options.include_dependencies, apart=settings.separate_tags
    )
    existing = existing_relations(options.warehouse or settings.warehouse)
    return [
        (action, planned_step(action, existing.get((action.schema, action.table)), options.full_refresh))
        for action in selected
    ], inputs


def planned_step(action: Action, existing: str | None, full_refresh: bool) -> str:
    """What the executor would do with the action, given the kind of relation already there."""
    if action.kind == "assertion":
        return "check"
    if action.kind == "operations":
        return f"run {len(action.queries)} statement(s)"
    if action.kind == "view":
        return "create view" if existing is None else "replace view"
    if existing is None:
        return "create"
    if existing == "view":
        return "replace the view with a table"
    if action.kind == "incremental" and (action.protected or not full_refresh):
        return f"merge on {', '.join(action.unique_key)}" if action.unique_key else "append"
    return "rebuild" if action.kind == "incremental" else "replace"


def format_step(action: Action, step: str) -> str:
    return f"  plan {action.kind:<11} {action.name:<58} {step}"


def format_result(result: ActionResult) -> str:
    action = result.action
    status = {"ok": "ok  ", "failed": "FAIL", "skipped": "skip"}[result.status]
    detail = result.mode
    if result.rows is not None and action.kind != "assertion":
        changed = f"+{result.changed:,}" if result.mode in ("merged", "appended") else f"{result.changed:,}"
        detail = f"{result.mode} {changed} rows ({result.rows:,} total)"
    line = f"  {status} {action.kind:<11} {action.name:<58} {detail:<34} {result.seconds:6.2f}s"
    if result.status != "ok":
        line += f"\n         {result.message}"
        if result.sample:
            line += "\n         " + " | ".join(result.columns)
            for row in result.sample:
                line += "\n         " + " | ".join(str(v) for v in row)
    return line


def print_result(result: ActionResult) -> None:
    print(format_result(result), file=sys.stderr, flush=True)

"""`clickstream local ...`: the Dataform workflow on this machine, on an embedded DuckDB."""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from pathlib import Path

import click

from glue.cli.local_check import checked_graph
from glue.cli.options import fail, parse_vars, reprocess_plan
from glue.dataform import CliMissing, CompilationError
from glue.landing import LandingLayoutError, landing_target
from glue.runner import (
    RunOptions,
    UntranslatableSQL,
    WarehouseBusy,
    compile_graph,
    expand_inputs,
    format_step,
    held_rows,
    plan_workflow,
    print_result,
    run_workflow,
)
from glue.settings import get_settings


@click.group()
def local():
    """Run the Dataform workflow locally: compile with the real Dataform CLI, execute on DuckDB.

    Each BigQuery dataset is a DuckDB schema of the same name, so
    `SELECT * FROM clickstream.sessions` works in both.
    """


@local.command()
@click.option(
    "--input",
    "inputs",
    multiple=True,
    metavar="FILE_OR_GLOB",
    help="JSONL visit files to land in the local bucket first (repeatable; globs and directories).",
)
@click.option(
    "--warehouse",
    type=click.Path(dir_okay=False, path_type=Path),
    help="DuckDB file (default: .local/warehouse.duckdb).",
)
@click.option("--full-refresh", is_flag=True, help="Rebuild incremental tables from scratch.")
@click.option("--tags", multiple=True, help="Run actions with these tags (and their dependencies).")
@click.option("--actions", multiple=True, help="Run these actions, by name or schema.name (and their dependencies).")
@click.option("--no-dependencies", is_flag=True, help="With --tags/--actions: run only what was named.")
@click.option("--vars", "variables", multiple=True, metavar="KEY=VALUE", help="Override workflow_settings.yaml vars.")
@click.option(
    "--concurrency",
    type=click.IntRange(min=1),
    metavar="N",
    help="Actions to run side by side (default: local.concurrency in clickstream.yaml; 1 runs them in order).",
)
@click.option(
    "--notify/--no-notify",
    default=True,
    show_default=True,
    help="When the local stack is up, announce processed objects on the visits-processed topic.",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Print what the run would do, action by action, and the files it would land; change nothing.",
)
@click.option(
    "--check/--no-check",
    default=True,
    show_default=True,
    help="First analyze every action as BigQuery would (`clickstream local check`); stop if one fails.",
)
@click.option(
    "--bigquery-cost",
    is_flag=True,
    help="Print, for each action, the bytes BigQuery would bill for it: the columns and partitions "
    "it reads, by BigQuery's pruning and pricing rules, over the local tables. Implies --check.",
)
@click.option(
    "--reprocess",
    "load_range",
    metavar="FROM..UNTIL",
    help="Rebuild, with the current models, every row made from the payloads loaded in this range "
    "(dates or UTC times; UNTIL not included; one date is that day), reading only those loads: "
    "no full refresh, nothing new loaded. docs/reprocessing.md.",
)
def run(
    inputs,
    warehouse,
    full_refresh,
    tags,
    actions,
    no_dependencies,
    variables,
    concurrency,
    notify,
    dry_run,
    check,
    bigquery_cost,
    load_range,
):
    """Land input files, compile the project and execute the graph on DuckDB.

    Prints one line per action, as it finishes, with its time and row count. An action starts
    once everything it depends on is done, several at a time (--concurrency). A failing
    assertion fails the run, shows sample rows, and skips what depends on it. Exit code 1 when
    anything failed.
    With the local stack up, each landing object that is fully processed is announced on the
    visits-processed topic (`clickstream notifications watch` prints them).

    \b
    Examples:
      clickstream local run --input ../shared/data/challenge-lab-visits
      clickstream local run --tags curated --bigquery-cost
      clickstream local run --reprocess 2024-08-20 --bigquery-cost
    """
    settings = get_settings()
    options = RunOptions(
        inputs, warehouse, full_refresh, tags, actions, not no_dependencies, parse_vars(variables) or None, concurrency
    )
    started, graph = time.perf_counter(), None
    if load_range:
        options, graph = _reprocessing(options, load_range)
    if dry_run:
        _print_plan(settings, options)
        return
    try:
        expand_inputs(inputs)  # a missing input or an unknown action fails here, before the check
        graph = graph or compile_graph(settings, options.variables)
        graph.select(list(actions), list(tags), apart=settings.separate_tags)
    except (CompilationError, CliMissing, FileNotFoundError, KeyError) as error:
        fail(error)
    compile_seconds = time.perf_counter() - started
    if inputs:
        _say_what_the_warehouse_holds(settings, warehouse or settings.warehouse)
    if bigquery_cost:
        report = _run_with_cost(settings, options, graph)
    else:
        types = checked_graph(settings, graph).schemas if check else None
        report = _run(settings, options, graph, types)
    failed = report.failed()
    skipped = sum(r.status == "skipped" for r in report.results)
    summary = (
        f"compiled in {compile_seconds:.2f}s, ran {len(report.results)} actions in {report.seconds:.2f}s: "
        f"{len(report.results) - len(failed) - skipped} ok, {len(failed)} failed, {skipped} skipped"
    )
    click.secho(summary, fg="red" if failed else "green", err=True)
    if not tags and not actions:
        left_out = ", ".join(settings.separate_tags)
        click.echo(
            f"(actions tagged {left_out} run in a workflow of their own: --tags {left_out}; docs/ml.md)", err=True
        )
    if failed:
        sys.exit(1)
    ran = {r.action.name for r in report.results if r.status == "ok"}
    if notify and f"{settings.curated_dataset}.landed_objects" in ran:
        _announce_processed(settings, warehouse or settings.warehouse)


def _reprocessing(options: RunOptions, text: str):
    """The run that rebuilds a range of loads: its vars and the actions below the payload store,
    and the graph compiled with them."""
    if options.full_refresh or options.inputs or options.tags:
        fail(
            "--reprocess rebuilds a range of loads already in the warehouse: it takes no --full-refresh, "
            "--input or --tags"
        )
    _, variables, graph, names = reprocess_plan(text, list(options.actions), options.variables)
    return replace(options, variables=variables, actions=tuple(names), include_dependencies=False), graph


def _say_what_the_warehouse_holds(settings, warehouse: Path) -> None:
    """Input lands beside what earlier runs loaded; say so, rather than merge it in silence."""
    sessions, rejected = (settings.curated_dataset, "sessions"), (settings.curated_dataset, "rejected_visits")
    held = held_rows(warehouse, [sessions, rejected])
    if held.get(sessions) or held.get(rejected):
        click.echo(
            f"adding to {warehouse}: {_count(held.get(sessions, 0), 'session')} and "
            f"{_count(held.get(rejected, 0), 'rejected visit')} from earlier runs "
            f"(`make clean` or another --warehouse starts afresh)",
            err=True,
        )


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _run(settings, options: RunOptions, graph, types, observer=None):
    try:
        report, _, _ = run_workflow(
            settings, options, on_result=print_result, graph=graph, bigquery_types=types, observer=observer
        )
    except (CompilationError, CliMissing, FileNotFoundError, KeyError, UntranslatableSQL, LandingLayoutError) as error:
        fail(error)
    return report


def _run_with_cost(settings, options: RunOptions, graph):
    """The run with the BigQuery cost model watching each action; the oracle stays up throughout."""
    from glue.cost import cost_model, format_bills
    from glue.oracle import Oracle, OracleUnavailable, ZetaSQL

    options.concurrency = 1  # each action priced against the tables as they are when it starts
    try:
        with ZetaSQL.start(settings.root) as server:
            oracle = Oracle(server)
            checked = checked_graph(settings, graph, oracle)
            model = cost_model(oracle, graph, settings, checked)
            report = _run(settings, options, graph, checked.schemas, model)
    except OracleUnavailable as error:
        fail(error)
    click.echo(format_bills(model.bills))
    return report


def _print_plan(settings, options: RunOptions) -> None:
    try:
        steps, inputs = plan_workflow(settings, options)
    except (CompilationError, CliMissing, FileNotFoundError, KeyError, WarehouseBusy) as error:
        fail(error)
    for path in inputs:
        target, unchanged = landing_target(path, settings)
        note = " (already there, unchanged)" if unchanged else ""
        name = target.relative_to(settings.landing_path).as_posix()
        click.echo(f"  land {path} -> gs://{settings.landing_bucket}/{settings.landing_prefix}/{name}{note}")
    for action, step in steps:
        click.echo(format_step(action, step))
    click.secho(
        f"dry run: {len(steps)} actions and {len(inputs)} input files; nothing landed, nothing written",
        fg="green",
        err=True,
    )


def _announce_processed(settings, warehouse: Path) -> None:
    from glue.stack import use_running_stack
    from glue.visits_processed import announce_processed

    if use_running_stack(settings) is None:
        return
    for item in announce_processed(settings, warehouse):
        click.echo(f"announced on {settings.pubsub['processed_topic']}: {item.describe()}", err=True)


# The check's, the stack's, the warehouse readers' and the tests' subcommands live beside this module, in the same group.
from glue.cli.local_check import check, compile_command  # noqa: E402
from glue.cli.local_dev import dev  # noqa: E402
from glue.cli.local_diff import diff  # noqa: E402
from glue.cli.local_query import query, show  # noqa: E402
from glue.cli.local_stack import down, sink, status, up  # noqa: E402
from glue.cli.local_tests import test  # noqa: E402

for _command in (check, compile_command, query, show, test, diff, dev, up, down, status, sink):
    local.add_command(_command)

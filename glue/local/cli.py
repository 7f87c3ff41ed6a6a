"""`clickstream local ...`: the Dataform workflow on this machine, on an embedded DuckDB."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from glue.cliutil import parse_vars
from glue.local.compat import UntranslatableSQL
from glue.local.compiler import CliMissing, CompilationError
from glue.local.dataform_tests import run_dataform_tests
from glue.local.warehouse import connect
from glue.local.workflow import RunOptions, compile_graph, print_result, run_workflow
from glue.settings import get_settings


@click.group()
def local():
    """Run the Dataform workflow locally: compile with the real Dataform CLI, execute on DuckDB.

    Each BigQuery dataset is a DuckDB schema of the same name, so
    `SELECT * FROM clickstream.sessions` works in both.
    """


def _fail(error: Exception) -> None:
    click.secho(str(error), fg="red", err=True)
    sys.exit(2)


@local.command()
@click.option("--input", "inputs", multiple=True, metavar="FILE_OR_GLOB",
              help="JSONL visit files to land in the local bucket first (repeatable; globs and directories).")
@click.option("--warehouse", type=click.Path(dir_okay=False, path_type=Path),
              help="DuckDB file (default: .local/warehouse.duckdb).")
@click.option("--full-refresh", is_flag=True, help="Rebuild incremental tables from scratch.")
@click.option("--tags", multiple=True, help="Run actions with these tags (and their dependencies).")
@click.option("--actions", multiple=True, help="Run these actions, by name or schema.name (and their dependencies).")
@click.option("--no-dependencies", is_flag=True, help="With --tags/--actions: run only what was named.")
@click.option("--vars", "variables", multiple=True, metavar="KEY=VALUE", help="Override workflow_settings.yaml vars.")
def run(inputs, warehouse, full_refresh, tags, actions, no_dependencies, variables):
    """Land input files, compile the project and execute the graph on DuckDB.

    Prints one line per action with its time and row count. A failing assertion fails the run,
    shows sample rows, and skips what depends on it. Exit code 1 when anything failed.
    """
    settings = get_settings()
    options = RunOptions(inputs, warehouse, full_refresh, tags, actions, not no_dependencies,
                         parse_vars(variables) or None)
    try:
        report, _, compile_seconds = run_workflow(settings, options, on_result=print_result)
    except (CompilationError, CliMissing, FileNotFoundError, KeyError, UntranslatableSQL) as error:
        _fail(error)
    failed = report.failed()
    skipped = sum(r.status == "skipped" for r in report.results)
    summary = (f"compiled in {compile_seconds:.2f}s, ran {len(report.results)} actions in {report.seconds:.2f}s: "
               f"{len(report.results) - len(failed) - skipped} ok, {len(failed)} failed, {skipped} skipped")
    click.secho(summary, fg="red" if failed else "green", err=True)
    if failed:
        sys.exit(1)


@local.command(name="compile")
@click.option("--vars", "variables", multiple=True, metavar="KEY=VALUE")
def compile_command(variables):
    """Compile the project with the pinned Dataform CLI and list its actions."""
    try:
        graph = compile_graph(get_settings(), parse_vars(variables) or None)
    except (CompilationError, CliMissing) as error:
        _fail(error)
    for action in graph.order():
        click.echo(f"{action.kind:<12} {action.name:<60} {action.file}")
    click.echo(f"{len(graph.actions)} actions, {len(graph.tests)} tests", err=True)


@local.command()
@click.option("--warehouse", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--pytest/--no-pytest", "with_pytest", default=True, help="Also run the pytest SQL tests.")
def test(warehouse, with_pytest):
    """Run the project's `type: "test"` actions locally, then the pytest SQL unit tests.

    Dataform's own `dataform test` needs BigQuery; here each test's query and expected output
    run on DuckDB and are compared as multisets of rows (order does not matter).
    """
    try:
        graph = compile_graph(get_settings())
    except (CompilationError, CliMissing) as error:
        _fail(error)
    connection = connect(warehouse or ":memory:")
    outcomes = run_dataform_tests(connection, graph)
    for outcome in outcomes:
        mark = click.style("ok  ", fg="green") if outcome.passed else click.style("FAIL", fg="red")
        click.echo(f"  {mark} {outcome.test.name:<40} {outcome.test.file}")
        if not outcome.passed:
            click.echo(outcome.explanation)
    failures = sum(not o.passed for o in outcomes)
    click.echo(f"{len(outcomes) - failures} passed, {failures} failed")
    code = 1 if failures else 0
    if with_pytest:
        import pytest

        code = code or pytest.main(["-q", str(get_settings().root / "tests" / "sql")])
    sys.exit(code)

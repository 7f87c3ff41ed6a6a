"""`clickstream local check` and `local compile`: the project compiled, and checked as BigQuery would."""

from __future__ import annotations

import sys

import click

from glue.cli.options import fail, parse_vars
from glue.dataform import CliMissing, CompilationError
from glue.runner import compile_graph
from glue.settings import get_settings


def checked_graph(settings, graph, oracle=None):
    """ZetaSQL's analysis of every action of the graph; exits 1 naming each problem. An action
    unchanged since a check it passed is not analyzed again, and ZetaSQL starts only if one is."""
    from contextlib import ExitStack

    from glue.oracle import CheckMemo, Oracle, OracleUnavailable, ZetaSQL, check_graph

    memo = CheckMemo(settings.local_dir / "check_memo.pickle")
    try:
        with ExitStack() as stack:
            started = oracle or (lambda: Oracle(stack.enter_context(ZetaSQL.start(settings.root))))
            report = check_graph(graph, started, settings, memo)
    except OracleUnavailable as error:
        fail(error)
    for warning in report.warnings:
        click.secho(warning.format(), fg="yellow", err=True)
    for problem in report.problems:
        click.secho(problem.format(), fg="red", err=True)
    for name, needs in report.not_checked.items():
        click.echo(f"  not checked: {name} (needs {', '.join(needs)})", err=True)
    summary = f"BigQuery (ZetaSQL) analyzed {report.statements} statements of {report.actions} actions in {report.seconds:.2f}s: "
    if memo.hits:
        summary = (
            f"BigQuery (ZetaSQL) checked {report.actions} actions: {report.actions - memo.hits} analyzed, "
            f"{memo.hits} unchanged since they last passed, in {report.seconds:.2f}s: "
        )
    if report.problems:
        click.secho(summary + f"{len(report.problems)} refused", fg="red", err=True)
        sys.exit(1)
    click.secho(summary + "all accepted", fg="green", err=True)
    return report


@click.command()
@click.option("--vars", "variables", multiple=True, metavar="KEY=VALUE", help="Override workflow_settings.yaml vars.")
def check(variables):
    """Analyze every action as BigQuery would, with ZetaSQL (BigQuery's SQL front end), before running anything.

    Checks tables, views, both branches of incremental tables (the CREATE and the MERGE or INSERT
    Dataform writes), pre- and post-operations (DECLAREd variables become typed names),
    assertions and operations. Each action is analyzed against the schemas its inputs really
    have: the sources' from provisioning, every other from its own analysis. A problem names the
    SQLX file, its line and column, and BigQuery's message; the exit code is then 1.

    \b
    Examples:
      clickstream local check
      clickstream local check --vars late_data_lookback_minutes=60
    """
    settings = get_settings()
    try:
        graph = compile_graph(settings, parse_vars(variables) or None)
    except (CompilationError, CliMissing) as error:
        fail(error)
    checked_graph(settings, graph)


@click.command(name="compile")
@click.option("--vars", "variables", multiple=True, metavar="KEY=VALUE", help="Override workflow_settings.yaml vars.")
def compile_command(variables):
    """Compile the project with the pinned Dataform CLI and list its actions."""
    try:
        graph = compile_graph(get_settings(), parse_vars(variables) or None)
    except (CompilationError, CliMissing) as error:
        fail(error)
    for action in graph.order():
        click.echo(f"{action.kind:<12} {action.name:<60} {action.file}")
    click.echo(f"{len(graph.actions)} actions, {len(graph.tests)} tests", err=True)

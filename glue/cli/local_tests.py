"""`clickstream local test [NAME]...`: the project's Dataform unit tests on this machine, all or by name.

A subcommand of `clickstream local` (glue/cli/local.py adds it to its group).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from glue.dataform import CliMissing, CompilationError, DataformTest, did_you_mean
from glue.runner import compile_graph, connect
from glue.settings import get_settings
from glue.sql_tests import run_dataform_tests


@click.command()
@click.argument("names", nargs=-1, metavar="[NAME]...")
@click.option(
    "--warehouse",
    type=click.Path(dir_okay=False, path_type=Path),
    help="DuckDB file to run the tests in (default: a fresh in-memory one; the tests bring their own rows).",
)
@click.option(
    "--pytest/--no-pytest",
    "with_pytest",
    default=None,
    help="Also run the pytest SQL tests (the default when no NAME is given).",
)
def test(names, warehouse, with_pytest):
    """Run the project's `type: "test"` actions locally, then the pytest SQL unit tests.

    Dataform's own `dataform test` needs BigQuery; here each test's query and expected output
    run on DuckDB and are compared as multisets of rows (order does not matter), and the test's
    query runs on ZetaSQL's reference evaluator too, whose rows and types must be the same.
    The pytest SQL tests run every model on both engines.

    NAME runs that test alone (a test is named for its file in definitions/tests/, without
    `.sqlx`; the file's path works too), without the pytest SQL tests; an unknown NAME is refused
    (exit code 2) with the closest name. Exit code 1 when a test fails.

    \b
    Examples:
      clickstream local test
      clickstream local test test_visits_by_device
      clickstream local test definitions/tests/test_sales_by_category.sqlx --pytest
    """
    settings = get_settings()
    try:
        graph = compile_graph(settings)
        tests = selected_tests(graph.tests, names)
    except (CompilationError, CliMissing, KeyError) as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else str(error)
        click.secho(message, fg="red", err=True)
        sys.exit(2)
    from glue.oracle import Oracle, OracleUnavailable, ZetaSQL

    connection = connect(warehouse or ":memory:")
    try:
        with ZetaSQL.start(settings.root) as server:
            outcomes = run_dataform_tests(connection, graph, Oracle(server), tests)
    except OracleUnavailable as error:
        click.secho(str(error), fg="red", err=True)
        sys.exit(2)
    for outcome in outcomes:
        mark = click.style("ok  ", fg="green") if outcome.passed else click.style("FAIL", fg="red")
        click.echo(f"  {mark} {outcome.test.name:<40} {outcome.test.file}")
        if not outcome.passed:
            click.echo(outcome.explanation)
    failures = sum(not o.passed for o in outcomes)
    click.echo(f"{len(outcomes) - failures} passed, {failures} failed")
    code = 1 if failures else 0
    if with_pytest if with_pytest is not None else not names:
        import pytest

        code = code or pytest.main(["-q", str(settings.root / "tests" / "definitions")])
    sys.exit(code)


def selected_tests(tests: list[DataformTest], names: tuple[str, ...]) -> list[DataformTest]:
    """The tests named, by name or by file path, in the order named; every test when none is named.
    A name no test has is a KeyError naming the closest."""
    if not names:
        return list(tests)
    by_name = {test.name: test for test in tests}
    by_file = {Path(test.file).as_posix(): test for test in tests}
    chosen = []
    for name in names:
        test = by_name.get(name) or by_file.get(Path(name).as_posix())
        if test is None:
            known = sorted(by_name)
            raise KeyError(
                f"no Dataform test named {name!r}{did_you_mean(Path(name).stem, known)}; "
                f"the tests are {', '.join(known)}"
            )
        if test not in chosen:
            chosen.append(test)
    return chosen

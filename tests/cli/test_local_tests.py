"""`clickstream local test [NAME]...`: the Dataform unit tests, all of them or one by name; an unknown
name is refused with the closest. The session's compiled graph stands in for the command's compilation."""

import pytest
from click.testing import CliRunner

from glue.cli import main


@pytest.fixture
def compiled(graph, monkeypatch):
    monkeypatch.setattr("glue.cli.local_tests.compile_graph", lambda settings: graph)
    return graph


def _test(*args):
    return CliRunner().invoke(main, ["local", "test", *args])


def _ran(result) -> list[str]:
    """The names of the tests the command reports, one line each."""
    return [line.split()[1] for line in result.stdout.splitlines() if line.startswith("  ")]


def test_one_test_runs_by_its_name_without_the_pytest_sql_tests(compiled):
    result = _test("test_visits_by_device")
    assert result.exit_code == 0, result.output
    assert _ran(result) == ["test_visits_by_device"]
    assert result.stdout.splitlines()[-1] == "1 passed, 0 failed"  # nothing of pytest's after it
    by_file = _test("definitions/tests/test_visits_by_page.sqlx")
    assert by_file.exit_code == 0 and _ran(by_file) == ["test_visits_by_page"]


def test_with_no_name_every_test_runs(compiled):
    result = _test("--no-pytest")
    assert result.exit_code == 0, result.output
    assert _ran(result) == [t.name for t in compiled.tests] and len(compiled.tests) > 1
    assert result.stdout.splitlines()[-1] == f"{len(compiled.tests)} passed, 0 failed"


def test_an_unknown_name_is_refused_with_the_closest(compiled):
    result = _test("test_visits_by_devise")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(
        "no Dataform test named 'test_visits_by_devise' (did you mean test_visits_by_device?); the tests are "
    )

"""`clickstream local check`: the project as BigQuery's analyzer sees it, and edits it must refuse."""
from __future__ import annotations

import dataclasses

import pytest
from click.testing import CliRunner

from glue.cli import main
from glue.local.compiler import compile_project
from glue.local.graph import Graph
from glue.oracle import check_graph
from tests.conftest import copy_project

PAGE = "definitions/marts/visits_by_page.sqlx"


def test_the_project_is_accepted_with_every_action_and_both_branches(graph, oracle, settings):
    report = check_graph(graph, oracle, settings)
    assert report.ok, "\n".join(p.format() for p in report.problems)
    assert not report.not_checked
    runnable = [a for a in graph.actions.values() if not a.disabled]
    assert report.actions == len(runnable)
    incremental = [a for a in runnable if a.kind == "incremental"]
    # Each incremental model: full-branch CREATE, its pre-op statements, the MERGE or INSERT.
    assert report.statements > len(runnable) + len(incremental)
    assert report.schemas["clickstream.sessions"][0] == ("visit_id", "STRING")
    assert dict(report.schemas["clickstream.sessions"])["revenue"] == "NUMERIC"


# Each edit is SQL DuckDB runs and BigQuery refuses: (old text, new text, SQLX line, words of BigQuery's message).
REFUSED = {
    "a STRING compared with an INT64": (
        "WHERE event_type = 'page_view'", "WHERE event_type = 1", 20,
        "No matching signature for operator = for argument types: STRING, INT64"),
    "TIMESTAMP_ADD with MONTH": (
        "COUNT(DISTINCT visit_id) AS visits,",
        "COUNT(DISTINCT visit_id) AS visits, TIMESTAMP_ADD(MAX(event_timestamp), INTERVAL 1 MONTH) AS later,", 17,
        "TIMESTAMP_ADD does not support the MONTH date part"),
    "IF with branches of two types": (
        "COUNT(*) AS page_views,", "IF(COUNT(*) > 1, 1, 'a') AS page_views,", 16,
        "No matching signature for function IF"),
    "a DuckDB-only function": (
        "WHERE event_type = 'page_view'", "WHERE regexp_matches(page_url, 'home')", 20,
        "Function not found: regexp_matches"),
}


@pytest.fixture(scope="module")
def project(settings, tmp_path_factory):
    return copy_project(settings, tmp_path_factory.mktemp("project"))


@pytest.mark.parametrize("case", REFUSED)
def test_an_edit_bigquery_refuses_is_reported_at_its_sqlx_line(case, project, oracle, settings):
    old, new, line, words = REFUSED[case]
    sqlx = project / PAGE
    original = sqlx.read_text()
    assert old in original
    sqlx.write_text(original.replace(old, new))
    try:
        graph = Graph(compile_project(project, settings.dataform_cli))
        report = check_graph(graph, oracle, dataclasses.replace(settings, root=project))
    finally:
        sqlx.write_text(original)
    [problem] = report.problems
    assert (problem.file, problem.line) == (PAGE, line)
    assert words in problem.message
    assert problem.text.strip() == new.strip() or new.strip() in problem.text
    # What depends on the refused model is not checked, rather than failing on a missing table.
    assert "clickstream_assertions.clickstream_visits_by_page_assertions_uniqueKey_0" in report.not_checked


def test_an_incremental_branch_and_a_pre_operation_are_placed_in_the_sqlx(project, oracle, settings):
    sqlx = project / "definitions" / "curated" / "sessions.sqlx"
    original = sqlx.read_text()
    lines = original.split("\n")
    declare = next(i for i, text in enumerate(lines) if "SELECT MAX(loaded_at) FROM ${self()}" in text)
    sqlx.write_text(original.replace("SELECT MAX(loaded_at) FROM ${self()}", "SELECT MAX(loaded_at) + 1 FROM ${self()}"))
    try:
        graph = Graph(compile_project(project, settings.dataform_cli))
        [problem] = check_graph(graph, oracle, dataclasses.replace(settings, root=project)).problems
    finally:
        sqlx.write_text(original)
    assert (problem.file, problem.line, problem.what) == ("definitions/curated/sessions.sqlx", declare + 1,
                                                          "pre_operations")
    assert "No matching signature for operator +" in problem.message


def test_the_command_prints_file_line_and_caret_and_exits_1(project, settings, monkeypatch):
    sqlx = project / PAGE
    original = sqlx.read_text()
    sqlx.write_text(original.replace("WHERE event_type = 'page_view'", "WHERE event_type = 1"))
    monkeypatch.setattr("glue.local.cli.get_settings", lambda: dataclasses.replace(settings, root=project))
    for tool in (".bin/dataform", "@fivetrandevelopers"):  # the CLI and the oracle, from this checkout
        link = project / "node_modules" / tool
        if not link.exists():
            link.parent.mkdir(exist_ok=True)
            link.symlink_to((settings.root / "node_modules" / tool).resolve())
    try:
        result = CliRunner().invoke(main, ["local", "check"])
    finally:
        sqlx.write_text(original)
    assert result.exit_code == 1, result.output
    assert f"{PAGE}:20:7: No matching signature for operator =" in result.output
    assert "  20 | WHERE event_type = 1" in result.output
    assert "\n       |       ^" in result.output

"""The check's memo: an action unchanged since it passed, read against unchanged inputs, is not
analyzed again, and a memo never hides a problem (glue/oracle/check_memo.py)."""

from __future__ import annotations

import dataclasses

import pytest

from glue.dataform import Graph, compile_project
from glue.oracle import CheckMemo, check_graph
from tests.conftest import copy_project

MART = "definitions/marts/visits_by_page.sqlx"


@pytest.fixture(scope="module")
def checked(settings, oracle, tmp_path_factory):
    """A project copy, its settings, and a memo file filled by one full check."""
    root = copy_project(settings, tmp_path_factory.mktemp("memo"))
    local = dataclasses.replace(settings, root=root)
    memo_file = root / "check_memo.pickle"
    first = check_graph(Graph(compile_project(root, settings.dataform_cli)), oracle, local, CheckMemo(memo_file))
    assert first.ok
    return root, local, memo_file, first


def _no_oracle():
    raise AssertionError("ZetaSQL was started although no action changed")


def test_an_unchanged_project_is_not_analyzed_again_and_zetasql_is_not_started(checked, settings):
    root, local, memo_file, first = checked
    memo = CheckMemo(memo_file)  # as a new process reads it
    again = check_graph(Graph(compile_project(root, settings.dataform_cli)), _no_oracle, local, memo)
    assert again.ok and memo.hits == again.actions == first.actions
    assert again.schemas == first.schemas and again.statements == first.statements


def test_an_edited_action_is_analyzed_again_and_its_problem_found(checked, settings, oracle):
    root, local, memo_file, _ = checked
    mart = root / MART
    text = mart.read_text()
    mart.write_text(text.replace("page_views,", "page_viewz,", 1))
    try:
        memo = CheckMemo(memo_file)
        report = check_graph(Graph(compile_project(root, settings.dataform_cli)), oracle, local, memo)
    finally:
        mart.write_text(text)
    [problem] = report.problems
    assert problem.file == MART and "page_viewz" in problem.message
    # Most came from the memo; those with scripts that follow it are analyzed again, as the
    # column names they may shadow lost the mart's.
    assert report.actions // 2 < memo.hits < report.actions


def test_a_changed_input_schema_analyzes_what_reads_it_again(checked, settings, oracle):
    root, local, memo_file, first = checked
    totals = root / "definitions" / "aggregates" / "page_totals.sqlx"
    text = totals.read_text()
    old = "SELECT page_url, page_views, visits, loaded_at FROM totals"
    assert old in text, "page_totals.sqlx changed: update the test"
    # page_views becomes FLOAT64: visits_by_page, which passes it on, has a new schema only if analyzed again.
    totals.write_text(
        text.replace(old, "SELECT page_url, CAST(page_views AS FLOAT64) AS page_views, visits, loaded_at FROM totals")
    )
    try:
        memo = CheckMemo(memo_file)
        report = check_graph(Graph(compile_project(root, settings.dataform_cli)), oracle, local, memo)
    finally:
        totals.write_text(text)
    assert dict(first.schemas["clickstream.visits_by_page"])["page_views"] == "INT64"
    assert dict(report.schemas["clickstream.visits_by_page"])["page_views"] == "FLOAT64"
    assert 0 < memo.hits < report.actions

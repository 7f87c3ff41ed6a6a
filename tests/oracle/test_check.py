"""`clickstream local check`: the project as BigQuery's analyzer sees it, and edits it must refuse."""

from __future__ import annotations

import dataclasses

import pytest
from click.testing import CliRunner

from glue.cli import main
from glue.dataform import Graph, compile_project
from glue.oracle import check_graph
from tests.conftest import copy_project

PAGE = "definitions/marts/visits_by_page.sqlx"


def test_the_project_is_accepted_with_every_action_and_both_branches(graph, oracle, settings):
    report = check_graph(graph, oracle, settings)
    assert report.ok, "\n".join(p.format() for p in report.problems)
    assert not report.not_checked
    # Disabled actions too: a reprocessing compilation enables the retraction (and disables others).
    runnable = list(graph.actions.values())
    assert any(a.disabled for a in runnable)
    assert report.actions == len(runnable)
    incremental = [a for a in runnable if a.kind == "incremental"]
    # Each incremental model: full-branch CREATE, its pre-op statements, the MERGE or INSERT.
    assert report.statements > len(runnable) + len(incremental)
    assert report.schemas["clickstream.sessions"][0] == ("visit_id", "STRING")
    assert dict(report.schemas["clickstream.sessions"])["revenue"] == "NUMERIC"


# Each edit is SQL DuckDB runs and BigQuery refuses, in a model of its own, so that one compile
# of the edited copy shows all of them: {what: (file, old text, new text, the line of the new
# text that BigQuery refuses, from 0, BigQuery's words)}. The SQLX line expected is found in the file.
REFUSED = {
    "a STRING compared with an INT64": (
        PAGE,
        'FROM ${ref("page_totals")}',
        'FROM ${ref("page_totals")}\nWHERE page_url = 1',
        1,
        "No matching signature for operator = for argument types: STRING, INT64",
    ),
    "TIMESTAMP_ADD with MONTH": (
        "definitions/marts/visits_by_device.sqlx",
        "  revenue\nFROM",
        "  revenue, TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 MONTH) AS later\nFROM",
        0,
        "TIMESTAMP_ADD does not support the MONTH date part",
    ),
    "IF with branches of two types": (
        "definitions/marts/sales_by_category.sqlx",
        "  units_sold,",
        "  IF(units_sold > 1, 1, 'a') AS units_sold,",
        0,
        "No matching signature for function IF",
    ),
    "a DuckDB-only function": (
        "definitions/marts/popular_items.sqlx",
        "  product_name,",
        "  regexp_matches(product_name, 'a') AS product_name,",
        0,
        "Function not found: regexp_matches",
    ),
    # In an incremental model's pre-operations, inside ${when(incremental(), `...`)}.
    "an incremental pre-operation": (
        "definitions/aggregates/page_views_per_minute.sqlx",
        "AND event_type = 'page_view'`",
        "AND event_type = 1`",
        0,
        "No matching signature for operator = for argument types: STRING, INT64",
    ),
}


# Models the check refuses for what they are rather than for BigQuery's words, added to the copy
# with REFUSED's edits: {file: its text}.
_MART = 'config {{\n  type: "view",\n  columns: {{\n    hour_of_day: "Hour.",\n    visits: "Visits."\n  }}\n}}\n\n{}'
ADDED = {
    # A table of the project named as dataset.table, not through ${ref()}.
    "definitions/marts/visits_by_hour.sqlx": _MART.format(
        "SELECT EXTRACT(HOUR FROM session_start) AS hour_of_day, COUNT(*) AS visits\n"
        "FROM clickstream.sessions\nGROUP BY hour_of_day\n"
    ),
    # An output column with no description.
    "definitions/marts/revenue_by_hour.sqlx": _MART.format(
        "SELECT EXTRACT(HOUR FROM session_start) AS hour_of_day, COUNT(*) AS visits, SUM(revenue) AS revenue\n"
        'FROM ${ref("sessions")}\nGROUP BY hour_of_day\n'
    ),
}


@pytest.fixture(scope="module")
def project(settings, tmp_path_factory):
    return copy_project(settings, tmp_path_factory.mktemp("project"))


@pytest.fixture(scope="module")
def refused(project, oracle, settings):
    """The check's report on the copy with every edit of REFUSED made."""
    originals = {}
    for file, old, new, _, _ in REFUSED.values():
        path = project / file
        originals[path] = path.read_text()
        assert old in originals[path], f"{file} no longer holds {old!r}: update the test"
        path.write_text(originals[path].replace(old, new))
    for file, text in ADDED.items():
        (project / file).write_text(text)
    try:
        graph = Graph(compile_project(project, settings.dataform_cli))
        return check_graph(graph, oracle, dataclasses.replace(settings, root=project))
    finally:
        for path, text in originals.items():
            path.write_text(text)
        for file in ADDED:
            (project / file).unlink()


@pytest.mark.parametrize("case", REFUSED)
def test_an_edit_bigquery_refuses_is_reported_at_its_sqlx_line(case, refused, settings):
    file, old, new, refused_line, words = REFUSED[case]
    text = (settings.root / file).read_text()
    line = text[: text.index(old)].count("\n") + 1 + refused_line
    [problem] = [p for p in refused.problems if p.file == file]
    assert problem.line == line and words in problem.message
    assert new.splitlines()[refused_line].strip() in problem.text
    # What depends on the refused model is not checked, rather than failing on a missing table.
    table = file.rsplit("/", 1)[1].removesuffix(".sqlx")
    assert any(f"clickstream.{table}" in needs for needs in refused.not_checked.values())


def _check_edited(project, oracle, settings, old: str, new: str, file: str = "definitions/curated/sessions.sqlx"):
    """The check's report on the project with `old` replaced by `new` once in `file`, and the
    file as it was."""
    sqlx = project / file
    original = sqlx.read_text()
    assert old in original, f"{file} no longer holds {old!r}: update the test"
    sqlx.write_text(original.replace(old, new, 1))
    try:
        graph = Graph(compile_project(project, settings.dataform_cli))
        return check_graph(graph, oracle, dataclasses.replace(settings, root=project)), original
    finally:
        sqlx.write_text(original)


def test_a_line_below_includes_helpers_is_reported_at_its_own_sqlx_line(project, oracle, settings):
    # Each ${checks.required_string(...)} above the edit expands to three compiled lines, and
    # ${watermark.newest_load(self())} in the pre-operations to three more.
    old = "WHEN details_type != 'object' THEN '.details: not an object'"
    new = "WHEN details_type != 1 THEN '.details: not an object'"
    report, original = _check_edited(project, oracle, settings, old, new, "definitions/staging/stg_events.sqlx")
    [problem] = report.problems
    assert problem.line == original[: original.index(old)].count("\n") + 1
    assert "details_type != 1" in problem.text


def test_a_description_of_a_column_the_model_does_not_output_is_named_at_its_line(project, oracle, settings):
    # Dataform drops such a description without a word, and the data dictionary with it. (A name
    # no table has fails the compilation first: it has no class of personal data, includes/privacy.js.)
    opening = "  columns: privacy.classified({\n"
    report, original = _check_edited(project, oracle, settings, opening, opening + '    purchases: "Misplaced.",\n')
    [problem] = report.problems
    assert problem.message == (
        "a description of column 'purchases', which clickstream.sessions does not output (did you mean purchase_count?)"
    )
    assert problem.line == original.split("\n").index(opening.rstrip("\n")) + 2
    assert problem.format().splitlines()[1].strip() == f'{problem.line} |     purchases: "Misplaced.",'


# An analyst's slips in sessions.sqlx: {what: (old line, new line, the message's words)}.
SLIPS = {
    "a missing comma": ("  v.device_type,", "  v.device_type", 'Syntax error: Expected end of input but got "."'),
    "a misspelt column": (
        "  v.device_type,",
        "  v.devise_type,",
        "Name devise_type not found inside v (did you mean device_type?)",
    ),
    "a misspelt table": (
        "FROM new_visits AS v",
        "FROM new_visit AS v",
        "Table not found: new_visit (did you mean new_visits?)",
    ),
}


@pytest.mark.parametrize("slip", SLIPS)
def test_a_slip_is_shown_at_its_sqlx_line_with_a_caret_and_what_was_meant(slip, project, oracle, settings):
    old, new, words = SLIPS[slip]
    report, original = _check_edited(project, oracle, settings, f"\n{old}\n", f"\n{new}\n")
    [problem] = report.problems
    assert words in problem.message
    lines = problem.format().splitlines()
    # The refused token is on the new line or, for a missing comma, on the line after it.
    edited = original.split("\n").index(old) + 1
    assert problem.line in (edited, edited + 1)
    assert lines[1].strip().startswith(f"{problem.line} |") and lines[2].strip().endswith("^")
    assert lines[2].index("^") == lines[1].index("|") + 2 + problem.column - 1


def test_two_bare_names_in_a_select_list_are_warned_of_at_their_line(project, oracle, settings):
    # `device_type latitude`: a comma dropped between two bare columns is an alias, legal SQL.
    report, original = _check_edited(
        project, oracle, settings, "\n  v.device_type,\n", "\n  v.device_type AS device_type, user_agent browser,\n"
    )
    [warning] = report.warnings
    assert warning.message.startswith("warning: `user_agent browser` reads as column user_agent named browser")
    assert warning.line == original.split("\n").index("  v.device_type,") + 1
    assert warning.column == len("  v.device_type AS device_type, ") + 1


def test_a_table_of_the_project_named_as_text_is_refused_at_its_line(refused):
    file = "definitions/marts/visits_by_hour.sqlx"
    [problem] = [p for p in refused.problems if p.file == file]
    assert problem.format().splitlines() == [
        f'{file}:10:6: clickstream.sessions is a table of the project: use ${{ref("sessions")}} so that Dataform '
        "runs what makes it first, and names it as each environment does (clickstream.visits_by_hour, query)",
        "    10 | FROM clickstream.sessions",
        "       |      ^",
    ]


def test_an_output_column_with_no_description_is_named_at_the_config_blocks_columns(refused):
    # The README asks for a description of every column; the data dictionary shows them.
    file = "definitions/marts/revenue_by_hour.sqlx"
    [problem] = [p for p in refused.problems if p.file == file]
    assert problem.format().splitlines() == [
        f"{file}:3:3: column 'revenue' has no description: add revenue: \"...\" to the config block's columns "
        "(clickstream.revenue_by_hour, config)",
        "     3 |   columns: {",
        "       |   ^",
    ]


def test_nothing_else_is_refused(refused):
    assert len(refused.problems) == len(REFUSED) + len(ADDED)


def test_the_pre_operation_is_reported_with_its_block(refused):
    [problem] = [p for p in refused.problems if p.file.endswith("page_views_per_minute.sqlx")]
    assert problem.what == "pre_operations"


def test_the_command_prints_file_line_and_caret_and_exits_1(project, settings, monkeypatch):
    sqlx = project / PAGE
    original = sqlx.read_text()
    sqlx.write_text(original.replace('FROM ${ref("page_totals")}', 'FROM ${ref("page_totals")}\nWHERE page_url = 1'))
    monkeypatch.setattr("glue.cli.local_check.get_settings", lambda: dataclasses.replace(settings, root=project))
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
    text = (settings.root / PAGE).read_text()
    line = text[: text.index('FROM ${ref("page_totals")}')].count("\n") + 2
    assert f"{PAGE}:{line}:7: No matching signature for operator =" in result.output
    assert f"  {line} | WHERE page_url = 1" in result.output
    assert "\n       |       ^" in result.output


def test_compiled_lines_are_placed_in_the_sqlx_block_they_came_from():
    from glue.dataform.sqlx_lines import line_map

    sqlx = (
        'config {\n  type: "incremental"\n}\n\npre_operations {\n  DECLARE x INT64 DEFAULT (\n'
        '    ${when(incremental(), `SELECT 1`, `0`)}\n  );\n}\n\nSELECT\n  a,\n  ${ref("t")}.b\n'
        'FROM ${ref("t")}\n${when(incremental(), `WHERE a > x`)}\n'
    )
    compiled = "\n\n\nSELECT\n  a,\n  `ds.t`.b\nFROM `ds.t`\nWHERE a > x\n"
    assert line_map(sqlx, compiled) == {4: 11, 5: 12, 6: 13, 7: 14, 8: 15}
    assert line_map(sqlx, "\n  DECLARE x INT64 DEFAULT (\n    SELECT 1\n  );\n", "pre_operations") == {2: 6, 3: 7, 4: 8}


def test_a_declare_is_read_into_names_type_and_default():
    from glue.oracle import scripts

    script = "-- why\nDECLARE a, b TIMESTAMP DEFAULT (SELECT 1);\nSET a = 2;\nDECLARE c ARRAY<STRING>;"
    first, second, third = scripts.split(script)
    declared = scripts.declare(first)
    assert (declared.names, declared.type) == (["a", "b"], "TIMESTAMP")
    assert script[declared.default_start : declared.default_end] == "(SELECT 1)"
    assert scripts.declare(second) is None
    assert scripts.declare(third).type == "ARRAY<STRING>" and scripts.declare(third).default_start is None
    # Blanking keeps every other character's line and column.
    assert scripts.blanked(script, first.start, first.end).split("\n")[1].rstrip() == first.text


def test_a_default_on_a_line_of_its_own_is_analyzed_in_place(oracle):
    from glue.oracle import Catalog, scripts

    script = "DECLARE since\\n  TIMESTAMP DEFAULT\\n(\\nSELECT 1)".replace("\\n", "\n")
    [statement] = scripts.split(script)
    declared = scripts.declare(statement)
    text = scripts.blanked(script, declared.default_start, declared.default_end, "SELECT ", statement.start)
    assert text.split("\n")[3] == "SELECT 1)"  # the default keeps its lines
    assert oracle.analyze(text, Catalog()) == [("$col1", "INT64")]


def test_a_script_variable_named_like_a_column_it_would_shadow_is_refused(project, oracle, settings):
    """BigQuery resolves the name to the column; the local runner would read the variable."""
    file = "definitions/curated/rejected_visits.sqlx"
    sqlx = project / file
    original = sqlx.read_text()
    sqlx.write_text(original.replace("read_through", "loaded_through"))
    try:
        graph = Graph(compile_project(project, settings.dataform_cli))
        report = check_graph(graph, oracle, dataclasses.replace(settings, root=project))
    finally:
        sqlx.write_text(original)
    [problem] = [p for p in report.problems if p.file == file]
    assert "loaded_through here is a column of a table the statement reads" in problem.message
    assert "rename the variable" in problem.message
    assert "MAX(loaded_through)" in problem.text
    assert problem.line == original[: original.index("MAX(loaded_through)")].count("\n") + 1

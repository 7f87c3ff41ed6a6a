"""`clickstream local run`: compile, land, execute, report; failures named, dependents skipped."""
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from glue.cli import main
from glue.local.compiler import CompilationError, compile_project
from glue.local.dataform_tests import run_dataform_tests
from glue.local.executor import Executor
from glue.local.graph import Graph
from glue.local.warehouse import connect
from tests.conftest import BASE_VISIT



def test_run_lands_inputs_and_builds_everything(workspace):
    source = workspace / "in" / "visits-2024-07-01T09.jsonl"
    source.parent.mkdir()
    source.write_text(json.dumps(BASE_VISIT) + "\n{broken\n")
    result = CliRunner().invoke(main, ["local", "run", "--input", str(source.parent / "*.jsonl")])
    assert result.exit_code == 0, result.output
    assert "clickstream.sessions" in result.output and "0 failed" in result.output
    db = connect(workspace / "local" / "warehouse.duckdb")
    assert db.execute("SELECT COUNT(*) FROM clickstream.sessions").fetchone() == (1,)
    # Landed under the hour it landed: the landing table's hive partition.
    [(source_ref,)] = db.execute("SELECT source_ref FROM clickstream.rejected_visits").fetchall()
    assert re.fullmatch(r"gs://clickstream-local-clickstream-landing/visits/hour=\d{4}-\d\d-\d\dT\d\d/"
                        r"visits-2024-07-01T09\.jsonl", source_ref), source_ref


def test_a_dry_run_prints_what_the_run_would_do_and_changes_nothing(workspace):
    source = workspace / "in" / "visits-2024-07-01T09.jsonl"
    source.parent.mkdir()
    source.write_text(json.dumps(BASE_VISIT) + "\n")
    warehouse, landing = workspace / "local" / "warehouse.duckdb", workspace / "local" / "landing"
    runner = CliRunner()

    def dry(*flags):
        result = runner.invoke(main, ["local", "run", "--dry-run", "--input", str(source), "--actions", "sessions", *flags])
        assert result.exit_code == 0, result.output
        return result.output

    first = dry()
    assert re.search(r"visits-2024-07-01T09\.jsonl -> gs://clickstream-local-clickstream-landing/visits/"
                     r"hour=[0-9T-]+/visits-2024-07-01T09\.jsonl\n", first)
    assert re.search(r"plan incremental +clickstream\.sessions +create\n", first)
    assert re.search(r"plan incremental +clickstream_staging\.stg_visit_payloads +create\n", first)
    assert "clickstream.events" not in first
    assert not warehouse.exists() and not landing.exists()

    assert runner.invoke(main, ["local", "run", "--input", str(source), "--actions", "sessions"]).exit_code == 0
    written = warehouse.stat().st_mtime_ns
    again = dry()
    assert "(already there, unchanged)" in again
    assert re.search(r"plan incremental +clickstream\.sessions +append\n", again)
    assert re.search(r"plan incremental +clickstream\.sessions +rebuild\n", dry("--full-refresh"))
    assert warehouse.stat().st_mtime_ns == written


def test_an_unknown_action_is_one_plain_line(workspace):
    for flags in ([], ["--dry-run"]):
        result = CliRunner().invoke(main, ["local", "run", "--actions", "nope", *flags])
        assert result.exit_code == 2
        assert result.output.strip() == "no action named 'nope'"


@pytest.mark.parametrize("kind, existing, full_refresh, step", [
    ("view", None, False, "create view"), ("view", "view", False, "replace view"),
    ("table", None, False, "create"), ("table", "table", False, "replace"), ("table", "view", False, "replace the view with a table"),
    ("incremental", "table", False, "merge on visit_id"), ("incremental", "table", True, "rebuild"),
    ("assertion", "view", False, "check"),
])
def test_each_kind_of_action_is_planned_as_the_executor_would_run_it(kind, existing, full_refresh, step):
    from glue.local.graph import Action
    from glue.local.workflow import planned_step

    action = Action("s.t", kind, "s", "t", unique_key=["visit_id"])
    assert planned_step(action, existing, full_refresh) == step


def test_an_incremental_without_a_key_appends_and_operations_count_their_statements():
    from glue.local.graph import Action
    from glue.local.workflow import planned_step

    assert planned_step(Action("s.t", "incremental", "s", "t"), "table", False) == "append"
    operations = Action("s.t", "operations", "s", "t", queries=["SELECT 1", "SELECT 2"])
    assert planned_step(operations, None, False) == "run 2 statement(s)"


def test_the_raw_tables_provisioning_names_are_the_workflows_sources(settings, graph):
    # clickstream.yaml names them for provisioning and the local warehouse; the SQLX declares them.
    declared = {a.name for a in graph.actions.values() if a.kind == "declaration"}
    named = {f"{settings.raw_dataset}.{settings.raw[key]}" for key in ("pubsub_table", "gcs_table", "gcs_objects_table")}
    assert named == declared


def test_selection_by_tag_and_action_brings_dependencies(graph):
    names = [a.name for a in graph.select(actions=["visits_by_device"])]
    assert (names.index("clickstream_staging.stg_visit_payloads") < names.index("clickstream.sessions")
            < names.index("clickstream.device_totals") < names.index("clickstream.visits_by_device"))
    assert "clickstream.events" not in names
    staging = [a for a in graph.select(tags=["staging"], include_dependencies=False) if a.kind != "assertion"]
    assert {a.schema for a in staging} == {"clickstream_staging"}


def test_an_inline_assertion_runs_with_the_table_it_checks():
    target = lambda name: {"schema": "ds", "name": name}  # noqa: E731
    compiled = {
        "tables": [{"target": target("t"), "type": "table", "query": "SELECT 1 AS a"}],
        "assertions": [{"target": target("t_assertions_uniqueKey_0"), "parentAction": target("t"),
                        "query": "SELECT 1 FROM ds.t WHERE FALSE", "dependencyTargets": [target("t")]}],
    }
    names = [a.name for a in Graph(compiled).select(actions=["t"])]
    assert names == ["ds.t", "ds.t_assertions_uniqueKey_0"]


def test_failing_assertion_is_named_with_sample_rows_and_dependents_skipped(graph, harness):
    harness.pubsub([BASE_VISIT])
    harness.run("clickstream.sessions")
    harness.connection.execute("INSERT INTO clickstream.sessions SELECT * FROM clickstream.sessions")
    # Make visits_by_device depend on the failing assertion, as `dependencies:` in SQLX would.
    unique = graph.find("assert_sessions_loaded")
    target = graph.find("visits_by_device")
    target.dependencies = [*target.dependencies, unique.name]
    try:
        report = Executor(harness.connection).run(graph.order({unique.name, target.name}))
    finally:
        target.dependencies.remove(unique.name)
    failed, skipped = report.results
    assert failed.status == "failed" and "assert_sessions_loaded" in failed.message
    assert failed.sample and failed.columns == ["visit_id", "rows_with_key", "problems"]
    assert skipped.status == "skipped" and unique.name in skipped.message


def test_compilation_errors_name_the_file(settings):
    # The CLI wants a real node_modules beside the project, so the broken file goes into this one.
    bad = settings.root / "definitions" / "zz_pytest_broken.sqlx"
    bad.write_text('config { type: "table" }\nSELECT * FROM ${ref("no_such_table")}\n')
    try:
        with pytest.raises(CompilationError) as error:
            compile_project(settings.root, settings.dataform_cli)
    finally:
        bad.unlink()
    assert "definitions/zz_pytest_broken.sqlx" in str(error.value)
    assert "no_such_table" in str(error.value)


def test_dataform_type_test_actions_pass_locally(graph, oracle):
    outcomes = run_dataform_tests(connect(), graph, oracle)
    # One outcome per test file, each named for its file.
    files = Path(__file__).resolve().parents[1].glob("definitions/tests/*.sqlx")
    assert sorted(o.test.name for o in outcomes) == sorted(f.stem for f in files)
    assert all(o.passed for o in outcomes), [o.explanation for o in outcomes if not o.passed]


def test_a_wrong_expectation_fails_with_the_difference(graph):
    test = next(t for t in graph.tests if t.name == "test_visits_by_device")
    broken = Graph(graph.compiled)
    broken.tests = [type(test)(test.name, test.file, test.test_query,
                               test.expected_query.replace("'desktop'", "'laptop'"))]
    [outcome] = run_dataform_tests(connect(), broken)
    assert not outcome.passed and "laptop" in outcome.explanation


def test_a_test_calling_a_function_missing_locally_names_it(graph):
    test = next(t for t in graph.tests if t.name == "test_visits_by_device")
    broken = Graph(graph.compiled)
    broken.tests = [type(test)(test.name, test.file, "SELECT ST_GEOGPOINT(1.5, 2.5) AS point", test.expected_query)]
    [outcome] = run_dataform_tests(connect(), broken)
    assert not outcome.passed and "no function ST_GEOGPOINT locally" in outcome.explanation, outcome.explanation


def test_every_model_parses_as_bigquery_sql(graph):
    import sqlglot

    for action in graph.actions.values():
        for sql in [action.query, action.incremental_query, *action.pre_ops, *action.incremental_pre_ops]:
            if sql:
                sqlglot.parse(sql, read="bigquery")


def test_the_landing_table_reads_every_line_whole(tmp_path):
    """Quotes, commas, tabs, backslashes, CRLF, a 3 MB line and blank lines, as BigQuery's
    external table (CSV, quoting off, U+0001 delimiter) would read them."""
    from glue.local.warehouse import landing_query

    lines = ['{"q": "\\"quoted\\", with, commas\\ttab \\\\ back"}', "", "   ", 'not json "unbalanced',
             "x" * 3_000_000, '{"crlf": 1}\r', "last line without a newline"]
    objects = tmp_path / "bucket" / "visits" / "hour=2024-07-01T09"
    objects.mkdir(parents=True)
    (objects / "a.jsonl").write_text("\n".join(lines))
    db = connect()
    rows = db.execute(f"SELECT line, _FILE_NAME FROM ({landing_query(tmp_path, 'bucket/visits')})").fetchall()
    assert [line for line, _ in rows if line is not None and line.strip()] == [
        lines[0], lines[3], lines[4], '{"crlf": 1}', lines[6]]
    assert {name for _, name in rows} == {"gs://bucket/visits/hour=2024-07-01T09/a.jsonl"}


def test_a_line_with_a_raw_control_character_is_cut_there_and_stays_one_line(tmp_path):
    from glue.local.warehouse import landing_query

    objects = tmp_path / "bucket" / "visits" / "hour=2024-07-01T09"
    objects.mkdir(parents=True)
    (objects / "a.jsonl").write_text('{"ok": 1}\n{"a": "x\x01y"}\n{"b": 2}\r\n')
    rows = connect().execute(f"SELECT line FROM ({landing_query(tmp_path, 'bucket/visits')})").fetchall()
    assert [line for (line,) in rows if line] == ['{"ok": 1}', '{"a": "x', '{"b": 2}']


def test_lines_near_the_limit_are_read_whole_where_they_cross_a_read_buffer(tmp_path):
    """Lines just under MAX_LINE_BYTES, one straddling the end of DuckDB's first read buffer, among
    short ones: every line comes back whole, in a file DuckDB reads in parallel."""
    from glue.local.warehouse import MAX_LINE_BYTES, READ_BUFFER_BYTES, landing_query

    short = ['{"i": %d}' % i for i in range(20_000)]
    near = MAX_LINE_BYTES - 1
    before = READ_BUFFER_BYTES - near // 2 - sum(len(line) + 1 for line in short)  # bytes up to the straddler
    filler = ["f" * ((4 << 20) - 1)] * (before // (4 << 20)) + ["g" * (before % (4 << 20) - 1)]
    lines = [*short, *filler, "a" * near, *short, "b" * near, "c" * 1000]
    objects = tmp_path / "bucket" / "visits" / "hour=2024-07-01T09"
    objects.mkdir(parents=True)
    (objects / "a.jsonl").write_text("\n".join(lines) + "\n")
    rows = connect().execute(f"SELECT length(line) FROM ({landing_query(tmp_path, 'bucket/visits')})").fetchall()
    assert [length for (length,) in rows] == [len(line) for line in lines]


def test_a_landing_line_over_the_limit_fails_the_run_naming_the_object_and_line(workspace):
    from glue.local.warehouse import MAX_LINE_BYTES

    source = workspace / "in" / "visits-2024-07-01T09.jsonl"
    source.parent.mkdir()
    source.write_text(json.dumps(BASE_VISIT) + "\n" + "x" * (MAX_LINE_BYTES + 1) + "\n")
    result = CliRunner().invoke(main, ["local", "run", "--input", str(source)])
    assert result.exit_code != 0
    assert (f"visits-2024-07-01T09.jsonl, line 2: {MAX_LINE_BYTES + 1:,} bytes long; the local runner reads "
            f"landing lines of up to {MAX_LINE_BYTES:,} bytes") in result.output


def test_a_broken_warehouse_file_is_reported_as_broken_not_as_busy(tmp_path):
    import duckdb

    from glue.local.warehouse import WarehouseBusy

    broken = tmp_path / "warehouse.duckdb"
    broken.write_bytes(b"not a database" * 1000)
    with pytest.raises(duckdb.Error) as raised:
        connect(broken, lock_timeout=1)
    assert not isinstance(raised.value, WarehouseBusy)


def test_landing_objects_get_a_new_generation_on_every_write_even_at_the_same_size(tmp_path):
    import os

    from glue.local.warehouse import landing_objects

    path = tmp_path / "bucket" / "visits" / "hour=2024-07-01T09" / "visits-2024-07-01.jsonl"
    path.parent.mkdir(parents=True)
    path.write_text('{"a": 1}\n')
    os.utime(path, ns=(1_700_000_000_123_456_000, 1_700_000_000_123_456_000))
    [(uri, generation, size, _)] = landing_objects(tmp_path, "bucket/visits")
    assert (uri, generation, size) == ("gs://bucket/visits/hour=2024-07-01T09/visits-2024-07-01.jsonl",
                                       1_700_000_000_123_456, 9)
    path.write_text('{"b": 2}\n')  # an overwrite of the same size, a moment later
    os.utime(path, ns=(1_700_000_000_123_457_000, 1_700_000_000_123_457_000))
    [(_, rewritten, same_size, _)] = landing_objects(tmp_path, "bucket/visits")
    assert same_size == size and rewritten > generation


def test_an_object_outside_the_hive_layout_is_named_with_the_fix(tmp_path):
    from glue.local.warehouse import LandingLayoutError, landing_objects

    stray = tmp_path / "bucket" / "visits" / "visits-2024-07-01.jsonl"
    stray.parent.mkdir(parents=True)
    stray.write_text('{"a": 1}\n')
    # BigQuery's hive-partitioned landing table would not read it: refused, never skipped in silence.
    with pytest.raises(LandingLayoutError, match=r"gs://bucket/visits/visits-2024-07-01\.jsonl .* not under hour="):
        landing_objects(tmp_path, "bucket/visits")


@pytest.mark.parametrize("local, named", [
    ({"zstd_columns": ["payload"]}, "local.zstd_columns names columns as table.column, not 'payload'"),
    ({"concurrency": 0}, "local.concurrency must be a whole number from 1, not 0"),
])
def test_a_bad_local_setting_is_named_not_a_traceback(settings, monkeypatch, local, named):
    import dataclasses

    import glue.local.cli as local_cli

    bad = dataclasses.replace(settings, infra={**settings.infra, "local": {**settings.infra["local"], **local}})
    monkeypatch.setattr(local_cli, "get_settings", lambda: bad)
    result = CliRunner().invoke(main, ["local", "run", "--no-notify"])
    assert result.exit_code == 1 and named in result.output
    assert "Traceback" not in result.output and not isinstance(result.exception, ValueError)

"""`clickstream local run`: lands inputs, builds everything, plans a dry run, names bad input and settings."""

import json
import re

import pytest
from click.testing import CliRunner

from glue.cli import main
from glue.runner import connect
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
    assert re.fullmatch(
        r"gs://clickstream-local-clickstream-landing/visits/hour=\d{4}-\d\d-\d\dT\d\d/"
        r"visits-2024-07-01T09\.jsonl",
        source_ref,
    ), source_ref


def test_a_dry_run_prints_what_the_run_would_do_and_changes_nothing(workspace):
    source = workspace / "in" / "visits-2024-07-01T09.jsonl"
    source.parent.mkdir()
    source.write_text(json.dumps(BASE_VISIT) + "\n")
    warehouse, landing = workspace / "local" / "warehouse.duckdb", workspace / "local" / "landing"
    runner = CliRunner()

    def dry(*flags):
        result = runner.invoke(
            main, ["local", "run", "--dry-run", "--input", str(source), "--actions", "sessions", *flags]
        )
        assert result.exit_code == 0, result.output
        return result.output

    first = dry()
    assert re.search(
        r"visits-2024-07-01T09\.jsonl -> gs://clickstream-local-clickstream-landing/visits/"
        r"hour=[0-9T-]+/visits-2024-07-01T09\.jsonl\n",
        first,
    )
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


def test_a_landing_line_over_the_limit_fails_the_run_naming_the_object_and_line(workspace):
    from glue.landing import MAX_LINE_BYTES

    source = workspace / "in" / "visits-2024-07-01T09.jsonl"
    source.parent.mkdir()
    source.write_text(json.dumps(BASE_VISIT) + "\n" + "x" * (MAX_LINE_BYTES + 1) + "\n")
    result = CliRunner().invoke(main, ["local", "run", "--input", str(source)])
    assert result.exit_code != 0
    assert (
        f"visits-2024-07-01T09.jsonl, line 2: {MAX_LINE_BYTES + 1:,} bytes long; the local runner reads "
        f"landing lines of up to {MAX_LINE_BYTES:,} bytes"
    ) in result.output


@pytest.mark.parametrize(
    "local, named",
    [
        ({"zstd_columns": ["payload"]}, "local.zstd_columns names columns as table.column, not 'payload'"),
        ({"concurrency": 0}, "local.concurrency must be a whole number from 1, not 0"),
    ],
)
def test_a_bad_local_setting_is_named_not_a_traceback(settings, monkeypatch, local, named):
    import dataclasses

    import glue.cli.local as local_cli

    bad = dataclasses.replace(settings, infra={**settings.infra, "local": {**settings.infra["local"], **local}})
    monkeypatch.setattr(local_cli, "get_settings", lambda: bad)
    result = CliRunner().invoke(main, ["local", "run", "--no-notify"])
    assert result.exit_code == 1 and named in result.output
    assert "Traceback" not in result.output and not isinstance(result.exception, ValueError)


def test_a_tag_no_action_has_fails_the_run_instead_of_running_nothing(workspace):
    result = CliRunner().invoke(main, ["local", "run", "--tags", "mart", "--no-check"])
    assert result.exit_code == 2
    assert "no action has the tag 'mart' (did you mean marts?)" in result.output


def test_input_added_to_an_existing_warehouse_says_what_it_already_holds(workspace):
    source = workspace / "in" / "visits-2024-07-01T09.jsonl"
    source.parent.mkdir()
    source.write_text(json.dumps(BASE_VISIT) + "\n")
    run = [
        "local",
        "run",
        "--input",
        str(source),
        "--no-check",
        "--actions",
        "sessions",
        "--actions",
        "rejected_visits",
    ]
    first = CliRunner().invoke(main, run)
    assert first.exit_code == 0 and "adding to" not in first.output
    second = CliRunner().invoke(main, run)
    assert second.exit_code == 0, second.output
    warehouse = workspace / "local" / "warehouse.duckdb"
    assert f"adding to {warehouse}: 1 session and 0 rejected visits from earlier runs" in second.output


def test_reprocess_rebuilds_a_days_loads_and_refuses_what_it_cannot_do(workspace):
    source = workspace / "in" / "visits-2024-07-01T09.jsonl"
    source.parent.mkdir()
    source.write_text(json.dumps(BASE_VISIT) + "\n")
    runner = CliRunner()
    assert runner.invoke(main, ["local", "run", "--input", str(source), "--no-notify", "--no-check"]).exit_code == 0
    db = connect(workspace / "local" / "warehouse.duckdb")
    [(loaded_at,)] = db.execute("SELECT loaded_at FROM clickstream.sessions").fetchall()
    before = db.execute("SELECT * FROM clickstream.events ORDER BY ALL").fetchall()
    db.close()

    day = f"{loaded_at:%Y-%m-%d}"
    result = runner.invoke(main, ["local", "run", "--reprocess", day, "--no-notify"])
    assert result.exit_code == 0, result.output
    assert f"reprocessing the loads of {day}T00:00:00Z.." in result.output
    assert "clickstream.retract_reprocessed_loads" in result.output
    assert "stg_visit_payloads" not in result.output and "0 failed" in result.output
    db = connect(workspace / "local" / "warehouse.duckdb")
    assert db.execute("SELECT * FROM clickstream.events ORDER BY ALL").fetchall() == before
    db.close()

    for args, said in (
        (["--reprocess", "2024-08-20", "--full-refresh"], "it takes no --full-refresh"),
        (["--reprocess", "2024-13-01"], "write FROM..UNTIL"),
        (["--reprocess", "2024-08-20", "--actions", "sesions"], "did you mean"),
    ):
        refused = runner.invoke(main, ["local", "run", *args])
        assert refused.exit_code == 2 and said in refused.output, refused.output

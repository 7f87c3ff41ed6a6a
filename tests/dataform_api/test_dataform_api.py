"""`clickstream dataform ...` at the request level, through the official Dataform v1 client."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from glue.cli import dataform as dataform_cli
from glue.cli import main
from glue.dataform_api import invocations
from tests.cloud_apis import command_lines, dataform_api, dataform_client, privacy_api

REPO = "projects/acme/locations/us-central1/repositories/clickstream"


@pytest.fixture
def api(monkeypatch):
    from google.cloud import datacatalog_v1
    from google.cloud.datacatalog_v1.services.policy_tag_manager.transports import PolicyTagManagerGrpcTransport

    server, state = dataform_api()
    privacy_api(server, state)  # Data Catalog on the same server: the policy tags compilations carry
    channel = server.start()
    client = dataform_client(channel)
    tags = datacatalog_v1.PolicyTagManagerClient(transport=PolicyTagManagerGrpcTransport(channel=channel))
    state["policy_tag_client"] = tags
    monkeypatch.setattr(dataform_cli, "real_client", lambda: client)
    monkeypatch.setattr(dataform_cli, "policy_tag_client", lambda: tags)
    monkeypatch.setattr(invocations.time, "sleep", lambda seconds: None)  # polls in the test need no pause
    yield server, state
    server.stop()


def cli(*args):
    return CliRunner().invoke(main, ["dataform", *args, "--project", "acme", "--region", "us-central1"])


def test_every_compilation_carries_the_projects_policy_tags(api):
    from google.cloud import datacatalog_v1

    server, state = api
    tags = state["policy_tag_client"]
    taxonomy = tags.create_taxonomy(
        parent="projects/acme/locations/us",
        taxonomy=datacatalog_v1.Taxonomy(display_name="clickstream-personal-data"),
    )
    identifier = tags.create_policy_tag(
        parent=taxonomy.name, policy_tag=datacatalog_v1.PolicyTag(display_name="identifier")
    )
    ok = cli("compile", "--vars", "late_data_lookback_minutes=60")
    assert ok.exit_code == 0, ok.output
    [compiled] = [request for method, request in server.requests if method.endswith("CreateCompilationResult")]
    assert dict(compiled.compilation_result.code_compilation_config.vars) == {
        "policy_tag_identifier": identifier.name,
        "late_data_lookback_minutes": "60",
    }


def test_compile_sends_the_ref_and_vars_and_lists_errors_with_their_files(api):
    server, state = api
    ok = cli("compile", "--git-commitish", "release-1", "--vars", "late_data_lookback_minutes=60")
    assert ok.exit_code == 0, ok.output
    ((_, request),) = [r for r in server.requests if r[0].endswith("CreateCompilationResult")]
    assert request.parent == REPO and request.compilation_result.git_commitish == "release-1"
    assert dict(request.compilation_result.code_compilation_config.vars) == {"late_data_lookback_minutes": "60"}
    assert f"{REPO}/compilationResults/1" in ok.output

    state["compile_errors"] = [("definitions/curated/sessions.sqlx", "Unexpected token")]
    failed = cli("compile")
    assert failed.exit_code == 1
    assert "definitions/curated/sessions.sqlx: Unexpected token" in failed.output


def test_run_with_wait_follows_each_action_and_names_the_failed_job(api):
    server, state = api
    state["script"] = {
        "states": ["RUNNING", "RUNNING", "FAILED"],
        "actions": [
            ("clickstream", "sessions", ["RUNNING", "SUCCEEDED"], "", ""),
            ("clickstream", "visits_by_device", ["PENDING", "RUNNING", "FAILED"], "bqjob_r1_42", "Division by zero"),
        ],
    }
    result = cli("run", "--tags", "marts", "--actions", "clickstream.sessions", "--full-refresh", "--wait")
    assert result.exit_code == 1, result.output
    invocation = next(r for name, r in server.requests if name == "CreateWorkflowInvocation").workflow_invocation
    config = invocation.invocation_config
    assert list(config.included_tags) == ["marts"] and config.transitive_dependencies_included
    assert config.fully_refresh_incremental_tables_enabled
    assert [(t.database, t.schema, t.name) for t in config.included_targets] == [("acme", "clickstream", "sessions")]
    assert invocation.compilation_result == f"{REPO}/compilationResults/1"  # compiled main first
    lines = [" ".join(line.split()) for line in result.output.splitlines()]
    assert "succeeded clickstream.sessions" in lines and "failed clickstream.visits_by_device" in lines
    assert "failed clickstream.visits_by_device (BigQuery job bqjob_r1_42): Division by zero" in lines


def test_run_a_workflow_config_and_see_it_in_status(api):
    server, _ = api
    assert cli("run", "--workflow-config", "hourly-incremental").exit_code == 0
    invocation = next(r for name, r in server.requests if name == "CreateWorkflowInvocation").workflow_invocation
    assert invocation.workflow_config == f"{REPO}/workflowConfigs/hourly-incremental"
    status = cli("status")
    assert status.exit_code == 0 and "RUNNING" in status.output and "hourly-incremental" in status.output


def test_schedule_apply_creates_what_is_declared_then_changes_nothing(api):
    server, state = api
    dry = cli("schedule", "apply", "--dry-run")
    assert dry.exit_code == 0 and "5 to create" in dry.output
    assert not any(name.startswith(("Create", "Update")) for name in server.calls())

    first = cli("schedule", "apply")
    assert first.exit_code == 0, first.output
    hourly = state["workflow_configs"][f"{REPO}/workflowConfigs/hourly-incremental"]
    assert hourly.cron_schedule == "10 * * * *" and hourly.release_config == f"{REPO}/releaseConfigs/production"
    assert not hourly.invocation_config.fully_refresh_incremental_tables_enabled
    assert list(hourly.invocation_config.included_tags) == ["staging", "curated", "aggregates", "marts"]
    # No scheduled full refresh: a daily audit runs the assertions alone, over whole tables.
    daily = state["workflow_configs"][f"{REPO}/workflowConfigs/daily-audit"]
    assert not daily.invocation_config.fully_refresh_incremental_tables_enabled
    assert not daily.invocation_config.transitive_dependencies_included
    assert list(daily.invocation_config.included_tags) == ["audit"]
    assert daily.release_config == f"{REPO}/releaseConfigs/audit"
    # The ml workflow: its own schedule after the hourly run; its SQL decides when a model trains.
    retraining = state["workflow_configs"][f"{REPO}/workflowConfigs/ml-retraining"]
    assert (retraining.cron_schedule, list(retraining.invocation_config.included_tags)) == ("40 * * * *", ["ml"])
    assert state["release_configs"][f"{REPO}/releaseConfigs/audit"].code_compilation_config.vars == {"audit": "true"}
    assert state["release_configs"][f"{REPO}/releaseConfigs/production"].git_commitish == "main"

    from google.cloud import dataform_v1

    state["workflow_configs"][f"{REPO}/workflowConfigs/old-nightly"] = dataform_v1.WorkflowConfig(
        name=f"{REPO}/workflowConfigs/old-nightly"
    )
    server.requests.clear()
    second = cli("schedule", "apply")
    assert second.exit_code == 0 and "nothing to change" in second.output
    assert f"not in clickstream.yaml, left as it is: {REPO}/workflowConfigs/old-nightly" in second.output
    assert not any(name.startswith(("Create", "Update")) for name in server.calls())


def test_a_refusal_names_the_role(api, monkeypatch):
    from google.api_core import exceptions

    def refuse(*args, **kwargs):
        raise exceptions.PermissionDenied("Permission 'dataform.compilationResults.create' denied")

    monkeypatch.setattr(invocations, "compile_result", refuse)
    result = cli("compile")
    assert result.exit_code == 2 and "roles/dataform.editor" in result.output


def test_run_dry_run_prints_the_invocation_and_needs_no_client(monkeypatch):
    def no_client():
        raise AssertionError("a dry run must not build a client")

    monkeypatch.setattr(dataform_cli, "real_client", no_client)
    lines = command_lines(
        [
            "dataform",
            "run",
            "--project",
            "acme",
            "--region",
            "us-central1",
            "--tags",
            "marts",
            "--actions",
            "clickstream.sessions",
            "--full-refresh",
            "--dry-run",
        ]
    )
    assert lines[0] == "environment (from flags): project acme, region us-central1, location US"
    # The actions it would run, from the compiled project: the mart's and sessions' upstream.
    listed = lines[lines.index(next(line for line in lines if line.startswith("would run"))) + 1 :]
    listed = listed[
        : listed.index("dry run: would create in projects/acme/locations/us-central1/repositories/clickstream:")
    ]
    assert {"clickstream.sessions", "clickstream.visits_by_device", "clickstream_staging.stg_visits"} <= set(listed)
    assert listed.index("clickstream_staging.stg_visits") < listed.index("clickstream.sessions")
    start = lines.index("dry run: would create in projects/acme/locations/us-central1/repositories/clickstream:")
    printed = json.loads("\n".join(lines[start + 1 :]))
    assert printed["invocationConfig"]["includedTags"] == ["marts"]
    assert printed["invocationConfig"]["includedTargets"] == [
        {"database": "acme", "schema": "clickstream", "name": "sessions"}
    ]
    assert printed["invocationConfig"]["fullyRefreshIncrementalTablesEnabled"] is True

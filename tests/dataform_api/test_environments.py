"""Environments on Dataform: --env, the compilation overrides, promotion and rollback, and the
dry run's check of tags and actions against the compiled project."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from google.cloud import dataform_v1

from glue.cli import dataform as dataform_cli
from glue.cli import main
from glue.dataform_api import invocations
from tests.cloud_apis import dataform_api, dataform_client

STAGING = "projects/clickstream-staging/locations/us-central1/repositories/clickstream"
PROD = "projects/clickstream-prod/locations/us-central1/repositories/clickstream"


@pytest.fixture
def api(monkeypatch):
    server, state = dataform_api()
    client = dataform_client(server.start())
    monkeypatch.setattr(dataform_cli, "real_client", lambda: client)
    # No taxonomy in the project yet: compilations carry no policy tags (tests/deploy has them).
    monkeypatch.setattr(dataform_cli, "_policy_tags", lambda target: {})
    monkeypatch.setattr(invocations.time, "sleep", lambda seconds: None)
    yield server, state
    server.stop()


def listed_actions(output: str) -> list[str]:
    """The actions a dry run says it would run (the indented lines after "would run N actions:")."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("would run "))
    listed = []
    for line in lines[start + 1 :]:
        if not line.startswith("  "):
            break
        listed.append(line.strip())
    return listed


def invoke(*args, env=None):
    return CliRunner().invoke(main, ["dataform", *args], env=env)


@pytest.mark.parametrize(
    ("flag", "value", "named"),
    [("--tags", "mart", "marts"), ("--actions", "clickstream.sesions", "clickstream.sessions")],
)
def test_a_dry_run_refuses_an_unknown_tag_or_action_naming_the_closest(flag, value, named):
    result = invoke("run", "--env", "staging", flag, value, "--dry-run")
    assert result.exit_code == 2, result.output
    assert f"did you mean {named}?" in result.output and repr(value) in result.output


def test_a_dry_run_of_a_workflow_config_lists_what_it_runs_and_refuses_an_unknown_one():
    result = invoke("run", "--env", "prod", "--workflow-config", "daily-audit", "--dry-run")
    assert result.exit_code == 0, result.output
    listed = listed_actions(result.output)
    # The audit runs its assertions alone: nothing it depends on comes along.
    assert "clickstream_assertions.assert_sessions_loaded" in listed
    assert listed and all(name.split(".")[1].startswith("assert_") for name in listed), listed
    unknown = invoke("run", "--env", "prod", "--workflow-config", "daily-audt", "--dry-run")
    assert unknown.exit_code == 2 and "did you mean daily-audit?" in unknown.output
    assert "declared: hourly-incremental, ml-retraining, daily-audit" in unknown.output


def test_dev_is_the_developers_own_datasets_and_every_command_says_where_it_acts():
    result = invoke(
        "run", "--env", "dev", "--actions", "sessions", "--dry-run", env={"CLICKSTREAM_DEVELOPER": "Ana.Lopez"}
    )
    assert result.exit_code == 0, result.output
    first = result.output.splitlines()[0]
    assert first == (
        "environment dev: project clickstream-dev, region us-central1, location US, datasets suffixed _ana_lopez"
    )
    assert "clickstream_ana_lopez.ana_lopez_sessions" in result.output
    assert '"database": "clickstream-dev"' in result.output


def test_flags_override_the_environment_and_an_unknown_environment_is_named():
    result = invoke("run", "--env", "staging", "--project", "other", "--tags", "marts", "--dry-run")
    assert result.exit_code == 0 and result.output.startswith("environment staging: project other,")
    unknown = invoke("status", "--env", "stagin")
    assert unknown.exit_code != 0 and "no environment 'stagin' (did you mean staging?)" in unknown.output
    neither = invoke("status", env={"GOOGLE_CLOUD_PROJECT": "", "CLICKSTREAM_ENV": ""})
    assert neither.exit_code == 2 and "--env (dev, staging, prod)" in neither.output


def test_schedule_apply_compiles_with_the_environments_overrides_and_prod_has_no_schedule_of_its_own(api):
    server, state = api
    for env in ("staging", "prod"):
        first = invoke("schedule", "apply", "--env", env)
        assert first.exit_code == 0, first.output
        again = invoke("schedule", "apply", "--env", env)
        assert again.exit_code == 0 and "nothing to change" in again.output, again.output
    staging = state["release_configs"][f"{STAGING}/releaseConfigs/production"]
    assert staging.code_compilation_config.default_database == "clickstream-staging"
    assert staging.code_compilation_config.default_location == "US"
    assert staging.cron_schedule == "0 * * * *"
    audit = state["release_configs"][f"{PROD}/releaseConfigs/audit"]
    assert audit.code_compilation_config.default_database == "clickstream-prod"
    assert dict(audit.code_compilation_config.vars) == {"audit": "true", "user_data_retention_days": "791"}
    assert audit.cron_schedule == ""  # compiled by `dataform promote`, not on a schedule
    hourly = state["workflow_configs"][f"{PROD}/workflowConfigs/hourly-incremental"]
    assert hourly.cron_schedule == "10 * * * *" and hourly.release_config == f"{PROD}/releaseConfigs/production"


def _staging_compiles(client, state, commit: str) -> None:
    """What staging's schedule does: compile each release configuration at `commit` and release it."""
    for config_id in ("production", "audit"):
        name = f"{STAGING}/releaseConfigs/{config_id}"
        config = state["release_configs"][name]
        config.git_commitish = commit
        result = client.create_compilation_result(
            parent=STAGING, compilation_result=dataform_v1.CompilationResult(release_config=name)
        )
        config.release_compilation_result = result.name


def test_promote_releases_in_prod_the_commit_staging_runs_and_rollback_points_back(api, monkeypatch):
    server, state = api
    for env in ("staging", "prod"):
        assert invoke("schedule", "apply", "--env", env).exit_code == 0
    nothing = invoke("promote", "--env", "prod")
    assert nothing.exit_code == 1 and "has not compiled anything yet" in nothing.output

    client = dataform_cli.real_client()
    _staging_compiles(client, state, "a1b2c3d4e5f6")
    first = invoke("promote", "--env", "prod")
    assert first.exit_code == 0, first.output
    production = state["release_configs"][f"{PROD}/releaseConfigs/production"]
    released = state["compilations"][production.release_compilation_result]
    assert production.git_commitish == "a1b2c3d4e5f6" and released.resolved_git_commit_sha == "a1b2c3d4e5f6"
    assert released.release_config == f"{PROD}/releaseConfigs/production"  # compiled with prod's overrides
    assert "released a1b2c3d4e5f6 from staging" in first.output

    _staging_compiles(client, state, "ffee00112233")
    assert invoke("promote", "--env", "prod").exit_code == 0
    assert state["release_configs"][f"{PROD}/releaseConfigs/production"].git_commitish == "ffee00112233"
    # A later deploy of prod leaves the promoted ref alone.
    assert "nothing to change" in invoke("schedule", "apply", "--env", "prod").output

    back = invoke("rollback", "--env", "prod")
    assert back.exit_code == 0, back.output
    production = state["release_configs"][f"{PROD}/releaseConfigs/production"]
    assert production.git_commitish == "a1b2c3d4e5f6"
    assert production.release_compilation_result == released.name
    again = invoke("rollback", "--env", "prod")
    assert again.exit_code == 1 and "no earlier compilation result" in again.output


def test_staging_cannot_be_promoted_into():
    result = invoke("promote", "--env", "staging")
    assert result.exit_code == 2 and "not promoted into" in result.output


def test_ci_names_an_environments_project_with_a_variable_and_a_flag_still_wins(settings):
    environ = {"CLICKSTREAM_STAGING_PROJECT": "acme-staging-42"}
    assert settings.environment("staging", environ=environ).project == "acme-staging-42"
    assert settings.environment("staging", project="other", environ=environ).project == "other"
    assert settings.environment("staging", environ={}).project == "clickstream-staging"


def test_reprocessing_on_dataform_compiles_with_the_ranges_vars_and_names_every_action_it_runs(api):
    server, state = api
    dry = invoke("run", "--env", "prod", "--reprocess", "2024-08-20", "--dry-run")
    assert dry.exit_code == 0, dry.output
    listed = listed_actions(dry.output)
    assert listed.index("clickstream.retract_reprocessed_loads") < listed.index("clickstream.sessions")
    assert "clickstream_staging.stg_visit_payloads" not in listed
    assert not any(name.startswith("clickstream_ml.") for name in listed)
    assert "'reprocess_from': '2024-08-20T00:00:00Z', 'reprocess_until': '2024-08-21T00:00:00Z'" in dry.output
    assert not state["invocations"]

    result = invoke("run", "--env", "prod", "--reprocess", "2024-08-20T06:00..2024-08-20T12:00")
    assert result.exit_code == 0, result.output
    [compiled] = state["compilations"].values()
    compiled_vars = dict(compiled.code_compilation_config.vars)
    assert compiled_vars["reprocess_from"] == "2024-08-20T06:00:00Z"
    assert compiled_vars["reprocess_until"] == "2024-08-20T12:00:00Z"
    assert compiled.code_compilation_config.default_database == "clickstream-prod"
    [invocation] = state["invocations"].values()
    config = invocation.invocation_config
    assert not config.transitive_dependencies_included
    assert [f"{t.schema}.{t.name}" for t in config.included_targets] == listed


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--reprocess", "yesterday"], "write FROM..UNTIL"),
        (["--reprocess", "2024-08-21..2024-08-20"], "FROM must come before UNTIL"),
        (["--reprocess", "2024-08-20", "--tags", "curated"], "it takes no --workflow-config, --tags"),
    ],
)
def test_a_reprocessing_run_that_cannot_be_refuses_with_what_to_write(args, said):
    result = invoke("run", "--env", "prod", *args, "--dry-run")
    assert result.exit_code == 2 and said in result.output, result.output

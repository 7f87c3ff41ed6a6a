"""`clickstream dos-alert deploy` and `stop` at the request level, through the official Dataflow
client against tests/dataflow/fakes.py: launch, update in place, drain and replace, stop."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from dos_alert import steps
from glue.cli import dos_alert as dos_alert_cli
from glue.cli import main
from glue.dataflow import job_control
from glue.settings import get_settings
from tests.dataflow.fakes import dataflow_api, dataflow_clients

PROJECT, REGION = "acme", "us-central1"
JOB = "clickstream-dos-alert"


@pytest.fixture
def api(monkeypatch):
    server, state = dataflow_api()
    clients = dataflow_clients(server.start())
    monkeypatch.setattr(dos_alert_cli, "real_dataflow_clients", lambda region: clients)
    state["pauses"] = []
    monkeypatch.setattr(job_control, "pause", state["pauses"].append)  # polls need no real wait
    monkeypatch.delenv("CLICKSTREAM_LANDING_BUCKET", raising=False)
    yield server, state
    server.stop()


def cli(*args):
    return CliRunner().invoke(main, ["dos-alert", *args, "--env", "staging", "--project", PROJECT])


def deploy(*args):
    return cli("deploy", *args)


def launches(server):
    return [request for name, request in server.requests if name == "LaunchFlexTemplate"]


def renamed(names, old, new):
    return [new + n[len(old) :] if n == old or n.startswith(old + "/") else n for n in names]


def test_no_job_running_launches_the_template_with_the_environments_settings(api):
    server, state = api
    result = deploy("--image-tag", "v1")
    assert result.exit_code == 0, result.output
    assert "action: launch: no active job named clickstream-dos-alert" in result.output
    (request,) = launches(server)
    bucket = get_settings().landing_bucket_for(PROJECT)
    parameter = request.launch_parameter
    assert (request.project_id, request.location) == (PROJECT, REGION)
    assert parameter.job_name == JOB and not parameter.update
    assert parameter.container_spec_gcs_path == f"gs://{bucket}/templates/dos-alert.json"
    assert dict(parameter.parameters) == {
        "subscription": f"projects/{PROJECT}/subscriptions/visits-dos-alert",
        "alerts-topic": f"projects/{PROJECT}/topics/visits-alerts",
        "counts-table": f"{PROJECT}:clickstream.page_views_per_minute_stream",
        "archive-dir": f"gs://{bucket}/archive",
    }
    environment = parameter.environment
    assert environment.max_workers == 2 and environment.machine_type == "n1-standard-2"  # staging's
    assert environment.service_account_email == f"clickstream-dataflow@{PROJECT}.iam.gserviceaccount.com"
    assert environment.sdk_container_image == f"{REGION}-docker.pkg.dev/{PROJECT}/clickstream/dos-alert-template:v1"
    assert environment.temp_location == f"gs://{bucket}/dataflow/temp" and environment.enable_streaming_engine
    assert environment.additional_user_labels["clickstream-image"] == "v1"
    assert list(environment.additional_experiments) == []
    assert [job.name for job in state["jobs"].values()] == [JOB]


def test_a_second_deploy_says_nothing_to_change(api):
    server, _ = api
    assert deploy("--image-tag", "v1").exit_code == 0
    server.requests.clear()
    again = deploy("--image-tag", "v1")
    assert again.exit_code == 0, again.output
    assert "nothing to change" in again.output
    assert launches(server) == [] and "UpdateJob" not in server.calls()


def test_a_compatible_change_is_checked_first_then_updated_in_place(api):
    server, state = api
    assert deploy("--image-tag", "v1").exit_code == 0
    (old,) = state["jobs"].values()
    server.requests.clear()
    result = deploy("--image-tag", "v2")
    assert result.exit_code == 0, result.output
    assert "update in place: image v1 -> v2; Dataflow's compatibility check passed" in result.output
    check, real = launches(server)
    assert check.launch_parameter.update and list(check.launch_parameter.environment.additional_experiments) == [
        "graph_validate_only"
    ]
    assert real.launch_parameter.update and list(real.launch_parameter.environment.additional_experiments) == []
    assert real.launch_parameter.environment.sdk_container_image.endswith(":v2")
    calls = server.calls()
    assert calls.index("LaunchFlexTemplate") < len(calls) - 1 - calls[::-1].index("LaunchFlexTemplate")
    assert "UpdateJob" not in calls  # no drain
    assert old.current_state.name == "JOB_STATE_UPDATED"
    running = [j for j in state["jobs"].values() if j.current_state.name == "JOB_STATE_RUNNING"]
    assert [(j.name, j.labels["clickstream-image"], j.replace_job_id) for j in running] == [(JOB, "v2", old.id)]


def test_a_renamed_step_with_its_mapping_updates_in_place_with_the_mapping(api, monkeypatch):
    server, state = api
    assert deploy("--image-tag", "v1").exit_code == 0
    state["graph"] = renamed(list(steps.RECORDED_STEPS), "Detect bursts", "Find bursts")
    monkeypatch.setattr(steps, "TRANSFORM_NAME_MAPPING", {"Detect bursts": "Find bursts"})
    server.requests.clear()
    result = deploy("--image-tag", "v2")
    assert result.exit_code == 0, result.output
    assert "update in place: image v1 -> v2" in result.output
    check, real = launches(server)
    for request in (check, real):
        assert dict(request.launch_parameter.transform_name_mappings) == {"Detect bursts": "Find bursts"}
    assert real.launch_parameter.update and "UpdateJob" not in server.calls()


@pytest.mark.parametrize("validation", ["refuse", "job"])
def test_a_renamed_step_without_a_mapping_drains_and_replaces(api, validation):
    server, state = api
    state["validation"] = validation  # Dataflow refuses the check, or its validation job fails
    assert deploy("--image-tag", "v1").exit_code == 0
    (old,) = state["jobs"].values()
    state["graph"] = renamed(list(steps.RECORDED_STEPS), "Detect bursts", "Find bursts")
    server.requests.clear()
    result = deploy("--image-tag", "v2")
    assert result.exit_code == 0, result.output
    assert "drain and replace: image v1 -> v2; cannot update in place:" in result.output
    if validation == "refuse":
        assert "Detect bursts" in result.output
    calls = server.calls()
    drain = calls.index("UpdateJob")
    check, replacement = launches(server)
    assert (
        check.launch_parameter.update
        and "graph_validate_only" in check.launch_parameter.environment.additional_experiments
    )
    assert not replacement.launch_parameter.update
    assert calls.index("LaunchFlexTemplate") < drain < len(calls) - 1 - calls[::-1].index("LaunchFlexTemplate")
    (_, update), *_ = [(n, r) for n, r in server.requests if n == "UpdateJob"]
    assert update.job_id == old.id and update.job.requested_state.name == "JOB_STATE_DRAINED"
    # Polled until drained, then launched: the old job is DRAINED before the new one exists.
    polls_after_drain = [n for n in calls[drain:] if n == "GetJob"]
    assert len(polls_after_drain) >= state["stop_polls"] and state["pauses"]
    assert old.current_state.name == "JOB_STATE_DRAINED"
    running = [j for j in state["jobs"].values() if j.current_state.name == "JOB_STATE_RUNNING"]
    assert [(j.name, j.labels["clickstream-image"]) for j in running] == [(JOB, "v2")]


def test_a_dry_run_names_the_action_and_launches_nothing(api):
    server, state = api
    dry = deploy("--image-tag", "v1", "--dry-run")
    assert dry.exit_code == 0 and "action: launch" in dry.output and "1 to create" in dry.output
    assert launches(server) == [] and state["jobs"] == {}


def test_stop_drain_sends_the_drain_request_and_waits(api):
    server, state = api
    assert deploy("--image-tag", "v1").exit_code == 0
    (job,) = state["jobs"].values()
    server.requests.clear()
    result = cli("stop", "--drain", "--wait")
    assert result.exit_code == 0, result.output
    ((_, update),) = [(n, r) for n, r in server.requests if n == "UpdateJob"]
    assert (update.project_id, update.location, update.job_id) == (PROJECT, REGION, job.id)
    assert update.job.requested_state.name == "JOB_STATE_DRAINED"
    assert f"job {job.id} stopped: JOB_STATE_DRAINED" in result.output


def test_stop_cancel_and_stop_without_a_job(api):
    server, state = api
    nothing = cli("stop", "--drain")
    assert nothing.exit_code == 0, nothing.output
    assert f"no active Dataflow job named {JOB} in {PROJECT}/{REGION}: nothing to stop" in nothing.output
    assert "UpdateJob" not in server.calls()
    assert deploy("--image-tag", "v1").exit_code == 0
    cancel = cli("stop", "--cancel")
    assert cancel.exit_code == 0, cancel.output
    ((_, update),) = [(n, r) for n, r in server.requests if n == "UpdateJob"]
    assert update.job.requested_state.name == "JOB_STATE_CANCELLED"
    neither = cli("stop")
    assert neither.exit_code == 2 and "--drain" in neither.output

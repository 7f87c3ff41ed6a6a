"""`clickstream alerts provision` at the request level, through the official Logging and Monitoring clients."""

from __future__ import annotations

import pytest

from glue.cli import alerts as alerts_cli
from glue.provision.alert_policies import (
    ALERT_LOG_FILTER,
    METRIC_ID,
    WORKFLOW_FAILURE_FILTER,
    WorkflowFailurePolicy,
    alert_resources,
)
from glue.provision.plan import apply, make_plan
from tests.cloud_apis import (
    command_lines,
    logging_and_monitoring_api,
    logging_and_monitoring_clients,
)


@pytest.fixture
def api():
    server, state = logging_and_monitoring_api()
    channel = server.start()
    yield server, state, logging_and_monitoring_clients(channel)
    server.stop()


def _policy(state, display_name: str):
    [policy] = [p for p in state["policies"].values() if p.display_name == display_name]
    return policy


def test_a_fresh_project_gets_metric_channel_and_policies_then_nothing_changes(api):
    server, state, clients = api
    plan = make_plan(alert_resources("acme", "ops@example.com", 0, clients))
    assert [s.action for s in plan.steps] == ["create", "create", "create", "create"]
    apply(plan)
    assert server.calls() == [
        "GetLogMetric",
        "ListNotificationChannels",
        "ListAlertPolicies",
        "ListAlertPolicies",
        "CreateLogMetric",
        "GetLogMetric",
        "CreateNotificationChannel",
        "ListNotificationChannels",
        "CreateAlertPolicy",
        "ListAlertPolicies",
        "CreateAlertPolicy",
        "ListAlertPolicies",
    ]

    metric = state["metrics"][f"projects/acme/metrics/{METRIC_ID}"]
    assert metric.filter == ALERT_LOG_FILTER and "dimension" in metric.label_extractors
    (channel,) = state["channels"].values()
    assert channel.type_ == "email" and channel.labels["email_address"] == "ops@example.com"
    policy = _policy(state, "clickstream: possible denial of service")
    condition = policy.conditions[0].condition_threshold
    assert f'metric.type="logging.googleapis.com/user/{METRIC_ID}"' in condition.filter
    assert condition.threshold_value == 0 and condition.comparison.name == "COMPARISON_GT"
    assert list(policy.notification_channels) == [channel.name]
    # A failed Dataform workflow (an assertion breached: the model's drift, say) emails the same channel.
    failures = _policy(state, WorkflowFailurePolicy.DISPLAY_NAME)
    assert failures.conditions[0].condition_matched_log.filter == WORKFLOW_FAILURE_FILTER
    assert failures.alert_strategy.notification_rate_limit.period.total_seconds() == 300
    assert list(failures.notification_channels) == [channel.name]

    server.requests.clear()
    again = make_plan(alert_resources("acme", "ops@example.com", 0, clients))
    assert again.pending == [] and again.summary().startswith("nothing to change")
    assert server.calls() == ["GetLogMetric", "ListNotificationChannels", "ListAlertPolicies", "ListAlertPolicies"]


def test_a_changed_threshold_updates_the_policy_in_place(api):
    server, state, clients = api
    apply(make_plan(alert_resources("acme", "ops@example.com", 0, clients)))
    plan = make_plan(alert_resources("acme", "ops@example.com", 5, clients))
    assert [(s.resource.kind, s.differences) for s in plan.pending] == [
        ("monitoring alert policy", ["threshold -> more than 5 alert entries a minute"])
    ]
    apply(plan)
    assert (
        _policy(state, "clickstream: possible denial of service").conditions[0].condition_threshold.threshold_value == 5
    )


def test_dry_run_prints_the_plan_and_changes_nothing(api, monkeypatch):
    server, state, clients = api
    monkeypatch.setattr(alerts_cli, "real_clients", lambda: clients)
    lines = command_lines(["alerts", "provision", "--project", "acme", "--email", "ops@example.com", "--dry-run"])
    assert f"+ create logging metric projects/acme/metrics/{METRIC_ID}" in lines
    assert "+ create monitoring alert policy projects/acme: clickstream: possible denial of service" in lines
    assert "+ create monitoring alert policy projects/acme: clickstream: a Dataform workflow failed" in lines
    assert "4 to create, 0 to update, 0 unchanged" in lines
    assert not any(name.startswith(("Create", "Update")) for name in server.calls())

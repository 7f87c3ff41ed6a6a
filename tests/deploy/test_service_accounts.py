"""glue/deploy/service_accounts.py at the request level, through the official IAM Admin and
Resource Manager clients: accounts created, roles added with the etag read, nothing removed."""

from __future__ import annotations

import pytest
from google.iam.v1 import policy_pb2
from google.type import expr_pb2

from glue.deploy import service_accounts as sa
from glue.deploy.clients import offline_iam_clients
from glue.provision.plan import apply, declared_plan, make_plan
from glue.settings import get_settings
from tests.deploy.fakes import iam_api, iam_clients

NUMBER = "123456789012"
PIPELINE = "serviceAccount:clickstream-pipeline@acme.iam.gserviceaccount.com"
DATAFLOW = "serviceAccount:clickstream-dataflow@acme.iam.gserviceaccount.com"
SERVE = "serviceAccount:clickstream-serve@acme.iam.gserviceaccount.com"
DATAFORM_AGENT = f"serviceAccount:service-{NUMBER}@gcp-sa-dataform.iam.gserviceaccount.com"
PUBSUB_AGENT = f"serviceAccount:service-{NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com"
# Least privilege, as clickstream.yaml declares it: each role and exactly who holds it.
EXPECTED = {
    "roles/bigquery.dataEditor": [PIPELINE, DATAFLOW, SERVE, PUBSUB_AGENT],
    "roles/bigquery.jobUser": [PIPELINE, SERVE],
    "roles/bigquery.connectionUser": [PIPELINE],
    "roles/storage.objectViewer": [PIPELINE, SERVE],
    "roles/dataflow.worker": [DATAFLOW],
    "roles/pubsub.subscriber": [DATAFLOW],
    "roles/pubsub.publisher": [DATAFLOW],
    "roles/pubsub.viewer": [DATAFLOW],
    "roles/storage.objectAdmin": [DATAFLOW],
    "roles/logging.logWriter": [DATAFLOW],
    "roles/artifactregistry.reader": [DATAFLOW],
    "roles/secretmanager.secretAccessor": [DATAFORM_AGENT],
    "roles/iam.serviceAccountTokenCreator": [DATAFORM_AGENT],
}


@pytest.fixture
def api():
    server, state = iam_api()
    clients = iam_clients(server.start())
    yield server, state, clients
    server.stop()


@pytest.fixture
def settings():
    return get_settings()


@pytest.fixture
def target(settings):
    return settings.environment("prod", project="acme")


def resources(settings, target, clients, sleeps=None):
    found = sa.service_account_resources(settings, target, clients, NUMBER)
    if sleeps is not None:
        found[-1].sleep = sleeps.append
    return found


def bindings(policy) -> dict[str, list[str]]:
    return {b.role: list(b.members) for b in policy.bindings if not b.HasField("condition")}


def test_an_empty_project_gets_its_accounts_and_exactly_the_declared_roles(api, settings, target):
    server, state, clients = api
    plan = make_plan(resources(settings, target, clients))
    assert [(s.action, s.resource.kind) for s in plan.steps] == [
        ("create", "service account"),
        ("create", "service account"),
        ("create", "service account"),
        ("update", "project iam bindings"),
    ]
    assert "roles/dataflow.worker: add " + DATAFLOW in plan.steps[-1].differences
    apply(plan)

    created = [
        (r.name, r.account_id, r.service_account.display_name)
        for n, r in server.requests
        if n == "CreateServiceAccount"
    ]
    assert created == [
        ("projects/acme", "clickstream-pipeline", "Dataform workflows (the SQL pipeline)"),
        ("projects/acme", "clickstream-dataflow", "DoS-alert job workers on Dataflow"),
        ("projects/acme", "clickstream-serve", "The predictions service on Cloud Run"),
    ]
    reads = [r for n, r in server.requests if n == "GetIamPolicy"]
    assert reads[0].resource == "projects/acme" and reads[0].options.requested_policy_version == 3
    (written,) = [r for n, r in server.requests if n == "SetIamPolicy"]
    assert written.resource == "projects/acme"
    assert written.policy.etag == b"BwYa0"  # the etag GetIamPolicy gave: read-modify-write
    assert written.policy.version == 3
    assert bindings(written.policy) == EXPECTED


def test_a_second_plan_changes_nothing(api, settings, target):
    server, _, clients = api
    apply(make_plan(resources(settings, target, clients)))
    server.requests.clear()
    again = make_plan(resources(settings, target, clients))
    assert again.pending == [] and again.summary() == "nothing to change: 4 resources already as configured"
    assert server.calls() == ["GetServiceAccount"] * 3 + ["GetIamPolicy"]


def test_bindings_made_elsewhere_are_kept_and_a_conditional_one_does_not_count(api, settings, target):
    server, state, clients = api
    only_on_weekdays = expr_pb2.Expr(expression="request.time.getDayOfWeek() < 5", title="weekdays")
    state["policies"]["projects/acme"] = policy_pb2.Policy(
        version=3,
        etag=b"BwYa0",
        bindings=[
            policy_pb2.Binding(role="roles/owner", members=["user:alice@example.com"]),
            policy_pb2.Binding(role="roles/bigquery.dataEditor", members=["group:analysts@example.com"]),
            policy_pb2.Binding(role="roles/bigquery.jobUser", members=[SERVE], condition=only_on_weekdays),
        ],
    )
    plan = make_plan(resources(settings, target, clients))
    assert f"roles/bigquery.jobUser: add {SERVE}" in plan.steps[-1].differences
    apply(plan)

    policy = state["policies"]["projects/acme"]
    assert bindings(policy)["roles/owner"] == ["user:alice@example.com"]
    assert bindings(policy)["roles/bigquery.dataEditor"] == [
        "group:analysts@example.com",
        *EXPECTED["roles/bigquery.dataEditor"],
    ]
    assert bindings(policy)["roles/bigquery.jobUser"] == [PIPELINE, SERVE]
    (conditional,) = [b for b in policy.bindings if b.HasField("condition")]
    assert list(conditional.members) == [SERVE] and conditional.condition == only_on_weekdays
    assert make_plan(resources(settings, target, clients)).pending == []


def test_a_concurrent_change_is_read_again_and_kept(api, settings, target):
    server, state, clients = api
    plan = make_plan(resources(settings, target, clients))
    # Someone else writes the policy between our read and our write: its etag moves on.
    state["policies"]["projects/acme"] = policy_pb2.Policy(
        etag=b"BwYaX", bindings=[policy_pb2.Binding(role="roles/viewer", members=["user:bob@example.com"])]
    )
    sleeps = []
    plan.steps[-1].resource.sleep = sleeps.append
    apply(plan)
    writes = [r.policy.etag for n, r in server.requests if n == "SetIamPolicy"]
    assert writes == [b"BwYa0", b"BwYaX"] and sleeps == [2]
    policy = state["policies"]["projects/acme"]
    assert bindings(policy)["roles/viewer"] == ["user:bob@example.com"]
    assert bindings(policy)["roles/dataflow.worker"] == [DATAFLOW]


def test_a_new_account_iam_cannot_see_yet_is_granted_on_a_later_attempt(api, settings, target):
    server, state, clients = api
    state["unknown_members"].add(SERVE)
    sleeps = []
    apply(make_plan(resources(settings, target, clients, sleeps)))
    assert [n for n in server.calls() if n == "SetIamPolicy"] == ["SetIamPolicy"] * 2 and sleeps == [2]
    assert SERVE in bindings(state["policies"]["projects/acme"])["roles/bigquery.jobUser"]


def test_a_changed_display_name_is_patched(api, settings, target):
    server, state, clients = api
    apply(make_plan(resources(settings, target, clients)))
    name = "projects/acme/serviceAccounts/clickstream-serve@acme.iam.gserviceaccount.com"
    state["accounts"][name].display_name = "renamed by hand"
    plan = make_plan(resources(settings, target, clients))
    assert [(s.resource.name, s.differences) for s in plan.pending] == [
        (name, ["display name: 'renamed by hand' -> 'The predictions service on Cloud Run'"])
    ]
    apply(plan)
    assert state["accounts"][name].display_name == "The predictions service on Cloud Run"


def test_without_the_project_number_the_service_agents_are_left_out(settings, target):
    found = sa.service_account_resources(settings, target, offline_iam_clients(), None)
    members = {member for _, member in found[-1].grants}
    assert members == {PIPELINE, DATAFLOW, SERVE}
    # Offline (no credentials) the plan is declared from clickstream.yaml alone, nothing called.
    plan = declared_plan(found)
    assert " ".join(plan.steps[0].describe().split()) == (
        "? declare service account projects/acme/serviceAccounts/clickstream-pipeline@acme.iam.gserviceaccount.com"
    )

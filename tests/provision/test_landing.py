"""`clickstream provision` at the request level: what the official clients would send.

Cloud Storage and Pub/Sub run on their emulators; BigQuery and Pub/Sub IAM, which have none,
are answered by tests/cloud_apis.py, which records each request.
"""

from __future__ import annotations

import dataclasses
import itertools

import pytest
from click.testing import CliRunner

from glue.cli import main
from glue.cli import provision as provision_cli
from glue.privacy.addresses import udf_code
from glue.provision.landing import Clients, grants, landing_resources, service_agent
from glue.provision.plan import ResourceError, apply, make_plan
from glue.provision.remedies import explain
from tests.cloud_apis import (
    BigQueryApi,
    IamPolicyServer,
    command_lines,
    connection_api,
    connection_client,
    landing_clients,
)

pytestmark = pytest.mark.emulator
PROJECT_NUMBER = "123456789012"
_ids = itertools.count(1)


@pytest.fixture
def project():
    return f"acme-prov-{next(_ids)}"


@pytest.fixture
def bigquery_api():
    return BigQueryApi()


@pytest.fixture
def iam():
    with IamPolicyServer() as server:
        yield server


@pytest.fixture
def connections():
    api, state = connection_api()
    channel = api.start()
    yield connection_client(channel), api, state
    api.stop()


@pytest.fixture
def clients(pubsub_emulator, storage_emulator, bigquery_api, project, connections):
    return landing_clients(project, bigquery_api, connections[0])


def all_resources(settings, project, clients, iam):
    """Everything `provision` creates; the Pub/Sub grants go to the IAM server, not the emulator."""
    publisher, subscriber = iam.clients()
    return landing_resources(settings, project, "US", clients) + grants(
        settings,
        project,
        Clients(bigquery=clients.bigquery, publisher=publisher, subscriber=subscriber),
        service_agent(PROJECT_NUMBER),
    )


def actions(plan):
    return {(s.resource.kind, s.resource.name.rsplit("/", 1)[-1].rsplit(".", 1)[-1]): s.action for s in plan.steps}


def test_a_fresh_project_gets_everything_and_a_second_run_changes_nothing(
    settings, project, clients, iam, bigquery_api
):
    first = make_plan(all_resources(settings, project, clients, iam))
    assert {s.action for s in first.steps} == {"create", "skip"}
    # Only the protobuf schema is skipped: the emulator has Avro schemas only.
    assert [s.resource.kind for s in first.steps if s.action == "skip"] == ["pubsub schema"]
    apply(first)

    bigquery_api.requests.clear()
    iam.requests.clear()
    second = make_plan(all_resources(settings, project, clients, iam))
    assert second.pending == [], [s.describe() for s in second.pending]
    assert second.summary().startswith("nothing to change")
    assert bigquery_api.mutations() == []
    assert [name for name, _ in iam.requests] == ["GetIamPolicy", "GetIamPolicy"]


def test_what_a_fresh_project_is_sent(settings, project, clients, iam, bigquery_api, connections):
    apply(make_plan(all_resources(settings, project, clients, iam)))
    posts = {path.rsplit("/", 1)[-1]: body for method, path, body in bigquery_api.mutations() if method == "POST"}
    created = [
        body["datasetReference"]["datasetId"]
        for method, path, body in bigquery_api.mutations()
        if method == "POST" and path.endswith("/datasets")
    ]
    assert created == [
        "clickstream_raw",
        "clickstream_staging",
        "clickstream",
        "clickstream_assertions",
        "clickstream_ml",
    ]
    assert all(bigquery_api.datasets[f"{project}.{d}"]["location"] == "US" for d in created)
    # Deleted rows stay recoverable 48 hours (then 7 days of fail-safe): an erasure's horizon.
    assert all(int(bigquery_api.datasets[f"{project}.{d}"]["maxTimeTravelHours"]) == 48 for d in created)

    tables = {
        body["tableReference"]["tableId"]: body
        for method, path, body in bigquery_api.mutations()
        if method == "POST" and path.endswith("/tables")
    }
    raw = tables["visits_pubsub"]
    assert [f["name"] for f in raw["schema"]["fields"]] == [
        "subscription_name",
        "message_id",
        "publish_time",
        "data",
        "attributes",
    ]
    # Hourly partitions: an hourly run reads the hour or two of messages it needs.
    assert raw["timePartitioning"] == {
        "type": "HOUR",
        "field": "publish_time",
        "expirationMs": str(90 * 24 * 3600 * 1000),
    }
    external = tables["visits_gcs"]["externalDataConfiguration"]
    assert external["sourceUris"] == [f"gs://{project}-clickstream-landing/visits/*"]
    # Objects sit under hour=...: a hive partition key, so that a run reads only the newest ones.
    assert external["hivePartitioningOptions"] == {
        "mode": "CUSTOM",
        "sourceUriPrefix": f"gs://{project}-clickstream-landing/visits/{{hour:STRING}}",
    }
    assert external["csvOptions"]["quote"] == "" and external["csvOptions"]["fieldDelimiter"] == "\u0001"
    assert [f["name"] for f in external["schema"]["fields"]] == ["line"]
    assert posts  # the POSTs above came through the official client
    # The object table lists the same objects through the connection, whose account may view them.
    assert tables["visits_gcs_objects"]["externalDataConfiguration"] == {
        "sourceUris": [f"gs://{project}-clickstream-landing/visits/*.jsonl"],
        "objectMetadata": "SIMPLE",
        "connectionId": f"{project}.us.clickstream-landing",
    }
    _, connection_calls, connection_state = connections
    [connection] = connection_state["connections"].values()
    assert connection.name == f"projects/{project}/locations/us/connections/clickstream-landing"
    viewer = connection.cloud_resource.service_account_id
    policy = clients.storage.bucket(f"{project}-clickstream-landing").get_iam_policy(requested_policy_version=3)
    assert {"role": "roles/storage.objectViewer", "members": {f"serviceAccount:{viewer}"}} in list(policy.bindings)

    agent = f"service-{PROJECT_NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com"
    access = bigquery_api.datasets[f"{project}.clickstream_raw"]["access"]
    assert {"role": "WRITER", "userByEmail": agent} in access

    sets = {r.resource.rsplit("/", 1)[-1]: r.policy for name, r in iam.requests if name == "SetIamPolicy"}
    assert [(b.role, list(b.members)) for b in sets["visits-dead-letter"].bindings] == [
        ("roles/pubsub.publisher", [f"serviceAccount:{agent}"])
    ]
    assert [(b.role, list(b.members)) for b in sets["visits-to-bigquery"].bindings] == [
        ("roles/pubsub.subscriber", [f"serviceAccount:{agent}"])
    ]

    subscription = clients.subscriber.get_subscription(
        subscription=f"projects/{project}/subscriptions/visits-to-bigquery"
    )
    assert subscription.bigquery_config.table == f"{project}.clickstream_raw.visits_pubsub"
    assert subscription.bigquery_config.write_metadata
    # Before the row is written, the subscription's transform truncates client_ip (tests/privacy/test_addresses.py).
    [transform] = subscription.message_transforms
    assert transform.javascript_udf.function_name == "truncateClientIp"
    assert transform.javascript_udf.code == udf_code()
    assert subscription.dead_letter_policy.dead_letter_topic == f"projects/{project}/topics/visits-dead-letter"
    assert subscription.dead_letter_policy.max_delivery_attempts == 5
    bucket = clients.storage.get_bucket(f"{project}-clickstream-landing")
    assert bucket.labels == {"app": "clickstream"} and bucket.iam_configuration.uniform_bucket_level_access_enabled
    # Landing objects are a transit area: deleted after 30 days, once the payload store keeps them.
    assert [dict(r) for r in bucket.lifecycle_rules] == [{"action": {"type": "Delete"}, "condition": {"age": 30}}]


def test_drift_is_reported_then_reconciled_without_deleting(settings, project, clients, iam, bigquery_api):
    apply(make_plan(all_resources(settings, project, clients, iam)))
    infra = {
        **settings.infra,
        "raw": {**settings.raw, "pubsub_expiration_days": 30},
        "pubsub": {**settings.pubsub, "max_delivery_attempts": 10},
    }
    changed = dataclasses.replace(settings, infra=infra)
    bigquery_api.requests.clear()

    plan = make_plan(all_resources(changed, project, clients, iam))
    updates = {s.resource.name.rsplit("/", 1)[-1]: s.differences for s in plan.pending}
    assert set(updates) == {f"{project}.clickstream_raw.visits_pubsub", "visits-to-bigquery"}
    assert updates[f"{project}.clickstream_raw.visits_pubsub"] == [
        "partition expiration: 7776000000 ms -> 2592000000 ms"
    ]
    assert "after 10 attempts" in updates["visits-to-bigquery"][0]
    apply(plan)
    assert [m for m, _, _ in bigquery_api.mutations()] == ["PATCH"]
    assert (
        bigquery_api.tables[f"{project}.clickstream_raw.visits_pubsub"]["timePartitioning"]["expirationMs"]
        == "2592000000"
    )
    assert make_plan(all_resources(changed, project, clients, iam)).pending == []


def test_a_table_of_another_kind_is_reported_and_left_alone(settings, project, clients, iam, bigquery_api):
    apply(make_plan(all_resources(settings, project, clients, iam)))
    # Someone made visits_gcs_objects a plain CSV external table: it cannot become an object
    # table in place, so provisioning says so and changes nothing (it never deletes).
    objects = f"{project}.clickstream_raw.visits_gcs_objects"
    bigquery_api.tables[objects]["externalDataConfiguration"] = {
        "sourceFormat": "CSV",
        "sourceUris": [f"gs://{project}-clickstream-landing/visits/*.jsonl"],
    }
    plan = make_plan(all_resources(settings, project, clients, iam))
    [step] = plan.pending
    assert (step.resource.name, step.differences) == (objects, ["is not an object table (cannot change in place)"])
    bigquery_api.requests.clear()
    with pytest.raises(ResourceError, match="is not an object table"):
        apply(plan)
    assert bigquery_api.mutations() == []


def test_dry_run_prints_the_plan_and_sends_nothing_that_changes(
    project, clients, bigquery_api, connections, monkeypatch
):
    monkeypatch.setattr(provision_cli, "real_clients", lambda *_: clients)
    # The clients above already point at the emulators; the command refuses to run with the
    # variables set, so that nobody provisions an emulator believing it is Google Cloud.
    refused = CliRunner().invoke(main, ["provision", "--project", project, "--dry-run"])
    assert refused.exit_code == 2 and "targets Google Cloud" in refused.output
    monkeypatch.delenv("PUBSUB_EMULATOR_HOST")
    monkeypatch.delenv("STORAGE_EMULATOR_HOST")
    lines = command_lines(
        [
            "provision",
            "--project",
            project,
            "--region",
            "US",
            "--dry-run",
            "--only",
            "storage",
            "--only",
            "bigquery",
            "--only",
            "pubsub",
        ]
    )
    assert f"+ create bigquery table {project}.clickstream_raw.visits_pubsub" in lines
    assert f"+ create storage bucket {project}-clickstream-landing" in lines
    assert f"+ create storage bucket {project}-clickstream-models" in lines
    assert f"+ create bigquery connection projects/{project}/locations/us/connections/clickstream-landing" in lines
    assert f"+ create bigquery object table {project}.clickstream_raw.visits_gcs_objects" in lines
    assert "21 to create, 0 to update, 0 unchanged, 1 skipped" in lines
    assert bigquery_api.mutations() == []
    assert connections[1].calls() == ["GetConnection"]
    with pytest.raises(Exception, match="404"):
        clients.storage.get_bucket(f"{project}-clickstream-landing")


@pytest.mark.parametrize(
    "status, reason, message, expected",
    [
        (
            403,
            "accessDenied",
            "Access Denied: Dataset x: Permission bigquery.datasets.get denied",
            "grant the caller roles/bigquery.dataOwner",
        ),
        (
            403,
            "accessDenied",
            "BigQuery API has not been used in project 1 before or it is disabled. SERVICE_DISABLED",
            "gcloud services enable bigquery.googleapis.com --project",
        ),
    ],
)
def test_a_refusal_names_the_role_or_api(settings, project, clients, bigquery_api, status, reason, message, expected):
    bigquery_api.deny = (status, reason, message)
    with pytest.raises(ResourceError) as failure:
        make_plan(landing_resources(settings, project, "US", Clients(bigquery=clients.bigquery)))
    assert expected in explain(failure.value, project)

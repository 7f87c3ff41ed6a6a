"""`clickstream deploy --env staging` against an empty project, at the request level.

Every part answers through its official client: Cloud Storage and Pub/Sub on their emulators,
everything else (IAM, BigQuery, Logging and Monitoring, Dataplex, Dataform, Dataflow, Cloud Run)
on the recording stand-ins of tests/cloud_apis.py, tests/dataflow/fakes.py and tests/deploy/fakes.py.
"""

from __future__ import annotations

import itertools
import re

import pytest
from click.testing import CliRunner

import glue.deploy
from glue.cli import main
from glue.dataflow import job_control
from glue.deploy import SECTIONS, DeployClients
from tests.cloud_apis import (
    BigQueryApi,
    connection_api,
    connection_client,
    dataform_api,
    dataform_client,
    governance_api,
    governance_clients,
    landing_clients,
    logging_and_monitoring_api,
    logging_and_monitoring_clients,
)
from tests.dataflow.fakes import dataflow_api, dataflow_clients
from tests.deploy import fakes

pytestmark = pytest.mark.emulator
_ids = itertools.count(1)
MUTATIONS = re.compile(r"^(Create|Update|Set|Patch|Launch|Delete)")


@pytest.fixture
def cloud(pubsub_emulator, storage_emulator, monkeypatch):
    """Every API deploy calls, empty; the fakes keyed by part, and the project they serve."""
    project = f"acme-deploy-{next(_ids)}"
    servers = {
        "iam": fakes.iam_api(),
        "connections": connection_api(),
        "alerts": logging_and_monitoring_api(),
        "governance": governance_api(),
        "dataform": dataform_api(),
        "dataflow": dataflow_api(),
        "run": fakes.run_api(),
    }
    channels = {part: server.start() for part, (server, _) in servers.items()}
    clients = DeployClients(
        iam=fakes.iam_clients(channels["iam"]),
        landing=landing_clients(project, BigQueryApi(), connection_client(channels["connections"])),
        alerts=logging_and_monitoring_clients(channels["alerts"]),
        governance=governance_clients(channels["governance"]),
        dataform=dataform_client(channels["dataform"]),
        dataflow=dataflow_clients(channels["dataflow"]),
        run=fakes.run_client(channels["run"]),
    )
    monkeypatch.setattr(glue.deploy, "real_deploy_clients", lambda target: clients)
    monkeypatch.setattr(job_control, "pause", lambda seconds: None)
    yield project, {part: server for part, (server, _) in servers.items()}, {p: s for p, (_, s) in servers.items()}
    for server, _ in servers.values():
        server.stop()


def deploy(project, *flags):
    result = CliRunner().invoke(
        main,
        ["deploy", "--env", "staging", "--project", project, "--project-number", "123456789012", *flags],
    )
    return result.exit_code, result.output


def mutations(servers) -> dict[str, list[str]]:
    return {part: [n for n in server.calls() if MUTATIONS.match(n)] for part, server in servers.items()}


def test_deploy_plans_every_resource_in_order_applies_it_and_then_has_nothing_to_change(cloud):
    project, servers, state = cloud
    code, dry = deploy(project, "--image-tag", "v1", "--dry-run")
    assert code == 0, dry
    lines = dry.splitlines()
    assert lines[0] == f"environment staging: project {project}, region us-central1, location US"
    headers = [line for line in lines if re.match(r"^\d\. ", line)]
    assert headers == [f"{n}. {section}" for n, section in enumerate(SECTIONS, start=1)]
    for resource in (
        f"service account projects/{project}/serviceAccounts/clickstream-pipeline@{project}.iam.gserviceaccount.com",
        f"pubsub topic projects/{project}/topics/visits",
        f"dataform repository projects/{project}/locations/us-central1/repositories/clickstream",
        "dataform workflow config",
        "clickstream-dos-alert",
        f"cloud run service projects/{project}/locations/us-central1/services/clickstream-ml-serve",
    ):
        assert any(resource in " ".join(line.split()) and "+ create" in line for line in lines), resource
    # The project's IAM policy always exists: it is updated. Only what the emulators lack is skipped.
    assert re.search(r"^\d+ to create, 1 to update, 0 unchanged, 3 skipped$", dry, re.M), dry
    assert [line.split()[2:4] for line in lines if line.startswith("~ update")] == [["project", "iam"]]
    assert all(calls == [] for calls in mutations(servers).values()), mutations(servers)

    code, applied = deploy(project, "--image-tag", "v1")
    assert code == 0, applied
    done = [line.split("done: ", 1)[1] for line in applied.splitlines() if "done: " in line]
    # Applied in the plan's order: accounts first, the service last.
    assert done[0].startswith("create projects/") and "serviceAccounts/clickstream-pipeline" in done[0]
    assert done[-1].endswith("services/clickstream-ml-serve")

    repository = state["dataform"]["repositories"][f"projects/{project}/locations/us-central1/repositories/clickstream"]
    assert repository.git_remote_settings.authentication_token_secret_version == (
        f"projects/{project}/secrets/dataform-git-token/versions/latest"
    )
    assert repository.service_account == f"clickstream-pipeline@{project}.iam.gserviceaccount.com"
    (job,) = state["dataflow"]["jobs"].values()
    assert job.name == "clickstream-dos-alert"
    # The release configuration, written after governance created the policy tags, compiles with
    # their names: every personal column carries its tag. And it keeps user data 26 months.
    tags = {t.display_name: t.name for t in state["governance"]["policy_tags"].values()}
    release = state["dataform"]["release_configs"][
        f"projects/{project}/locations/us-central1/repositories/clickstream/releaseConfigs/production"
    ]
    compiled_vars = dict(release.code_compilation_config.vars)
    assert {name: compiled_vars.get(f"policy_tag_{name}") for name in tags} == tags
    assert set(tags) == {"identifier", "precise_location", "device_fingerprint", "network_address"}
    assert compiled_vars["user_data_retention_days"] == "791"
    (service,) = state["run"]["services"].values()
    assert service.template.containers[0].image == (f"us-central1-docker.pkg.dev/{project}/clickstream/ml-serve:v1")

    code, again = deploy(project, "--image-tag", "v1", "--dry-run")
    assert code == 0 and "nothing to change" in again, again

    # A new release: the job is updated in place and the service rolls to the new image; nothing else.
    code, release = deploy(project, "--image-tag", "v2", "--dry-run")
    assert code == 0, release
    updates = [" ".join(line.split()) for line in release.splitlines() if line.startswith("~ update")]
    assert len(updates) == 2 and "Dataflow job" in updates[0] and "clickstream-dos-alert" in updates[0], updates
    assert "cloud run service" in updates[1]
    assert "image: " in release and "ml-serve:v1 -> " in release


def test_an_unknown_environment_is_refused_before_anything_is_read(cloud):
    result = CliRunner().invoke(main, ["deploy", "--env", "production", "--dry-run"])
    assert result.exit_code != 0 and "no environment 'production'" in result.output

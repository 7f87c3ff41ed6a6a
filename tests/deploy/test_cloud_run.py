"""glue/deploy/cloud_run.py at the request level, through the official Cloud Run v2 client: the
predictions service created as declared, left alone when it is, updated when the image moves on."""

from __future__ import annotations

import pytest

from glue.deploy.clients import offline_run_client
from glue.deploy.cloud_run import cloud_run_resources
from glue.provision.plan import apply, declared_plan, make_plan
from glue.settings import get_settings
from tests.deploy.fakes import run_api, run_client

NAME = "projects/acme/locations/us-central1/services/clickstream-ml-serve"
IMAGE = "us-central1-docker.pkg.dev/acme/clickstream/ml-serve"


@pytest.fixture
def api():
    server, state = run_api()
    client = run_client(server.start())
    yield server, state, client
    server.stop()


@pytest.fixture
def settings():
    return get_settings()


def plan_for(settings, client, env="prod", tag="v1"):
    target = settings.environment(env, project="acme", region="us-central1")
    return make_plan(cloud_run_resources(settings, target, client, tag))


def test_a_new_service_is_created_as_declared_and_waited_for(api, settings):
    server, state, client = api
    plan = plan_for(settings, client)
    assert [(s.action, s.resource.name) for s in plan.steps] == [("create", NAME)]
    apply(plan)
    # The create is a long-running operation: the client polls it until the revision is out.
    assert server.calls() == ["GetService", "CreateService", "GetOperation", "GetService"]

    (request,) = [r for n, r in server.requests if n == "CreateService"]
    assert (request.parent, request.service_id) == ("projects/acme/locations/us-central1", "clickstream-ml-serve")
    template = request.service.template
    (container,) = template.containers
    assert container.image == f"{IMAGE}:v1"
    assert template.service_account == "clickstream-serve@acme.iam.gserviceaccount.com"
    assert (template.scaling.min_instance_count, template.scaling.max_instance_count) == (1, 10)
    assert [p.container_port for p in container.ports] == [8080]
    assert dict(container.resources.limits) == {"cpu": "1", "memory": "1Gi"}
    for probe in (container.startup_probe, container.liveness_probe):
        assert (probe.http_get.path, probe.http_get.port) == ("/healthz", 8080)
    assert {e.name: e.value for e in container.env} == {
        "GOOGLE_CLOUD_PROJECT": "acme",
        "MODEL_DIR": "/models/purchase_propensity",
    }
    (volume,) = template.volumes
    assert (volume.name, volume.gcs.bucket, volume.gcs.read_only) == (
        "models",
        settings.model_bucket_for("acme"),
        True,
    )
    assert [(m.name, m.mount_path) for m in container.volume_mounts] == [("models", "/models")]
    assert request.service.labels == {"app": "clickstream"}
    assert NAME in state["services"]


def test_staging_keeps_no_instance_idle(api, settings):
    server, _, client = api
    apply(plan_for(settings, client, env="staging"))
    (request,) = [r for n, r in server.requests if n == "CreateService"]
    scaling = request.service.template.scaling
    assert (scaling.min_instance_count, scaling.max_instance_count) == (0, 2)


def test_a_second_plan_changes_nothing_though_the_server_filled_in_its_defaults(api, settings):
    server, state, client = api
    apply(plan_for(settings, client))
    # What Cloud Run adds (port name, the cpu in millicores, URL, traffic...) is not a difference.
    assert state["services"][NAME].template.containers[0].resources.limits["cpu"] == "1000m"
    server.requests.clear()
    again = plan_for(settings, client)
    assert again.pending == [] and again.summary() == "nothing to change: 1 resources already as configured"
    assert server.calls() == ["GetService"]


def test_a_new_image_tag_updates_the_service_and_names_the_change(api, settings):
    server, state, client = api
    apply(plan_for(settings, client))
    state["services"][NAME].labels["team"] = "data-science"  # set by hand: kept
    plan = plan_for(settings, client, tag="v2")
    assert [(s.action, s.differences) for s in plan.steps] == [("update", [f"image: {IMAGE}:v1 -> {IMAGE}:v2"])]
    server.requests.clear()
    apply(plan)
    assert server.calls() == ["UpdateService", "GetOperation"]
    (_, request) = server.requests[0]
    assert request.service.name == NAME and request.service.etag == '"gen-1"'
    assert request.service.template.containers[0].image == f"{IMAGE}:v2"
    served = state["services"][NAME]
    assert served.template.containers[0].image == f"{IMAGE}:v2" and served.generation == 2
    assert served.labels == {"app": "clickstream", "team": "data-science"}
    assert plan_for(settings, client, tag="v2").pending == []


def test_drift_in_scaling_and_probes_is_named_line_by_line(api, settings):
    _, state, client = api
    apply(plan_for(settings, client))
    container = state["services"][NAME].template.containers[0]
    container.liveness_probe.http_get.path = "/"
    state["services"][NAME].template.scaling.min_instance_count = 0
    (step,) = plan_for(settings, client).steps
    assert step.differences == [
        "scaling: min 0, max 10 instances -> min 1, max 10 instances",
        "liveness probe: GET / on port 8080 every 30s, timeout 5s, 3 failures"
        " -> GET /healthz on port 8080 every 30s, timeout 5s, 3 failures",
    ]


def test_offline_the_service_is_declared_without_a_call(settings):
    target = settings.environment("prod", project="acme", region="us-central1")
    plan = declared_plan(cloud_run_resources(settings, target, offline_run_client("us-central1"), "v1"))
    assert [" ".join(s.describe().split()) for s in plan.steps] == [f"? declare cloud run service {NAME}"]

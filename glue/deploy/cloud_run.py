"""The predictions service (`clickstream ml serve`, the root Dockerfile's image) on Cloud Run, as a
plan resource, through the official Cloud Run Admin API v2 client.

What is wanted comes from clickstream.yaml: `deploy.cloud_run` (service name, port, cpu, memory,
health path), `deploy.artifact_registry` and `deploy.images.ml_serve` (the image), `ml.model`
(where the model sits in its bucket); the environment gives the project, region and scaling
(`serve: min_instances, max_instances`). The model bucket is mounted read-only at /models.
"""

from __future__ import annotations

from google.cloud import run_v2

from glue.deploy.clients import offline_run_client, real_run_client
from glue.deploy.service_accounts import account_email
from glue.provision.landing import LABELS
from glue.provision.plan import get_or_none, missing_labels
from glue.settings import Environment, Settings

__all__ = [
    "CloudRunService",
    "cloud_run_resources",
    "image_uri",
    "offline_run_client",
    "real_run_client",
    "wanted_service",
]

SERVE_ACCOUNT = "clickstream-serve"  # default of deploy.cloud_run.service_account
MOUNT_PATH = "/models"
VOLUME = "models"
# Creating or updating a service rolls out a revision: minutes at most.
OPERATION_TIMEOUT = 600
# The model loads before the port opens, and the history is read before the first request is
# taken: up to STARTUP_PERIOD * STARTUP_FAILURES seconds. Then the service is asked every
# LIVENESS_PERIOD seconds, and restarted after LIVENESS_FAILURES answers missed in a row.
STARTUP_PERIOD, STARTUP_FAILURES, STARTUP_TIMEOUT = 5, 24, 3
LIVENESS_PERIOD, LIVENESS_FAILURES, LIVENESS_TIMEOUT = 30, 3, 5


def image_uri(settings: Settings, target: Environment, tag: str) -> str:
    """REGION-docker.pkg.dev/PROJECT/<deploy.artifact_registry>/<deploy.images.ml_serve>:TAG"""
    deploy = settings.deploy
    return (
        f"{target.region}-docker.pkg.dev/{target.project}/{deploy['artifact_registry']}/"
        f"{deploy['images']['ml_serve']}:{tag}"
    )


def _probe(path: str, port: int, period: int, failures: int, timeout: int) -> run_v2.Probe:
    return run_v2.Probe(
        http_get=run_v2.HTTPGetAction(path=path, port=port),
        period_seconds=period,
        failure_threshold=failures,
        timeout_seconds=timeout,
    )


def wanted_service(settings: Settings, target: Environment, image_tag: str) -> run_v2.Service:
    """The service as clickstream.yaml and the environment declare it (without its name: Cloud Run
    composes that from the parent and the service id)."""
    run = settings.deploy["cloud_run"]
    project, port, health = target.project, int(run["port"]), run["health_path"]
    # An environment that declares no scaling gets the smallest: none idle, one at most.
    serve = {"min_instances": 0, "max_instances": 1, **(target.serve or {})}
    container = run_v2.Container(
        image=image_uri(settings, target, image_tag),
        ports=[run_v2.ContainerPort(container_port=port)],
        env=[
            run_v2.EnvVar(name="GOOGLE_CLOUD_PROJECT", value=project),
            run_v2.EnvVar(name="MODEL_DIR", value=f"{MOUNT_PATH}/{settings.ml['model']}"),
        ],
        # CPU stays allocated between requests: the predictions are written in batches, and the
        # model and history refreshed, by threads that run while no request is being answered.
        resources=run_v2.ResourceRequirements(
            limits={"cpu": str(run["cpu"]), "memory": str(run["memory"])}, cpu_idle=False
        ),
        startup_probe=_probe(health, port, STARTUP_PERIOD, STARTUP_FAILURES, STARTUP_TIMEOUT),
        liveness_probe=_probe(health, port, LIVENESS_PERIOD, LIVENESS_FAILURES, LIVENESS_TIMEOUT),
        volume_mounts=[run_v2.VolumeMount(name=VOLUME, mount_path=MOUNT_PATH)],
    )
    template = run_v2.RevisionTemplate(
        service_account=account_email(run.get("service_account") or SERVE_ACCOUNT, project),
        scaling=run_v2.RevisionScaling(
            min_instance_count=int(serve["min_instances"]), max_instance_count=int(serve["max_instances"])
        ),
        # Cloud Storage volumes are mounted with Cloud Storage FUSE, which the second generation runs.
        execution_environment=run_v2.ExecutionEnvironment.EXECUTION_ENVIRONMENT_GEN2,
        containers=[container],
        volumes=[
            run_v2.Volume(
                name=VOLUME,
                gcs=run_v2.GCSVolumeSource(bucket=settings.model_bucket_for(project), read_only=True),
            )
        ],
    )
    return run_v2.Service(labels=LABELS, template=template)


def _quantity(value: str) -> float:
    """A Kubernetes quantity as a number, so that Cloud Run's "1000m" equals "1" and "1024Mi" "1Gi"."""
    units = {"m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}
    for suffix in sorted(units, key=len, reverse=True):
        if value.endswith(suffix):
            return float(value[: -len(suffix)]) * units[suffix]
    return float(value) if value else 0.0


def _describe_probe(probe: run_v2.Probe) -> str:
    if not probe.http_get.path:
        return "none"
    return (
        f"GET {probe.http_get.path} on port {probe.http_get.port} every {probe.period_seconds}s, "
        f"timeout {probe.timeout_seconds}s, {probe.failure_threshold} failures"
    )


def _managed(service: run_v2.Service) -> dict[str, object]:
    """What this resource manages, each as it reads on a plan line; anything else the server
    fills in (revision names, URLs, conditions, defaults of fields not set here) is not compared."""
    template = service.template
    container = template.containers[0] if template.containers else run_v2.Container()
    limits = container.resources.limits
    return {
        "image": container.image or "none",
        "service account": template.service_account or "the default compute service account",
        "scaling": f"min {template.scaling.min_instance_count}, max {template.scaling.max_instance_count} instances",
        "port": ", ".join(str(p.container_port) for p in container.ports) or "none",
        "cpu": _quantity(limits.get("cpu", "")),
        "memory": _quantity(limits.get("memory", "")),
        "cpu always allocated": not container.resources.cpu_idle,
        "startup probe": _describe_probe(container.startup_probe),
        "liveness probe": _describe_probe(container.liveness_probe),
        "env": ", ".join(sorted(f"{e.name}={e.value}" for e in container.env)) or "none",
        "volumes": ", ".join(
            f"{v.name}: gs://{v.gcs.bucket}{' read-only' if v.gcs.read_only else ''}" for v in template.volumes
        )
        or "none",
        "volume mounts": ", ".join(f"{m.name} at {m.mount_path}" for m in container.volume_mounts) or "none",
        "execution environment": template.execution_environment.name,
    }


class CloudRunService:
    """One Cloud Run service: created, or updated to what is wanted, each time waiting until the
    revision is rolled out (the call's long-running operation)."""

    kind = "cloud run service"

    def __init__(self, client, project: str, region: str, service_id: str, service: run_v2.Service):
        self.client, self.service_id, self.wanted = client, service_id, service
        self.parent = f"projects/{project}/locations/{region}"
        self.name = f"{self.parent}/services/{service_id}"

    def read(self):
        return get_or_none(self.client.get_service, request={"name": self.name})

    def differences(self, current) -> list[str]:
        have, want = _managed(current), _managed(self.wanted)
        found = [f"{key}: {have[key]} -> {want[key]}" for key in want if have[key] != want[key]]
        return found + missing_labels(dict(current.labels), dict(self.wanted.labels))

    def create(self) -> None:
        operation = self.client.create_service(
            request={"parent": self.parent, "service_id": self.service_id, "service": self.wanted}
        )
        operation.result(timeout=OPERATION_TIMEOUT)

    def update(self, current, differences) -> None:
        service = run_v2.Service.deserialize(run_v2.Service.serialize(self.wanted))
        service.name = self.name
        # Labels set elsewhere are kept; the etag makes a concurrent change fail, not be overwritten.
        service.labels = {**current.labels, **self.wanted.labels}
        service.etag = current.etag
        operation = self.client.update_service(request={"service": service})
        operation.result(timeout=OPERATION_TIMEOUT)


def cloud_run_resources(settings: Settings, target: Environment, client, image_tag: str) -> list:
    """The predictions service of `target` (its project, region and scaling), running `image_tag`."""
    service_id = settings.deploy["cloud_run"]["service"]
    return [
        CloudRunService(client, target.project, target.region, service_id, wanted_service(settings, target, image_tag))
    ]

"""What `clickstream dos-alert deploy` launches: the Flex Template request built from the settings.

Everything comes from clickstream.yaml and the environment (glue.settings.Environment): the job
name, the template spec and image, the pipeline's parameters (subscription, alerts topic, counts
table, archive), and the workers (max workers, machine type, service account, locations). The
request's labels record the image tag and a digest of the rest, so the running job says whether
it already runs what a deploy would launch.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field

# The experiment that makes a launch only check the new graph against the running job's.
GRAPH_VALIDATE_ONLY = "graph_validate_only"
IMAGE_LABEL, CONFIG_LABEL = "clickstream-image", "clickstream-config"


@dataclass(frozen=True)
class JobLaunch:
    """One launch of the DoS-alert template: its name, spec, image, parameters and workers."""

    project: str
    region: str
    job_name: str
    template_spec: str
    image: str
    parameters: dict[str, str]
    environment: dict = field(default_factory=dict)

    @property
    def labels(self) -> dict[str, str]:
        """Labels that identify what this launch runs (label values: lower case, digits, - and _)."""
        tag = self.image.rsplit(":", 1)[-1] if ":" in self.image.rsplit("/", 1)[-1] else "untagged"
        return {IMAGE_LABEL: label_value(tag), CONFIG_LABEL: self.digest}

    @property
    def digest(self) -> str:
        wanted = {"spec": self.template_spec, "image": self.image, "parameters": self.parameters, **self.environment}
        return hashlib.sha256(json.dumps(wanted, sort_keys=True).encode()).hexdigest()[:16]

    def parameter(self, *, update: bool = False, mapping: dict[str, str] | None = None, validate_only: bool = False):
        """The LaunchFlexTemplateParameter: a plain launch, an update, or an update's graph check."""
        from google.cloud import dataflow_v1beta3 as dataflow

        environment = dataflow.FlexTemplateRuntimeEnvironment(
            **self.environment,
            sdk_container_image=self.image,
            enable_streaming_engine=True,
            additional_user_labels=self.labels,
            additional_experiments=[GRAPH_VALIDATE_ONLY] if validate_only else [],
        )
        return dataflow.LaunchFlexTemplateParameter(
            job_name=self.job_name,
            container_spec_gcs_path=self.template_spec,
            parameters=self.parameters,
            environment=environment,
            update=update,
            transform_name_mappings=dict(mapping or {}) if update else {},
        )


def label_value(text: str) -> str:
    return re.sub(r"[^a-z0-9_-]", "-", text.lower())[:63]


def job_name(settings, target) -> str:
    """deploy.dataflow.job_name; in an environment with a schema suffix (dev), the developer's own."""
    name = settings.deploy["dataflow"]["job_name"]
    suffix = re.sub(r"[^a-z0-9-]", "-", target.schema_suffix.lower())
    return f"{name}-{suffix}" if suffix else name


def template_spec_path(settings, target) -> str:
    """gs://<landing bucket>/<deploy.dos_alert_template_spec>: where `flex-template build` writes."""
    return f"gs://{settings.landing_bucket_for(target.project)}/{settings.deploy['dos_alert_template_spec']}"


def template_image(settings, target, tag: str) -> str:
    """REGION-docker.pkg.dev/PROJECT/<deploy.artifact_registry>/<deploy.images.dos_alert_template>:TAG"""
    repository, image = settings.deploy["artifact_registry"], settings.deploy["images"]["dos_alert_template"]
    return f"{target.region}-docker.pkg.dev/{target.project}/{repository}/{image}:{tag}"


def service_account(target) -> str:
    return f"clickstream-dataflow@{target.project}.iam.gserviceaccount.com"


def job_launch(settings, target, template_spec: str, image: str) -> JobLaunch:
    """The launch for `target` (an Environment with project and region) from the settings."""
    project, names, job = target.project, settings.pubsub, settings.infra["dos_alert"]
    bucket = settings.landing_bucket_for(project)
    parameters = {
        "subscription": f"projects/{project}/subscriptions/{names['dos_alert_subscription']}",
        "alerts-topic": f"projects/{project}/topics/{names['alerts_topic']}",
        "counts-table": f"{project}:{target.dataset(settings.curated_dataset)}.{job['counts_table']}",
        "archive-dir": f"gs://{bucket}/{job['archive_prefix']}",
    }
    sizes = target.dataflow or job["dataflow"]
    environment = {
        "max_workers": int(sizes["max_workers"]),
        "machine_type": str(sizes["machine_type"]),
        "service_account_email": service_account(target),
        "temp_location": f"gs://{bucket}/dataflow/temp",
        "staging_location": f"gs://{bucket}/dataflow/staging",
    }
    return JobLaunch(project, target.region, job_name(settings, target), template_spec, image, parameters, environment)

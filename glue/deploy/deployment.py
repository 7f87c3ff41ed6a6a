"""Everything an environment needs, as one ordered plan.

The order is the one the pieces depend on:
1. service accounts, then their project roles (and the service agents');
2. the landing side: bucket, datasets, raw tables, topics, subscriptions, grants (`provision`);
3. alerting on the DoS-alert job's log entries;
4. governance: the Dataplex lake, zones, sharing and aspects;
5. the Dataform repository, then its release and workflow configurations;
6. the DoS-alert job on Dataflow, from its Flex Template;
7. the predictions service on Cloud Run.

Each part is the plan resources its own command already builds; this module only puts them in
order and gives them their clients.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from glue.settings import Environment, Settings

SECTIONS = (
    "service accounts",
    "landing",
    "alerting",
    "governance",
    "dataform",
    "dos-alert job",
    "predictions service",
)


@dataclass
class DeployClients:
    """The official clients of every part, or their stand-ins for a dry run without credentials."""

    iam: Any
    landing: Any
    alerts: Any
    governance: Any
    dataform: Any
    dataflow: Any
    run: Any


def real_deploy_clients(target: Environment) -> DeployClients:
    """Every part's official clients (application default credentials)."""
    from glue.dataflow import real_dataflow_clients
    from glue.dataform_api.invocations import real_client as real_dataform_client
    from glue.deploy.clients import real_iam_clients, real_run_client
    from glue.governance.declared import real_clients as real_governance_clients
    from glue.provision.alert_policies import real_clients as real_alert_clients
    from glue.provision.landing import real_clients as real_landing_clients

    return DeployClients(
        iam=real_iam_clients(),
        landing=real_landing_clients(target.project, target.location, {"storage", "bigquery", "pubsub", "iam"}),
        alerts=real_alert_clients(),
        governance=real_governance_clients(),
        dataform=real_dataform_client(),
        dataflow=real_dataflow_clients(target.region),
        run=real_run_client(target.region),
    )


def offline_deploy_clients(target: Environment) -> DeployClients:
    """Stand-ins: the plan is what clickstream.yaml and the compiled graph declare, read from nothing."""
    from google.cloud import dataform_v1

    from glue.dataflow import offline_dataflow_clients
    from glue.deploy.clients import offline_iam_clients, offline_run_client
    from glue.governance.declared import offline_clients as offline_governance_clients
    from glue.provision.landing import offline_clients as offline_landing_clients
    from glue.provision.plan import OfflineClient

    return DeployClients(
        iam=offline_iam_clients(),
        landing=offline_landing_clients({"storage", "bigquery", "pubsub", "iam"}, target.project),
        alerts=(OfflineClient(),) * 3,
        governance=offline_governance_clients(),
        dataform=OfflineClient(dataform_v1.DataformClient),
        dataflow=offline_dataflow_clients(),
        run=offline_run_client(target.region),
    )


def deploy_sections(
    settings: Settings,
    target: Environment,
    clients: DeployClients,
    graph,
    image_tag: str,
    project_number: str | None,
    say: Callable[[str], None] = lambda text: None,
) -> list[tuple[str, list, str]]:
    """(section, resources, note) in deployment order; a section with no resources says why in its note."""
    from glue.dataflow import dos_alert_job_resources
    from glue.dataflow.launch_spec import template_image, template_spec_path
    from glue.dataform_api.repository import Repository
    from glue.dataform_api.schedule import repository_path, schedule_resources
    from glue.deploy.cloud_run import cloud_run_resources
    from glue.deploy.service_accounts import service_account_resources
    from glue.governance.declared import governance_resources
    from glue.provision.alert_policies import alert_resources
    from glue.provision.landing import landing_resources

    project, declared = target.project, settings.infra["dataform"]
    repository = Repository(clients.dataform, target, declared["repository"], settings.deploy["git"])
    dataform = [repository]
    dataform_note = ""
    if target.schema_suffix:
        dataform_note = "no schedules: each developer runs their own datasets (`clickstream dataform run --env dev`)"
    else:
        path = repository_path(project, target.region, declared["repository"])
        dataform += schedule_resources(clients.dataform, path, declared, target, policy_tags(settings, target, clients))
    alerting, alerting_note = [], ""
    if target.alert_email:
        alerting = alert_resources(project, target.alert_email, 0, clients.alerts)
    else:
        alerting_note = f"no alert_email for environment {target.name} in clickstream.yaml"
    job = dos_alert_job_resources(
        settings,
        target,
        clients.dataflow,
        template_spec_path(settings, target),
        template_image(settings, target, image_tag),
        say=say,
    )
    return [
        ("service accounts", service_account_resources(settings, target, clients.iam, project_number), ""),
        ("landing", landing_resources(settings, project, target.location, clients.landing, project_number), ""),
        ("alerting", alerting, alerting_note),
        ("governance", governance_resources(settings, graph, project, target.region, clients.governance), ""),
        ("dataform", dataform, dataform_note),
        ("dos-alert job", job, ""),
        ("predictions service", cloud_run_resources(settings, target, clients.run, image_tag), ""),
    ]


def policy_tags(settings: Settings, target: Environment, clients: DeployClients) -> Callable[[], dict]:
    """The policy tags' names as compilation vars (policy_tag_<class>), read when the release
    configurations are compared and again when they are written, after the governance section has
    created the tags: every compiled personal column carries its tag. Offline: none."""
    from glue.governance.policy_tags import policy_tag_vars
    from glue.provision.plan import OfflineClient

    def found() -> dict:
        if isinstance(clients.governance.policy_tags, OfflineClient):
            return {}
        return policy_tag_vars(clients.governance, target.project, settings.region.lower(), settings)

    return found


class DeployPlan:
    """The sections' resources read into one plan, printed by section and applied in order."""

    def __init__(self, sections: list[tuple[str, list, str]]):
        self._sections = sections
        self.plan = None

    @classmethod
    def build(cls, settings, target, clients, graph, image_tag, project_number, say=lambda text: None) -> DeployPlan:
        return cls(deploy_sections(settings, target, clients, graph, image_tag, project_number, say))

    def read(self, offline: bool = False) -> None:
        """Read every resource (offline: declare them, reading nothing)."""
        from glue.provision.plan import declared_plan, make_plan

        resources = [resource for _, part, _ in self._sections for resource in part]
        self.plan = declared_plan(resources) if offline else make_plan(resources)

    @property
    def sections(self) -> list[tuple[str, list, str]]:
        """(section, its plan steps, note), in order."""
        steps, out = iter(self.plan.steps), []
        for name, resources, note in self._sections:
            out.append((name, [next(steps) for _ in resources], note))
        return out

    @property
    def pending(self) -> list:
        return self.plan.pending

    def summary(self) -> str:
        return self.plan.summary()

    def apply(self, on_step=lambda step: None) -> None:
        from glue.provision.plan import apply

        apply(self.plan, on_step)

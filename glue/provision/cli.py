"""`clickstream provision`: create or reconcile the landing side on Google Cloud."""
from __future__ import annotations

import os
import sys

import click

from glue.cliutil import cloud_clients
from glue.provision.errors import explain, explain_project_lookup
from glue.provision.landing import Clients, landing_resources
from glue.provision.plan import ResourceError, Step, apply, make_plan
from glue.settings import get_settings

PARTS = ("storage", "bigquery", "pubsub", "iam")


def real_clients(project: str, region: str, parts: set[str]) -> Clients:
    from google.cloud import bigquery, bigquery_connection_v1, pubsub_v1, storage

    return Clients(
        storage=storage.Client(project=project) if parts & {"storage", "iam"} else None,
        bigquery=bigquery.Client(project=project, location=region) if parts & {"bigquery", "iam"} else None,
        publisher=pubsub_v1.PublisherClient() if parts & {"pubsub", "iam"} else None,
        subscriber=pubsub_v1.SubscriberClient() if parts & {"pubsub", "iam"} else None,
        schemas=pubsub_v1.SchemaServiceClient() if "pubsub" in parts else None,
        connections=bigquery_connection_v1.ConnectionServiceClient() if parts & {"bigquery", "iam"} else None,
    )


def lookup_project_number(project: str) -> str:
    from google.cloud import resourcemanager_v3

    return resourcemanager_v3.ProjectsClient().get_project(name=f"projects/{project}").name.split("/")[-1]


def print_step(step: Step) -> None:
    colour = {"create": "green", "update": "yellow", "ok": None, "skip": "bright_black"}[step.action]
    click.secho(step.describe(), fg=colour)


@click.command()
@click.option("--project", envvar="GOOGLE_CLOUD_PROJECT", required=True,
              help="Google Cloud project id (default: $GOOGLE_CLOUD_PROJECT).")
@click.option("--region", envvar="CLICKSTREAM_REGION", default=None,
              help="BigQuery and bucket location (default: workflow_settings.yaml defaultLocation).")
@click.option("--dry-run", is_flag=True, help="Read everything, print the plan, change nothing.")
@click.option("--only", "only", multiple=True, type=click.Choice(PARTS),
              help="Provision only these parts (repeatable). Default: all.")
@click.option("--project-number", help="Skip the Resource Manager lookup of the project number (IAM grants need it).")
def provision(project, region, dry_run, only, project_number):
    """Create or reconcile the landing side: bucket, datasets, raw tables (the Pub/Sub table,
    the landing bucket's external table, and its object table with the BigLake connection it
    reads through), topics, schema, the BigQuery subscription with its dead-letter topic, and the
    grants (the Pub/Sub service agent's; the connection's object viewer on the bucket).

    Every resource is read first; only what is missing or differs is created or changed, so a
    second run changes nothing and says so. Nothing is ever deleted. Names and retention come
    from clickstream.yaml, dataset names from workflow_settings.yaml.

    \b
    Example:
      clickstream provision --project my-project --region US --dry-run
    """
    settings = get_settings()
    region = region or settings.region
    parts = set(only or PARTS)
    if os.environ.get("PUBSUB_EMULATOR_HOST") or os.environ.get("STORAGE_EMULATOR_HOST"):
        click.secho("an emulator host is set (PUBSUB_EMULATOR_HOST / STORAGE_EMULATOR_HOST): `provision` "
                    "targets Google Cloud; the local stack is provisioned by `clickstream local up`", fg="red", err=True)
        sys.exit(2)
    clients = cloud_clients(lambda: real_clients(project, region, parts))
    if "iam" in parts and project_number is None:
        try:
            project_number = lookup_project_number(project)
        except Exception as error:  # noqa: BLE001 - any failure here has the same remedy
            click.secho(explain_project_lookup(error, project), fg="red", err=True)
            sys.exit(2)
    click.echo(f"project {project}, location {region}{' (dry run: nothing will change)' if dry_run else ''}")
    resources = landing_resources(settings, project, region, clients,
                                  project_number if "iam" in parts else None)
    resources = [r for r in resources if _part(r) in parts]
    sys.exit(run_plan(resources, project, dry_run))


def _part(resource) -> str:
    if resource.kind.endswith("grant"):
        return "iam"
    return resource.kind.split()[0]


def run_plan(resources: list, project: str, dry_run: bool) -> int:
    """Print the plan, apply it unless dry-run; the exit code (0 ok, 2 failed)."""
    try:
        plan = make_plan(resources)
        for step in plan.steps:
            print_step(step)
        click.echo(plan.summary())
        if dry_run or not plan.pending:
            return 0
        apply(plan, on_step=lambda step: click.secho(f"  done: {step.action} {step.resource.name}", fg="green"))
    except ResourceError as failure:
        click.secho(explain(failure, project), fg="red", err=True)
        return 2
    click.echo(f"applied: {len(plan.pending)} changes")
    return 0

"""`clickstream provision`: create or reconcile the landing side on Google Cloud."""

from __future__ import annotations

import os
import sys

import click

from glue.cli.environments import cloud_target
from glue.cli.options import plan_clients
from glue.cli.plans import run_plan
from glue.provision.landing import landing_resources, lookup_project_number, offline_clients, real_clients
from glue.provision.remedies import explain_project_lookup
from glue.settings import get_settings

PARTS = ("storage", "bigquery", "pubsub", "iam")


@click.command()
@cloud_target(
    need_region=False,
    region_is_location=True,
    region_help="BigQuery and bucket location (default: the environment's, else workflow_settings.yaml defaultLocation).",
)
@click.option("--dry-run", is_flag=True, help="Read everything, print the plan, change nothing.")
@click.option(
    "--only",
    "only",
    multiple=True,
    type=click.Choice(PARTS),
    help="Provision only these parts (repeatable). Default: all.",
)
@click.option("--project-number", help="Skip the Resource Manager lookup of the project number (IAM grants need it).")
def provision(target, dry_run, only, project_number):
    """Create or reconcile the landing side: bucket, datasets, raw tables (the Pub/Sub table,
    the landing bucket's external table, and its object table with the BigLake connection it
    reads through), topics, schema, the BigQuery subscription with its dead-letter topic, and the
    grants (the Pub/Sub service agent's; the connection's object viewer on the bucket).

    Every resource is read first; only what is missing or differs is created or changed, so a
    second run changes nothing and says so. Nothing is ever deleted. Names and retention come
    from clickstream.yaml, dataset names from workflow_settings.yaml.

    \b
    Example:
      clickstream provision --env staging --dry-run
      clickstream provision --project my-project --region US --dry-run
    """
    settings = get_settings()
    project, region = target.project, target.location
    parts = set(only or PARTS)
    if os.environ.get("PUBSUB_EMULATOR_HOST") or os.environ.get("STORAGE_EMULATOR_HOST"):
        click.secho(
            "an emulator host is set (PUBSUB_EMULATOR_HOST / STORAGE_EMULATOR_HOST): `provision` "
            "targets Google Cloud; the local stack is provisioned by `clickstream local up`",
            fg="red",
            err=True,
        )
        sys.exit(2)
    clients, offline = plan_clients(
        lambda: real_clients(project, region, parts), lambda: offline_clients(parts, project), dry_run
    )
    if offline and project_number is None:
        project_number = "PROJECT_NUMBER"  # the service agents' names need it; the lookup needs credentials
    if "iam" in parts and project_number is None:
        try:
            project_number = lookup_project_number(project)
        except Exception as error:  # noqa: BLE001 - any failure here has the same remedy
            click.secho(explain_project_lookup(error, project), fg="red", err=True)
            sys.exit(2)
    click.echo(f"project {project}, location {region}{' (dry run: nothing will change)' if dry_run else ''}")
    resources = landing_resources(settings, project, region, clients, project_number if "iam" in parts else None)
    resources = [r for r in resources if _part(r) in parts]
    sys.exit(run_plan(resources, project, dry_run, offline))


def _part(resource) -> str:
    if resource.kind.endswith("grant"):
        return "iam"
    return resource.kind.split()[0]

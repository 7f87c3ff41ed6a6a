"""`clickstream governance apply`: the Dataplex lake, zones, sharing, aspects and lineage, and
the policy tags and data masking policies of personal data."""

from __future__ import annotations

import sys

import click

from glue.cli.environments import cloud_target
from glue.cli.options import plan_clients
from glue.cli.plans import run_plan
from glue.dataform import CliMissing, CompilationError
from glue.governance.declared import governance_resources, offline_clients, real_clients
from glue.runner import compile_graph
from glue.settings import get_settings


@click.group()
def governance():
    """Dataplex governance for the clickstream data (clickstream.yaml, section governance)."""


@governance.command()
@cloud_target(region_help="The lake's region, e.g. us-central1.")
@click.option("--dry-run", is_flag=True, help="Read everything, print the plan, change nothing.")
def apply(target, dry_run):
    """Create or reconcile: the Data Lineage API (Dataform reports lineage to it once enabled);
    a lake with a raw zone (the landing bucket) and a curated zone (the curated dataset); who
    may read each zone (curated: analyst groups; raw: only the pipeline identities); the
    clickstream data-product aspect type; and an aspect on every curated table carrying its
    description and column descriptions from the compiled Dataform graph, so that the SQLX stays
    the one place they are written. From the privacy section: the policy-tag taxonomy of personal
    data, a policy tag and a BigQuery data masking policy per class, and who reads each class's
    values as stored (raw readers) or masked (analysts, data scientists). A second run changes
    nothing and says so.

    \b
    Example:
      clickstream governance apply --env staging --dry-run
    """
    project, region = target.project, target.region
    settings = get_settings()
    try:
        graph = compile_graph(settings)
    except (CompilationError, CliMissing) as error:
        click.secho(str(error), fg="red", err=True)
        sys.exit(2)
    clients, offline = plan_clients(real_clients, offline_clients, dry_run)
    click.echo(f"project {project}, lake region {region}{' (dry run: nothing will change)' if dry_run else ''}")
    resources = governance_resources(settings, graph, project, region, clients)
    sys.exit(run_plan(resources, project, dry_run, offline))

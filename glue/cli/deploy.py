"""`clickstream deploy`: everything an environment needs, in order, idempotently."""

from __future__ import annotations

import sys

import click

from glue.cli.environments import cloud_target, image_tag
from glue.cli.options import plan_clients
from glue.cli.plans import print_step
from glue.settings import get_settings


@click.command()
@cloud_target(region_help="Dataform, Dataflow, Cloud Run and Dataplex region, e.g. us-central1.")
@click.option(
    "--image-tag",
    "tag",
    help="The tag CI pushed both images with (default: the commit checked out, as CI tags them).",
)
@click.option("--dry-run", is_flag=True, help="Read everything, print the plan, change nothing.")
@click.option("--project-number", help="Skip the Resource Manager lookup of the project number (grants need it).")
def deploy(target, tag, dry_run, project_number):
    """Set up everything the environment needs, in order: service accounts and their roles, the
    landing side, alerting, governance, the Dataform repository with its release and workflow
    configurations, the DoS-alert job on Dataflow, and the predictions service on Cloud Run.

    Every resource is read first and the whole plan printed (what is created, what is updated
    and why, what stays); then it is applied in that order. A second run says nothing to change.
    Without credentials, --dry-run prints what clickstream.yaml and the compiled project declare.

    The two images must already be pushed with the tag (CI builds them: see the README's Deploy).

    \b
    Examples:
      clickstream deploy --env staging --dry-run
      clickstream deploy --env prod --image-tag "$GITHUB_SHA"
    """
    from glue.dataform import CliMissing, CompilationError
    from glue.deploy import DeployPlan, offline_deploy_clients, real_deploy_clients
    from glue.provision.landing import lookup_project_number
    from glue.provision.plan import ResourceError
    from glue.provision.remedies import explain, explain_project_lookup
    from glue.runner import compile_graph

    settings = get_settings()
    tag = image_tag(tag)
    try:
        graph = compile_graph(settings)
    except (CompilationError, CliMissing) as error:
        click.secho(str(error), fg="red", err=True)
        sys.exit(2)
    clients, offline = plan_clients(
        lambda: real_deploy_clients(target), lambda: offline_deploy_clients(target), dry_run
    )
    if offline:
        project_number = project_number or "PROJECT_NUMBER"
    if project_number is None:
        try:
            project_number = lookup_project_number(target.project)
        except Exception as error:  # noqa: BLE001 - any failure here has the same remedy
            click.secho(explain_project_lookup(error, target.project), fg="red", err=True)
            sys.exit(2)
    click.echo(f"images tagged {tag}{' (dry run: nothing will change)' if dry_run else ''}")
    deployment = DeployPlan.build(settings, target, clients, graph, tag, project_number, say=click.echo)
    try:
        deployment.read(offline)
        for number, (section, steps, note) in enumerate(deployment.sections, start=1):
            click.secho(f"{number}. {section}", bold=True)
            if note:
                click.secho(f"   {note}", fg="bright_black")
            for step in steps:
                print_step(step)
        click.echo(deployment.summary())
        if dry_run or not deployment.pending:
            sys.exit(0)
        deployment.apply(on_step=lambda step: click.secho(f"  done: {step.action} {step.resource.name}", fg="green"))
    except ResourceError as failure:
        click.secho(explain(failure, target.project), fg="red", err=True)
        sys.exit(2)
    click.echo(
        f"applied: {len(deployment.pending)} changes; a second `clickstream deploy --env {target.name}` says nothing to change"
    )

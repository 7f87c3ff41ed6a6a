"""`clickstream dataform ...`: compile, run, schedule and watch the workflow on Dataform."""

from __future__ import annotations

import sys

import click
from google.api_core import exceptions

from glue.cli.options import cloud_clients, parse_vars, plan_clients
from glue.cli.plans import run_plan
from glue.dataform_api import invocations as ops
from glue.dataform_api.invocations import real_client
from glue.dataform_api.schedule import repository_path, schedule_resources, undeclared
from glue.provision.plan import OfflineClient
from glue.provision.remedies import api_disabled
from glue.settings import get_settings


def _repository(project: str, region: str) -> str:
    return repository_path(project, region, get_settings().infra["dataform"]["repository"])


def _client():
    return cloud_clients(real_client)


def _fail(message: str, code: int = 2):
    click.secho(message, fg="red", err=True)
    sys.exit(code)


def _explain(error: exceptions.GoogleAPICallError, project: str) -> str:
    text = str(error)
    if api_disabled(error):
        return f"the Dataform API is not enabled: gcloud services enable dataform.googleapis.com --project {project}"
    if isinstance(error, (exceptions.Forbidden, exceptions.PermissionDenied)):
        return (
            f"permission denied: grant the caller roles/dataform.editor on project {project} ({text.splitlines()[0]})"
        )
    if isinstance(error, exceptions.NotFound):
        return f"{text.splitlines()[0]} (is the repository created and connected to this git repo?)"
    return text


project_option = click.option(
    "--project", envvar="GOOGLE_CLOUD_PROJECT", required=True, help="Default: $GOOGLE_CLOUD_PROJECT."
)
region_option = click.option(
    "--region",
    envvar="CLICKSTREAM_REGION",
    required=True,
    help="The repository's region, e.g. us-central1 (default: $CLICKSTREAM_REGION).",
)


@click.group()
def dataform():
    """The Dataform repository on Google Cloud (named in clickstream.yaml): compile a git ref,
    run workflows, keep release and workflow configurations as declared, watch runs."""


@dataform.command(name="compile")
@project_option
@region_option
@click.option("--git-commitish", default="main", show_default=True, help="Branch, tag or commit to compile.")
@click.option("--vars", "variables", multiple=True, metavar="KEY=VALUE", help="Compilation variables.")
def compile_command(project, region, git_commitish, variables):
    """Create a compilation result; print its name, or every compilation error with its file."""
    client, repository = _client(), _repository(project, region)
    try:
        result = ops.compile_result(client, repository, git_commitish, parse_vars(variables))
    except ops.CompilationFailed as failure:
        _fail(str(failure), 1)
    except exceptions.GoogleAPICallError as error:
        _fail(_explain(error, project))
    click.echo(f"compiled {git_commitish} ({result.resolved_git_commit_sha or 'sha unknown'}): {result.name}")


@dataform.command()
@project_option
@region_option
@click.option("--compilation-result", help="Run this compilation result (default: compile --git-commitish first).")
@click.option("--git-commitish", default="main", show_default=True)
@click.option("--workflow-config", help="Run a workflow configuration by id instead (its own tags and schedule).")
@click.option("--tags", multiple=True, help="Run actions with these tags, and their dependencies.")
@click.option("--actions", multiple=True, help="Run these actions (schema.name), and their dependencies.")
@click.option("--full-refresh", is_flag=True, help="Rebuild incremental tables from scratch.")
@click.option("--wait", "wait_for_end", is_flag=True, help="Follow the run: a line per action, failures with job ids.")
@click.option(
    "--dry-run", is_flag=True, help="Print the invocation it would create, and create nothing (no credentials needed)."
)
def run(
    project,
    region,
    compilation_result,
    git_commitish,
    workflow_config,
    tags,
    actions,
    full_refresh,
    wait_for_end,
    dry_run,
):
    """Start a workflow invocation; with --wait, follow it to its end (exit 1 if it failed).

    \b
    Examples:
      clickstream dataform run --tags marts --dry-run
      clickstream dataform run --workflow-config hourly-incremental --wait
    """
    repository = _repository(project, region)
    targets = []
    for action in actions:
        schema, _, name = action.rpartition(".")
        if not schema:
            raise click.BadParameter(f"{action!r}: name actions as schema.name", param_hint="--actions")
        targets.append((project, schema, name))
    if dry_run:
        _print_planned(repository, workflow_config, compilation_result, git_commitish, tags, targets, full_refresh)
        return
    client = _client()
    try:
        if workflow_config:
            invocation = ops.start_run(
                client, repository, None, workflow_config=f"{repository}/workflowConfigs/{workflow_config}"
            )
        else:
            if not compilation_result:
                compilation_result = ops.compile_result(client, repository, git_commitish).name
            config = ops.invocation_config(tags, targets, full_refresh)
            invocation = ops.start_run(client, repository, config, compilation_result=compilation_result)
        click.echo(f"started {invocation.name}")
        if not wait_for_end:
            return
        final = ops.wait(client, invocation.name, on_action=_print_action)
        failed = ops.failed_actions(client, invocation.name)
    except ops.CompilationFailed as failure:
        _fail(str(failure), 1)
    except exceptions.GoogleAPICallError as error:
        _fail(_explain(error, project))
    state = final.state.name
    click.secho(f"{invocation.name}: {state}", fg="green" if state == "SUCCEEDED" else "red")
    for action in failed:
        job = action.bigquery_action.job_id or "no job id"
        click.echo(
            f"  failed {action.target.schema}.{action.target.name} (BigQuery job {job}): {action.failure_reason}"
        )
    if state != "SUCCEEDED":
        sys.exit(1)


def _print_planned(repository, workflow_config, compilation_result, git_commitish, tags, targets, full_refresh):
    from google.cloud import dataform_v1

    if workflow_config:
        invocation = ops.workflow_invocation(None, workflow_config=f"{repository}/workflowConfigs/{workflow_config}")
    else:
        compiled = compilation_result or f"(a compilation result of {git_commitish}, created first)"
        invocation = ops.workflow_invocation(ops.invocation_config(tags, targets, full_refresh), compiled)
    click.echo(f"dry run: would create in {repository}:")
    click.echo(dataform_v1.WorkflowInvocation.to_json(invocation, indent=2, always_print_fields_with_no_presence=False))


def _print_action(action) -> None:
    click.echo(f"  {action.state.name.lower():<9} {action.target.schema}.{action.target.name}")


@dataform.command()
@project_option
@region_option
@click.option("--limit", type=click.IntRange(min=1), default=10, show_default=True)
def status(project, region, limit):
    """The most recent workflow invocations and their states."""
    client, repository = _client(), _repository(project, region)
    try:
        runs = ops.recent(client, repository, limit)
    except exceptions.GoogleAPICallError as error:
        _fail(_explain(error, project))
    if not runs:
        click.echo("no workflow invocations yet")
    for invocation in runs:
        started = invocation.invocation_timing.start_time  # a protobuf Timestamp (google.type.Interval)
        when = started.ToDatetime().strftime("%Y-%m-%d %H:%M:%S") if started.seconds else "not started"
        source = invocation.workflow_config or invocation.compilation_result
        click.echo(
            f"{when:<19}  {invocation.state.name:<10} {invocation.name.rsplit('/', 1)[-1]}  {source.rsplit('/', 1)[-1]}"
        )


@dataform.group()
def schedule():
    """Release and workflow configurations, as declared under `dataform:` in clickstream.yaml."""


@schedule.command()
@project_option
@region_option
@click.option("--dry-run", is_flag=True, help="Read everything, print the plan, change nothing.")
def apply(project, region, dry_run):
    """Create or update the declared configurations to match; report the undeclared ones
    (they are left as they are). A second run changes nothing."""

    repository = _repository(project, region)
    client, offline = plan_clients(real_client, OfflineClient, dry_run)
    declared = get_settings().infra["dataform"]
    click.echo(f"repository {repository}{' (dry run: nothing will change)' if dry_run else ''}")
    code = run_plan(schedule_resources(client, repository, declared), project, dry_run, offline)
    if code == 0 and not offline:
        try:
            for name in undeclared(client, repository, declared):
                click.secho(f"not in clickstream.yaml, left as it is: {name}", fg="yellow")
        except exceptions.GoogleAPICallError as error:
            _fail(_explain(error, project))
    sys.exit(code)

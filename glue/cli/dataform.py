"""`clickstream dataform ...`: compile, run, schedule and watch the workflow on Dataform."""

from __future__ import annotations

import sys

import click
from google.api_core import exceptions

from glue.cli.environments import cloud_target
from glue.cli.options import cloud_clients, parse_vars, plan_clients, reprocess_plan
from glue.cli.plans import run_plan
from glue.dataform_api import invocations as ops
from glue.dataform_api.invocations import real_client
from glue.dataform_api.schedule import compilation_config, repository_path, schedule_resources, undeclared
from glue.provision.plan import OfflineClient
from glue.provision.remedies import api_disabled
from glue.settings import Environment, get_settings


def _repository(target: Environment) -> str:
    return repository_path(target.project, target.region, get_settings().infra["dataform"]["repository"])


def _client():
    return cloud_clients(real_client)


def policy_tag_client():
    from google.cloud import datacatalog_v1

    return datacatalog_v1.PolicyTagManagerClient()


def _policy_tags(target: Environment) -> dict:
    """The environment's policy tags' names as compilation vars (policy_tag_<class>): every
    compilation carries them, so that no run writes a personal column without its tag."""
    from types import SimpleNamespace

    from glue.governance.policy_tags import policy_tag_vars

    settings = get_settings()
    clients = SimpleNamespace(policy_tags=cloud_clients(policy_tag_client))
    return policy_tag_vars(clients, target.project, settings.region.lower(), settings)


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


target_option = cloud_target(region_help="The repository's region, e.g. us-central1.")


@click.group()
def dataform():
    """The Dataform repository on Google Cloud (named in clickstream.yaml): compile a git ref,
    run workflows, keep release and workflow configurations as declared, watch runs."""


@dataform.command(name="compile")
@target_option
@click.option("--git-commitish", default="main", show_default=True, help="Branch, tag or commit to compile.")
@click.option("--vars", "variables", multiple=True, metavar="KEY=VALUE", help="Compilation variables.")
def compile_command(target, git_commitish, variables):
    """Create a compilation result with the environment's overrides; print its name, or every
    compilation error with its file.

    \b
    Example:
      clickstream dataform compile --env staging --git-commitish release-1
    """
    client, repository = _client(), _repository(target)
    try:
        config = compilation_config(target, {**_policy_tags(target), **parse_vars(variables)})
        result = ops.compile_result(client, repository, git_commitish, config=config)
    except ops.CompilationFailed as failure:
        _fail(str(failure), 1)
    except exceptions.GoogleAPICallError as error:
        _fail(_explain(error, target.project))
    click.echo(f"compiled {git_commitish} ({result.resolved_git_commit_sha or 'sha unknown'}): {result.name}")


@dataform.command()
@target_option
@click.option("--compilation-result", help="Run this compilation result (default: compile --git-commitish first).")
@click.option("--git-commitish", default="main", show_default=True)
@click.option("--workflow-config", help="Run a workflow configuration by id instead (its own tags and schedule).")
@click.option("--tags", multiple=True, help="Run actions with these tags, and their dependencies.")
@click.option("--actions", multiple=True, help="Run these actions (schema.name or name), and their dependencies.")
@click.option("--full-refresh", is_flag=True, help="Rebuild incremental tables from scratch.")
@click.option("--wait", "wait_for_end", is_flag=True, help="Follow the run: a line per action, failures with job ids.")
@click.option(
    "--dry-run",
    is_flag=True,
    help="List the actions it would run and the invocation it would create; create nothing (no credentials needed).",
)
@click.option(
    "--reprocess",
    "load_range",
    metavar="FROM..UNTIL",
    help="Rebuild every row made from the payloads loaded in this range, with the models of --git-commitish: "
    "a compilation with the vars reprocess_from and reprocess_until, running the actions below the payload "
    "store. docs/reprocessing.md.",
)
def run(
    target,
    compilation_result,
    git_commitish,
    workflow_config,
    tags,
    actions,
    full_refresh,
    wait_for_end,
    dry_run,
    load_range,
):
    """Start a workflow invocation; with --wait, follow it to its end (exit 1 if it failed).

    Tags and actions are checked against the compiled project first: an unknown one is refused
    (exit 2) with the closest name, as `clickstream local run` does.

    \b
    Examples:
      clickstream dataform run --env staging --tags marts --dry-run
      clickstream dataform run --env prod --workflow-config hourly-incremental --wait
      clickstream dataform run --env prod --reprocess 2024-08-20 --wait
    """
    repository = _repository(target)
    variables = {}
    if load_range:
        if workflow_config or tags or full_refresh or compilation_result:
            _fail(
                "--reprocess compiles --git-commitish with its own vars and names its own actions: it takes no "
                "--workflow-config, --tags, --full-refresh or --compilation-result"
            )
        _, variables, graph, names = reprocess_plan(load_range, list(actions))
        selected = {"named": [graph.actions[n] for n in names], "run": [graph.actions[n] for n in names]}
    else:
        selected = _selected_actions(workflow_config, list(tags), list(actions))
    targets = (
        []
        if workflow_config
        else [(target.project, target.dataset(a.schema), target.table(a.table)) for a in selected["named"]]
    )
    dependencies = not load_range
    if dry_run:
        click.echo(f"would run {len(selected['run'])} actions:")
        for action in selected["run"]:
            click.echo(f"  {target.dataset(action.schema)}.{target.table(action.table)}")
        invocation = ops.invocation_config(tags, targets, full_refresh, dependencies)
        _print_planned(repository, workflow_config, compilation_result, git_commitish, invocation, variables)
        return
    client = _client()
    try:
        if workflow_config:
            invocation = ops.start_run(
                client, repository, None, workflow_config=f"{repository}/workflowConfigs/{workflow_config}"
            )
        else:
            if not compilation_result:
                config = compilation_config(target, {**_policy_tags(target), **variables})
                compilation_result = ops.compile_result(client, repository, git_commitish, config=config).name
            config = ops.invocation_config(tags, targets, full_refresh, dependencies)
            invocation = ops.start_run(client, repository, config, compilation_result=compilation_result)
        click.echo(f"started {invocation.name}")
        if not wait_for_end:
            return
        final = ops.wait(client, invocation.name, on_action=_print_action)
        failed = ops.failed_actions(client, invocation.name)
    except ops.CompilationFailed as failure:
        _fail(str(failure), 1)
    except exceptions.GoogleAPICallError as error:
        _fail(_explain(error, target.project))
    state = final.state.name
    click.secho(f"{invocation.name}: {state}", fg="green" if state == "SUCCEEDED" else "red")
    for action in failed:
        job = action.bigquery_action.job_id or "no job id"
        click.echo(
            f"  failed {action.target.schema}.{action.target.name} (BigQuery job {job}): {action.failure_reason}"
        )
    if state != "SUCCEEDED":
        sys.exit(1)


def _selected_actions(workflow_config: str | None, tags: list[str], actions: list[str]) -> dict:
    """{"named": the actions named, "run": everything the run executes}, from the compiled
    project; an unknown tag, action or workflow configuration exits 2 naming the closest."""
    from glue.dataform import CliMissing, CompilationError, did_you_mean
    from glue.runner import compile_graph

    settings = get_settings()
    if workflow_config:
        declared = settings.infra["dataform"]["workflow_configs"]
        if workflow_config not in declared:
            _fail(
                f"no workflow configuration {workflow_config!r}{did_you_mean(workflow_config, list(declared))} "
                f"in clickstream.yaml; declared: {', '.join(declared)}"
            )
        spec = declared[workflow_config]
        tags, include = list(spec.get("tags") or []), bool(spec.get("include_dependencies", True))
    else:
        include = True
    try:
        graph = compile_graph(settings)
        named = [graph.find(name) for name in actions]
        # Dataform runs everything when nothing is named, the ml actions included.
        run = graph.select(actions, tags, include_dependencies=include)
    except (CompilationError, CliMissing) as error:
        _fail(str(error))
    except KeyError as error:
        _fail(f"--tags/--actions: {error.args[0]}")
    return {"named": named, "run": run}


def _print_planned(repository, workflow_config, compilation_result, git_commitish, config, variables):
    from google.cloud import dataform_v1

    if workflow_config:
        invocation = ops.workflow_invocation(None, workflow_config=f"{repository}/workflowConfigs/{workflow_config}")
    else:
        with_vars = f" with vars {variables}" if variables else ""
        compiled = compilation_result or f"(a compilation result of {git_commitish}{with_vars}, created first)"
        invocation = ops.workflow_invocation(config, compiled)
    click.echo(f"dry run: would create in {repository}:")
    click.echo(dataform_v1.WorkflowInvocation.to_json(invocation, indent=2, always_print_fields_with_no_presence=False))


def _print_action(action) -> None:
    click.echo(f"  {action.state.name.lower():<9} {action.target.schema}.{action.target.name}")


@dataform.command()
@target_option
@click.option("--limit", type=click.IntRange(min=1), default=10, show_default=True)
def status(target, limit):
    """The most recent workflow invocations and their states.

    \b
    Example:
      clickstream dataform status --env prod --limit 5
    """
    client, repository = _client(), _repository(target)
    try:
        runs = ops.recent(client, repository, limit)
    except exceptions.GoogleAPICallError as error:
        _fail(_explain(error, target.project))
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
@target_option
@click.option("--dry-run", is_flag=True, help="Read everything, print the plan, change nothing.")
def apply(target, dry_run):
    """Create or update the declared configurations, with the environment's compilation
    overrides, to match; report the undeclared ones (they are left as they are). A second run
    changes nothing.

    \b
    Example:
      clickstream dataform schedule apply --env staging --dry-run
    """
    project = target.project
    repository = _repository(target)
    client, offline = plan_clients(real_client, OfflineClient, dry_run)
    declared = get_settings().infra["dataform"]
    click.echo(f"repository {repository}{' (dry run: nothing will change)' if dry_run else ''}")
    found_vars = None if offline else (lambda: _policy_tags(target))
    code = run_plan(schedule_resources(client, repository, declared, target, found_vars), project, dry_run, offline)
    if code == 0 and not offline:
        try:
            for name in undeclared(client, repository, declared):
                click.secho(f"not in clickstream.yaml, left as it is: {name}", fg="yellow")
        except exceptions.GoogleAPICallError as error:
            _fail(_explain(error, project))
    sys.exit(code)


@dataform.command()
@target_option
def promote(target):
    """Release in this environment exactly what the environment it is promoted from runs.

    Each release configuration (production, audit) is pointed at the commit the other
    environment's same configuration last compiled, compiled once with this environment's
    overrides, and set to that compilation result; the scheduled workflows run it from then on.

    \b
    Example (CI, after staging ran green):
      clickstream dataform promote --env prod
    """
    from glue.dataform_api.promotion import PromotionError, promote

    if not target.promote_from:
        _fail(f"environment {target.name} is not promoted into (no promote_from in clickstream.yaml)")
    settings = get_settings()
    source = settings.environment(target.promote_from)
    repository_id = settings.infra["dataform"]["repository"]
    source_repository = repository_path(source.project, source.region, repository_id)
    configs = list(settings.infra["dataform"]["release_configs"])
    try:
        releases = promote(_client(), source_repository, _repository(target), configs)
    except (PromotionError, ops.CompilationFailed) as error:
        _fail(str(error), 1)
    except exceptions.GoogleAPICallError as error:
        _fail(_explain(error, target.project))
    for release in releases:
        click.secho(f"released {release.git_commit[:12]} from {source.name}: {release.release_config}", fg="green")
        click.echo(f"  compilation result {release.compilation_result}")
    click.echo(f"to undo: clickstream dataform rollback --env {target.name}")


@dataform.command()
@target_option
def rollback(target):
    """Point each release configuration back at its previous compilation result.

    \b
    Example:
      clickstream dataform rollback --env prod
    """
    from glue.dataform_api.promotion import PromotionError, rollback

    configs = list(get_settings().infra["dataform"]["release_configs"])
    try:
        releases = rollback(_client(), _repository(target), configs)
    except PromotionError as error:
        _fail(str(error), 1)
    except exceptions.GoogleAPICallError as error:
        _fail(_explain(error, target.project))
    for release in releases:
        click.secho(f"rolled back {release.release_config} to {release.git_commit[:12]}", fg="yellow")
        click.echo(f"  compilation result {release.compilation_result}")

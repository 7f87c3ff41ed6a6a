"""`clickstream dos-alert run | deploy | stop`: the Beam DoS-alert job, locally on the emulator or
on Dataflow; deployed as a Flex Template (dos_alert/Dockerfile) and stopped by draining or cancelling."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

import click

from glue.cli.environments import cloud_target, image_tag
from glue.dataflow import real_dataflow_clients
from glue.settings import get_settings

RUNNERS = ("DirectRunner", "DataflowRunner")


@click.group(name="dos-alert")
def dos_alert():
    """The streaming job that counts page views per window and alerts on bursts (dos_alert/pipeline.py)."""


@dos_alert.command()
@click.option(
    "--runner",
    type=click.Choice(RUNNERS),
    default="DirectRunner",
    show_default=True,
    help="DirectRunner: on this machine, reading the local stack's Pub/Sub emulator. DataflowRunner: on Google Cloud.",
)
@click.option(
    "--env",
    "env_name",
    metavar="ENV",
    help="Dataflow: this environment's project and region (implies DataflowRunner). Deployed jobs: `dos-alert deploy`.",
)
@click.option("--project", envvar="GOOGLE_CLOUD_PROJECT", help="Dataflow: the project (default $GOOGLE_CLOUD_PROJECT).")
@click.option("--region", envvar="CLICKSTREAM_REGION", help="Dataflow: the region, e.g. us-central1.")
@click.option("--temp-location", help="Dataflow: gs:// staging and temp path (default gs://<landing bucket>/dataflow).")
@click.option("--service-account", help="Dataflow: the workers' service account email.")
@click.option("--max-workers", type=int, help="Dataflow: autoscaling ceiling (default from clickstream.yaml).")
@click.option("--window-seconds", type=int, default=60, show_default=True)
@click.option("--allowed-lateness-seconds", type=int, default=120, show_default=True)
@click.option(
    "--threshold",
    "thresholds",
    multiple=True,
    metavar="DIMENSION=N",
    help="Override a threshold, in page views per window: all, page, user or ip (repeatable), e.g. --threshold user=200.",
)
@click.option("--archive-window-seconds", type=int, default=300, show_default=True)
@click.option("--dry-run", is_flag=True, help="Print the job's command line and exit.")
def run(
    runner,
    env_name,
    project,
    region,
    temp_location,
    service_account,
    max_workers,
    window_seconds,
    allowed_lateness_seconds,
    thresholds,
    archive_window_seconds,
    dry_run,
):
    """Run the DoS-alert job until interrupted.

    \b
    Locally the DirectRunner reads the local stack's emulator (`clickstream local up` first),
    writes counts to clickstream.page_views_per_minute_stream in the local warehouse, alerts
    to the log and the visits-alerts topic, and the archive to .local/archive. Its Pub/Sub
    source acknowledges messages before processing them and its watermark is the wall clock:
    messages stamped long before now are too late to count (they are still archived), and a
    crash loses what was pulled. Use it to watch the job work, not to test exactly-once.

    \b
    Example:
      clickstream dos-alert run --window-seconds 10 --threshold user=100
    """
    settings = get_settings()
    if env_name:
        from glue.cli.environments import resolve_target

        target = resolve_target(env_name, None, None)
        click.secho(target.describe(), bold=True, err=True)
        runner, project, region = "DataflowRunner", target.project, target.region
    common = [
        f"--window-seconds={window_seconds}",
        f"--allowed-lateness-seconds={allowed_lateness_seconds}",
        f"--archive-window-seconds={archive_window_seconds}",
        *(f"--threshold-{_threshold(t)}" for t in thresholds),
    ]
    if runner == "DirectRunner":
        argv, env = _direct(settings), _local_env(settings, dry_run)
    else:
        argv, env = _dataflow(settings, project, region, temp_location, service_account, max_workers), dict(os.environ)
    command = [sys.executable, "-m", "dos_alert.pipeline", *argv, *common]
    click.echo(shlex.join(command), err=True)
    if dry_run:
        return
    # Owned as a process group: SIGTERM or Ctrl-C here stops the job, and `local down` can too.
    stack_file = settings.stack_file if runner == "DirectRunner" else None
    from glue.stack import run_job  # the runner and emulator code: only when a job is started

    sys.exit(run_job(command, env, settings.root, stack_file))


def _threshold(text: str) -> str:
    dimension, _, value = text.partition("=")
    if dimension not in ("all", "page", "user", "ip") or not value.isdigit():
        raise click.BadParameter(f"{text!r}: use DIMENSION=N with all, page, user or ip", param_hint="--threshold")
    return f"{dimension}={value}"


def _direct(settings) -> list[str]:
    project, names = settings.local_project, settings.pubsub
    # Pinned: "DirectRunner" first tries to download the Prism runner, which fails offline.
    return [
        "--runner=BundleBasedDirectRunner",
        "--streaming",
        f"--subscription=projects/{project}/subscriptions/{names['dos_alert_subscription']}",
        f"--alerts-topic=projects/{project}/topics/{names['alerts_topic']}",
        # The DirectRunner's source stops the pipeline on a malformed timestamp attribute
        # and its watermark is the wall clock anyway: take publish time.
        "--timestamp-attribute=",
        f"--warehouse={settings.warehouse}",
        f"--counts-table={settings.curated_dataset}.{settings.infra['dos_alert']['counts_table']}",
        f"--archive-dir={settings.local_dir / 'archive'}",
    ]


def _local_env(settings, dry_run: bool) -> dict[str, str]:
    from glue.stack import running_stack

    state = running_stack(settings)
    if state is None and not dry_run:
        raise click.ClickException("the local stack is not up: run `clickstream local up` first")
    return {**os.environ, **(state.environment() if state else {})}


def _dataflow(settings, project, region, temp_location, service_account, max_workers) -> list[str]:
    if not project or not region:
        raise click.UsageError("DataflowRunner needs --project and --region")
    names, job = settings.pubsub, settings.infra["dos_alert"]
    bucket = settings.landing_bucket_for(project)
    temp = temp_location or f"gs://{bucket}/dataflow"
    argv = [
        "--runner=DataflowRunner",
        "--streaming",
        f"--project={project}",
        f"--region={region}",
        f"--temp_location={temp}/temp",
        f"--staging_location={temp}/staging",
        "--job_name=clickstream-dos-alert",
        "--enable_streaming_engine",
        f"--max_num_workers={max_workers or job['dataflow']['max_workers']}",
        f"--machine_type={job['dataflow']['machine_type']}",
        # The job imports the glue package (the data contract): ship this project with it.
        f"--setup_file={Path(settings.root, 'setup.py')}",
        f"--subscription=projects/{project}/subscriptions/{names['dos_alert_subscription']}",
        f"--alerts-topic=projects/{project}/topics/{names['alerts_topic']}",
        f"--counts-table={project}:{settings.curated_dataset}.{job['counts_table']}",
        f"--archive-dir=gs://{bucket}/{job['archive_prefix']}",
    ]
    if service_account:
        argv.append(f"--service_account_email={service_account}")
    return argv


@dos_alert.command()
@cloud_target()
@click.option(
    "--image-tag",
    "tag",
    metavar="TAG",
    help="The template image's tag, as built and pushed (default: the commit checked out, as CI tags it).",
)
@click.option(
    "--dry-run", is_flag=True, help="Print the plan (launch, update in place, or drain and replace); change nothing."
)
def deploy(target, tag, dry_run):
    """Run the DoS-alert job on Dataflow from its Flex Template: launch it, update it in place, or
    drain it and launch its replacement.

    \b
    No job of that name running: launch. One running this image and these parameters: nothing to
    do. One running something else: Dataflow's compatibility check (a validate-only update
    launch) decides between an update in place, which keeps the job's state, and drain and
    replace (a step renamed without a mapping in dos_alert/steps.py, say). The plan says which,
    and why, before anything is done. Build and push the image first (dos_alert/Dockerfile).

    \b
    Example:
      clickstream dos-alert deploy --env staging --image-tag 3f2c1ab --dry-run
      clickstream dos-alert deploy --env staging --image-tag 3f2c1ab
    """
    from glue.cli.options import plan_clients
    from glue.cli.plans import run_plan
    from glue.dataflow import dos_alert_job_resources, offline_dataflow_clients, template_image, template_spec_path

    settings = get_settings()
    tag = image_tag(tag)
    clients, offline = plan_clients(lambda: real_dataflow_clients(target.region), offline_dataflow_clients, dry_run)
    resources = dos_alert_job_resources(
        settings,
        target,
        clients,
        template_spec_path(settings, target),
        template_image(settings, target, tag),
        say=click.echo,
    )
    sys.exit(run_plan(resources, target.project, dry_run, offline))


@dos_alert.command()
@cloud_target()
@click.option(
    "--drain", "how", flag_value="drain", help="Stop reading, finish what was read, then stop (no data lost)."
)
@click.option("--cancel", "how", flag_value="cancel", help="Stop at once; what is in flight is lost.")
@click.option("--wait", is_flag=True, help="Wait until the job has stopped.")
def stop(target, how, wait):
    """Stop the DoS-alert job on Dataflow: drain it, or cancel it.

    \b
    Without a running job it says so and exits 0: there is nothing to stop.

    \b
    Example:
      clickstream dos-alert stop --env staging --drain --wait
    """
    from glue.cli.options import cloud_clients
    from glue.dataflow import find_active_job, job_name, request_stop, wait_until_stopped
    from glue.dataflow.job_control import STOPPING, state_name

    if how is None:
        raise click.UsageError("say how: --drain (finish what was read) or --cancel (stop at once)")
    settings = get_settings()
    clients = cloud_clients(lambda: real_dataflow_clients(target.region))
    name = job_name(settings, target)
    job = find_active_job(clients, target.project, target.region, name)
    if job is None:
        click.echo(f"no active Dataflow job named {name} in {target.project}/{target.region}: nothing to stop")
        return
    state = state_name(job)
    if how == "drain" and state in STOPPING:
        click.echo(f"job {job.id} ({name}) is already {state}")
    else:
        request_stop(clients, target.project, target.region, job, how)
        click.echo(f"asked job {job.id} ({name}) to {how} (it was {state})")
    if wait:
        final = wait_until_stopped(
            clients, target.project, target.region, job.id, on_poll=lambda j: click.echo(f"  {state_name(j)}")
        )
        click.echo(f"job {job.id} stopped: {state_name(final)}")

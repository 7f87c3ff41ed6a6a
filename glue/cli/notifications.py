"""`clickstream notifications watch`: print visits-processed messages as they arrive."""

from __future__ import annotations

import os
import sys

import click

from glue.cli.options import cloud_clients
from glue.settings import get_settings
from glue.visits_processed import pulled


@click.group()
def notifications():
    """Messages about landed objects the workflow has processed (topic visits-processed)."""


@notifications.command()
@click.option(
    "--project",
    envvar="GOOGLE_CLOUD_PROJECT",
    help="The project whose subscription to pull. Default: the local stack's when it is up, else $GOOGLE_CLOUD_PROJECT.",
)
@click.option("--env", "env_name", metavar="ENV", help="Watch this environment's project (clickstream.yaml).")
@click.option("--count", type=click.IntRange(min=1), help="Exit after this many messages.")
@click.option("--timeout", type=float, default=None, help="Exit when nothing arrives for this many seconds.")
@click.pass_context
def watch(ctx, project, env_name, count, timeout):
    """Pull from the visits-processed-watch subscription and print one line per object.

    \b
    Examples:
      clickstream notifications watch --timeout 60
      clickstream notifications watch --env prod --count 10
    """
    from google.cloud import pubsub_v1

    from glue.stack import running_stack, use_running_stack

    settings = get_settings()
    named = ctx.get_parameter_source("project") is click.core.ParameterSource.COMMANDLINE
    if env_name:
        from glue.cli.environments import resolve_target

        target = resolve_target(env_name, project if named else None, None, need_region=False)
        click.secho(target.describe(), bold=True, err=True)
        project, named = target.project, True
    state = None if os.environ.get("PUBSUB_EMULATOR_HOST") else running_stack(settings)
    # The local stack serves its own project; a project named on the command line is another one.
    if state is not None and (not named or project == state.project):
        use_running_stack(settings)
        project = state.project
    if not project:
        raise click.UsageError("no project: pass --project, set GOOGLE_CLOUD_PROJECT, or `clickstream local up`")
    if os.environ.get("PUBSUB_EMULATOR_HOST"):
        subscriber = pubsub_v1.SubscriberClient()
    else:  # Google Cloud: credentials needed, and a clear word when it cannot be reached
        subscriber = cloud_clients(_cloud_subscriber)
    subscription = subscriber.subscription_path(project, settings.pubsub["processed_subscription"])
    click.echo(f"watching {subscription}", err=True)
    seen = 0
    for batch in pulled(subscriber, subscription, timeout, count):
        for published, item in batch:
            click.echo(f"{published:%Y-%m-%d %H:%M:%S}  {item.describe()}")
        seen += len(batch)
    click.echo(f"{seen} notifications", err=True)
    sys.exit(0)


def _cloud_subscriber():
    from google.cloud import pubsub_v1

    from glue.provision.network import ensure_reachable

    subscriber = pubsub_v1.SubscriberClient()
    ensure_reachable(["pubsub.googleapis.com"])
    return subscriber

"""`clickstream notifications watch`: print visits-processed messages as they arrive."""

from __future__ import annotations

import os
import sys

import click

from glue.settings import get_settings
from glue.visits_processed import ObjectProcessed


@click.group()
def notifications():
    """Messages about landed objects the workflow has processed (topic visits-processed)."""


@notifications.command()
@click.option("--project", envvar="GOOGLE_CLOUD_PROJECT", help="Default: the local stack's, or $GOOGLE_CLOUD_PROJECT.")
@click.option("--count", type=click.IntRange(min=1), help="Exit after this many messages.")
@click.option("--timeout", type=float, default=None, help="Exit when nothing arrives for this many seconds.")
def watch(project, count, timeout):
    """Pull from the visits-processed-watch subscription and print one line per object."""
    from google.cloud import pubsub_v1

    from glue.stack import use_running_stack

    settings = get_settings()
    if not os.environ.get("PUBSUB_EMULATOR_HOST"):
        state = use_running_stack(settings)
        project = state.project if state else project
    if not project:
        raise click.UsageError("no project: pass --project, set GOOGLE_CLOUD_PROJECT, or `clickstream local up`")
    subscriber = pubsub_v1.SubscriberClient()
    subscription = subscriber.subscription_path(project, settings.pubsub["processed_subscription"])
    click.echo(f"watching {subscription}", err=True)
    seen = 0
    while count is None or seen < count:
        response = _pull(subscriber, subscription, timeout)
        if response is None:
            break
        for received in response.received_messages:
            item = ObjectProcessed.from_json(received.message.data)
            click.echo(f"{received.message.publish_time:%Y-%m-%d %H:%M:%S}  {item.describe()}")
        subscriber.acknowledge(subscription=subscription, ack_ids=[m.ack_id for m in response.received_messages])
        seen += len(response.received_messages)
    click.echo(f"{seen} notifications", err=True)
    sys.exit(0)


def _pull(subscriber, subscription: str, timeout: float | None):
    """The next non-empty pull, or None once `timeout` seconds pass with nothing."""
    import time

    from google.api_core import exceptions

    deadline = None if timeout is None else time.monotonic() + timeout
    while deadline is None or time.monotonic() < deadline:
        try:
            response = subscriber.pull(subscription=subscription, max_messages=100, timeout=30, retry=None)
        except exceptions.DeadlineExceeded:
            continue
        if response.received_messages:
            return response
        # An empty pull can return at once (the emulator does); don't spin on it.
        time.sleep(0.2)
    return None

"""`clickstream privacy ...`: personal data on request (glue/privacy)."""

from __future__ import annotations

import os
import sys
from datetime import datetime, timezone

import click

from glue.settings import get_settings


@click.group()
def privacy():
    """Personal data: erase a user on request (docs/privacy.md)."""


@privacy.command()
@click.option("--user", "user_id", required=True, metavar="ID", help="The user's id, as the visits carry it.")
@click.option("--dry-run", is_flag=True, help="Say what the erasure would touch; change nothing.")
@click.option(
    "--env",
    "env_name",
    metavar="ENV",
    help="Erase in this environment of clickstream.yaml (BigQuery, Dataform, Cloud Storage); default: local.",
)
@click.option("--project", help="Override the environment's project.")
@click.option("--region", help="Override the environment's region (the Dataform repository's).")
def erase(user_id, dry_run, env_name, project, region):
    """Erase one user from the warehouse, the landing bucket and the DoS-alert job's archive:
    locally, or with --env on BigQuery, Dataform and Cloud Storage.

    The user's payloads are emptied in the payload store and the user joins the suppression list
    (a keyed hash, never the id), so that a replay or a late copy is rejected as erased; the loads
    they came in are reprocessed, so that the curated tables and every aggregate are as if the
    user had never visited; the raw rows, the ml features and scores, the stored predictions and
    the DoS-alert counts that name the user are deleted; landing objects and archive files are
    rewritten without the user's lines. A second erasure changes nothing.

    On BigQuery the id is only ever a query parameter; the predictions the service streamed in
    the last 90 minutes are out of DML's reach, and the erasure says to run it again for them.
    Time travel keeps changed data for privacy.time_travel_hours, then fail-safe for 7 days.

    \b
    Examples:
      clickstream privacy erase --user UID-2002 --dry-run
      clickstream privacy erase --user UID-2002
      clickstream privacy erase --env prod --user UID-2002 --dry-run
    """
    if env_name or project or os.environ.get("CLICKSTREAM_ENV"):
        from glue.cli.environments import resolve_target

        target = resolve_target(env_name, project, region)
        click.secho(target.describe(), bold=True, err=True)
        _report(user_id, dry_run, erase_in_cloud(target, user_id, dry_run))
        return
    from glue.landing.archive import LocalStore
    from glue.privacy import erase as erase_user

    settings = get_settings()
    if not settings.warehouse.exists():
        click.secho(f"no warehouse at {settings.warehouse}: nothing to erase", fg="red", err=True)
        sys.exit(2)
    stores = [
        (LocalStore(settings.landing_dir / settings.landing_bucket), settings.landing_prefix),
        (LocalStore(settings.local_dir), settings.infra["dos_alert"]["archive_prefix"]),
    ]
    _report(user_id, dry_run, erase_user(settings, user_id, stores, dry_run, datetime.now(timezone.utc)))


def _report(user_id: str, dry_run: bool, erasure) -> None:
    if erasure.nothing_to_do:
        click.echo(f"{user_id}: already erased, nothing left to erase")
        return
    click.echo(f"{'would erase' if dry_run else 'erased'} {user_id}:")
    for line in erasure.lines():
        click.echo(f"  {line}")


def cloud_clients_for(target):
    """(BigQuery, Cloud Storage, Dataform, Data Catalog policy tags): the official clients."""
    from google.cloud import bigquery, storage

    from glue.cli.dataform import policy_tag_client
    from glue.dataform_api.invocations import real_client

    return (
        bigquery.Client(project=target.project, location=target.location),
        storage.Client(project=target.project),
        real_client(),
        policy_tag_client(),
    )


def erase_in_cloud(target, user_id: str, dry_run: bool):
    """The erasure in `target`'s project (glue/privacy/cloud_erasure.py); exit 1 naming the failed
    step when a reprocessing fails."""
    from types import SimpleNamespace

    from glue.cli.options import cloud_clients
    from glue.dataform_api.reprocessing import dataform_reprocessor
    from glue.dataform_api.schedule import repository_path
    from glue.governance.policy_tags import policy_tag_vars
    from glue.landing.archive import BucketStore
    from glue.privacy import CloudErasure, CloudTables
    from glue.runner import compile_graph, reprocess_selection

    settings = get_settings()
    bigquery, storage, dataform, policy_tags = cloud_clients(lambda: cloud_clients_for(target))
    graph = compile_graph(settings, {})
    rebuilt = set(reprocess_selection(graph, settings.separate_tags))
    bucket = BucketStore(storage, settings.landing_bucket_for(target.project))
    stores = [(bucket, settings.landing_prefix), (bucket, settings.infra["dos_alert"]["archive_prefix"])]
    repository = repository_path(target.project, target.region, settings.infra["dataform"]["repository"])

    reprocessors = []  # built at the first day to reprocess: a dry run reads no policy tags

    def reprocess(start, end):
        if not reprocessors:
            clients = SimpleNamespace(policy_tags=policy_tags)
            tag_vars = policy_tag_vars(clients, target.project, settings.region, settings)
            reprocessors.append(dataform_reprocessor(dataform, repository, target, settings, tag_vars))
        click.echo(f"reprocessing the loads of {start:%Y-%m-%d} on Dataform", err=True)
        return reprocessors[0](start, end)

    erasure = CloudErasure(bigquery, CloudTables.of(settings, target, graph, rebuilt), stores, reprocess, settings)
    try:
        found = erasure.erase(user_id, dry_run)
    except RuntimeError as error:
        click.secho(str(error), fg="red", err=True)
        sys.exit(1)
    click.echo(f"finding the user read {erasure.bytes_read / 1e9:.2f} GB", err=True)
    return found

"""`clickstream privacy ...`: personal data on request (glue/privacy)."""

from __future__ import annotations

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
def erase(user_id, dry_run):
    """Erase one user from the local warehouse, the landing bucket and the DoS-alert job's archive.

    The user's payloads are emptied in the payload store and the user joins the suppression list
    (a keyed hash, never the id), so that a replay or a late copy is rejected as erased; the loads
    they came in are reprocessed, so that the curated tables and every aggregate are as if the
    user had never visited; the raw rows, the ml features and scores, the stored predictions and
    the DoS-alert counts that name the user are deleted; landing objects and archive files are
    rewritten without the user's lines. A second erasure changes nothing.

    \b
    Examples:
      clickstream privacy erase --user UID-2002 --dry-run
      clickstream privacy erase --user UID-2002
    """
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
    erasure = erase_user(settings, user_id, stores, dry_run, datetime.now(timezone.utc))
    if erasure.nothing_to_do:
        click.echo(f"{user_id}: already erased, nothing left to erase")
        return
    click.echo(f"{'would erase' if dry_run else 'erased'} {user_id}:")
    for line in erasure.lines():
        click.echo(f"  {line}")

"""`clickstream replay`: archived raw messages back into the landing zone (glue/landing/replay.py)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from glue.cli.options import Timestamp
from glue.settings import get_settings, landing_hour_partition


def _bucket_store(project: str | None, bucket: str):
    from google.cloud import storage

    from glue.landing.archive import BucketStore

    return BucketStore(storage.Client(project=project), bucket)


@click.command()
@click.option(
    "--from",
    "source",
    metavar="ARCHIVE",
    help="The raw archive: gs://BUCKET/PREFIX, or a local directory "
    "(default: the local DoS-alert job's, .local/archive/raw; with --env: gs://<landing bucket>/archive/raw).",
)
@click.option("--since", type=Timestamp(), help="Only windows ending after this time (UTC unless an offset is given).")
@click.option("--until", type=Timestamp(), help="Only windows starting before this time.")
@click.option("--env", "env_name", metavar="ENV", help="Land in this environment's landing bucket (clickstream.yaml).")
@click.option("--dry-run", is_flag=True, help="Say what would be landed; land nothing.")
def replay(source, since, until, env_name, dry_run):
    """Land archived raw messages again, for the next run to load.

    Each archive file's payloads become one landing object, replay-<archive file>, in this hour's
    partition; the next `local run` (or hourly run) loads them, and the payload store drops every
    payload it already holds. Replaying the same range again changes nothing. Use it after an
    outage of the BigQuery subscription, or to rebuild a time range whose landing objects are gone.

    \b
    Examples:
      clickstream replay --since 2026-12-01T00:00 --until 2026-12-01T06:00 --dry-run
      clickstream replay --env prod --from gs://acme-clickstream-landing/archive/raw --since 2026-12-01
    """
    from glue.landing.archive import LocalStore
    from glue.landing.archive import replay as replay_archive

    settings = get_settings()
    prefix = settings.landing_prefix
    if env_name:
        from glue.cli.environments import resolve_target

        target = resolve_target(env_name, None, None, need_region=False)
        click.secho(target.describe(), bold=True, err=True)
        bucket = settings.landing_bucket_for(target.project)
        landing = _bucket_store(target.project, bucket)
        source = source or f"gs://{bucket}/{settings.infra['dos_alert']['archive_prefix']}/raw"
        where = f"gs://{bucket}/{prefix}"
    else:
        landing = LocalStore(settings.landing_dir / settings.landing_bucket)
        source = source or str(settings.local_dir / "archive" / "raw")
        where = str(settings.landing_path)
    if source.startswith("gs://"):
        bucket, _, archive_prefix = source[len("gs://") :].partition("/")
        project = target.project if env_name else os.environ.get("GOOGLE_CLOUD_PROJECT", settings.local_project)
        archive = _bucket_store(project, bucket)
    else:
        folder = Path(source).resolve()
        archive, archive_prefix = LocalStore(folder.parent), folder.name
    report = replay_archive(archive, archive_prefix, landing, prefix, landing_hour_partition(), since, until, dry_run)
    click.echo(f"{'dry run: would replay' if dry_run else 'replayed'} {source} into {where}")
    for name in report.written:
        click.echo(f"  {'would write' if dry_run else 'wrote'} {name}")
    click.echo(report.summary())
    if report.archive_files == 0:
        click.secho("no archive files in that range", fg="yellow", err=True)
    sys.exit(0)

"""`clickstream alerts provision`: the log-based metric, email channel and alert policy."""

from __future__ import annotations

import sys

import click

from glue.cli.environments import cloud_target
from glue.cli.options import plan_clients
from glue.cli.plans import run_plan
from glue.provision.alert_policies import alert_resources, real_clients
from glue.provision.plan import OfflineClient


@click.group()
def alerts():
    """Alerting on the DoS-alert job's entries in Cloud Logging and Monitoring."""


@alerts.command()
@cloud_target(need_region=False)
@click.option("--email", required=True, help="Where the alert policy sends its notifications.")
@click.option(
    "--threshold",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Alert when more than this many DoS alert entries are logged in a minute.",
)
@click.option("--dry-run", is_flag=True, help="Read everything, print the plan, change nothing.")
def provision(target, email, threshold, dry_run):
    """Create or reconcile the log-based metric `clickstream_dos_alerts` (counting the job's
    WARNING entries, labelled by dimension), an email notification channel, and an alert
    policy on the metric. Idempotent: a second run changes nothing and says so.

    \b
    Example:
      clickstream alerts provision --env prod --email ops@example.com --dry-run
    """
    project = target.project
    clients, offline = plan_clients(real_clients, lambda: (OfflineClient(),) * 3, dry_run)
    click.echo(f"project {project}{' (dry run: nothing will change)' if dry_run else ''}")
    sys.exit(run_plan(alert_resources(project, email, threshold, clients), project, dry_run, offline))

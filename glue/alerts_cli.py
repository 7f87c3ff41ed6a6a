"""`clickstream alerts provision`: the log-based metric, email channel and alert policy."""
from __future__ import annotations

import sys

import click

from glue.cliutil import cloud_clients
from glue.provision.alerting import AlertPolicy, EmailChannel, LogMetric

METRIC_ID = "clickstream_dos_alerts"


def real_clients():
    from google.cloud import monitoring_v3
    from google.cloud.logging_v2.services.metrics_service_v2 import MetricsServiceV2Client

    return (MetricsServiceV2Client(), monitoring_v3.NotificationChannelServiceClient(),
            monitoring_v3.AlertPolicyServiceClient())


def alert_resources(project: str, email: str, threshold: int, clients) -> list:
    metrics, channels, policies = clients
    channel = EmailChannel(channels, project, email)
    return [LogMetric(metrics, project, METRIC_ID), channel,
            AlertPolicy(policies, project, METRIC_ID, channel, threshold)]


@click.group()
def alerts():
    """Alerting on the DoS-alert job's entries in Cloud Logging and Monitoring."""


@alerts.command()
@click.option("--project", envvar="GOOGLE_CLOUD_PROJECT", required=True, help="Default: $GOOGLE_CLOUD_PROJECT.")
@click.option("--email", required=True, help="Where the alert policy sends its notifications.")
@click.option("--threshold", type=click.IntRange(min=0), default=0, show_default=True,
              help="Alert when more than this many DoS alert entries are logged in a minute.")
@click.option("--dry-run", is_flag=True, help="Read everything, print the plan, change nothing.")
def provision(project, email, threshold, dry_run):
    """Create or reconcile the log-based metric `clickstream_dos_alerts` (counting the job's
    WARNING entries, labelled by dimension), an email notification channel, and an alert
    policy on the metric. Idempotent: a second run changes nothing and says so."""
    from glue.provision.cli import run_plan

    clients = cloud_clients(real_clients)
    click.echo(f"project {project}{' (dry run: nothing will change)' if dry_run else ''}")
    sys.exit(run_plan(alert_resources(project, email, threshold, clients), project, dry_run))

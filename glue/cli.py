"""The `clickstream` command: one group, a subcommand per job."""
from __future__ import annotations

import click

from glue.alerts_cli import alerts
from glue.dashboard.cli import dashboard
from glue.dataform_ops.cli import dataform
from glue.demo import demo
from glue.docs_cli import docs
from glue.governance.cli import governance
from glue.dos_alert_cli import dos_alert
from glue.local.cli import local
from glue.notifications_cli import notifications
from glue.provision.cli import provision
from glue.simulator.cli import simulate


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="clickstream-elt")
def main():
    """Clickstream ELT: simulate traffic, run the Dataform workflow locally, operate on Google Cloud."""


main.add_command(simulate)
main.add_command(local)
main.add_command(demo)
main.add_command(provision)
main.add_command(notifications)
main.add_command(dos_alert)
main.add_command(alerts)
main.add_command(docs)
main.add_command(dashboard)
main.add_command(dataform)
main.add_command(governance)

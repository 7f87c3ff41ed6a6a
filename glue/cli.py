"""The `clickstream` command: one group, a subcommand per job.

Subcommands are imported when they are run, not when `clickstream` starts: the Google Cloud
operations pull in large client libraries (close to a second of imports together) that
`clickstream local run` or `simulate` never need.
"""
from __future__ import annotations

import importlib

import click

COMMANDS = {
    "simulate": "glue.simulator.cli:simulate",
    "local": "glue.local.cli:local",
    "demo": "glue.demo:demo",
    "dashboard": "glue.dashboard.cli:dashboard",
    "docs": "glue.docs_cli:docs",
    "notifications": "glue.notifications_cli:notifications",
    "dos-alert": "glue.dos_alert_cli:dos_alert",
    "provision": "glue.provision.cli:provision",
    "alerts": "glue.alerts_cli:alerts",
    "dataform": "glue.dataform_ops.cli:dataform",
    "governance": "glue.governance.cli:governance",
}


class LazyGroup(click.Group):
    """A group whose subcommands are `module:attribute` strings, imported on first use."""

    def list_commands(self, ctx) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx, name):
        if name not in COMMANDS:
            return None
        module, _, attribute = COMMANDS[name].partition(":")
        return getattr(importlib.import_module(module), attribute)

    def invoke(self, ctx):
        from glue.settings import SettingsError

        try:
            return super().invoke(ctx)
        except SettingsError as error:  # a bad setting is the user's to fix: say which, no traceback
            raise click.ClickException(str(error)) from None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="clickstream-elt")
def main():
    """Clickstream ELT: simulate traffic, run the Dataform workflow locally, operate on Google Cloud."""

"""The `clickstream` command: one group, a subcommand per job.

Subcommands are imported when they are run, not when `clickstream` starts: the Google Cloud
operations pull in large client libraries (close to a second of imports together) that
`clickstream local run` or `simulate` never need.
"""

from __future__ import annotations

import importlib

import click

COMMANDS = {
    "simulate": "glue.cli.simulate:simulate",
    "local": "glue.cli.local:local",
    "demo": "glue.cli.demo:demo",
    "dashboard": "glue.cli.dashboard:dashboard",
    "docs": "glue.cli.docs:docs",
    "notifications": "glue.cli.notifications:notifications",
    "dos-alert": "glue.cli.dos_alert:dos_alert",
    "provision": "glue.cli.provision:provision",
    "alerts": "glue.cli.alerts:alerts",
    "dataform": "glue.cli.dataform:dataform",
    "governance": "glue.cli.governance:governance",
    "ml": "glue.cli.ml:ml",
    "deploy": "glue.cli.deploy:deploy",
    "replay": "glue.cli.replay:replay",
    "privacy": "glue.cli.privacy:privacy",
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

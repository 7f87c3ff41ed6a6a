"""A provisioning plan on the terminal: each step in colour, then applied unless it is a dry run.
The provision, alerts, governance and dataform schedule commands share it."""

from __future__ import annotations

import click

from glue.provision.plan import ResourceError, Step, apply, declared_plan, make_plan
from glue.provision.remedies import explain


def print_step(step: Step) -> None:
    colour = {"create": "green", "update": "yellow", "ok": None, "skip": "bright_black", "declared": "cyan"}[
        step.action
    ]
    click.secho(step.describe(), fg=colour)
    notes = getattr(step.resource, "plan_notes", None)
    for line in notes(step.action) if notes else []:
        click.secho(f"{'':12}{line}", bold=step.action == "create")


def run_plan(resources: list, project: str, dry_run: bool, offline: bool = False) -> int:
    """Print the plan, apply it unless dry-run; the exit code (0 ok, 2 failed). Offline (a dry run
    without credentials) the plan is what is declared, compared with nothing."""
    try:
        plan = declared_plan(resources) if offline else make_plan(resources)
        for step in plan.steps:
            print_step(step)
        click.echo(plan.summary())
        if dry_run or not plan.pending:
            return 0
        apply(plan, on_step=lambda step: click.secho(f"  done: {step.action} {step.resource.name}", fg="green"))
    except ResourceError as failure:
        click.secho(explain(failure, project), fg="red", err=True)
        return 2
    click.echo(f"applied: {len(plan.pending)} changes")
    return 0

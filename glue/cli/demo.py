"""`clickstream demo`: a day of simulated traffic through the whole local workflow."""

from __future__ import annotations

import shutil
import sys
from datetime import timedelta

import click

from glue import stack
from glue.cli.options import Timestamp
from glue.demo_day import announce_and_show, set_aside, show_results, simulate_through_the_stack, train_and_show_model
from glue.runner import RunOptions, print_result, run_workflow
from glue.settings import get_settings
from glue.simulator.faults import FaultConfig
from glue.simulator.run import Plan, Simulator
from glue.simulator.targets import FileSink


@click.command()
@click.option("--day", type=Timestamp(), default="2024-07-01", show_default=True, help="Day to simulate (UTC).")
@click.option("--visits-per-minute", type=float, default=6, show_default=True)
@click.option("--malformed-rate", type=float, default=0.01, show_default=True)
@click.option("--duplicate-rate", type=float, default=0.02, show_default=True)
@click.option("--seed", type=int, default=42, show_default=True)
@click.option("--keep", is_flag=True, help="Add the day to the existing local warehouse and landing zone.")
@click.option(
    "--fresh", is_flag=True, help="Delete the existing local warehouse and landing zone instead of moving them aside."
)
@click.option(
    "--streaming",
    is_flag=True,
    help="Go through the local stack: the morning lands as objects in the Cloud Storage emulator, "
    "the afternoon is published to the Pub/Sub emulator and written by the subscription sink.",
)
def demo(day, visits_per_minute, malformed_rate, duplicate_rate, seed, keep, fresh, streaming):
    """Simulate a day of traffic, run the Dataform workflow on DuckDB, print the marts.

    Lands a day of simulated visits (with a few malformed and duplicated ones) in the local
    landing bucket, runs the compiled graph, then prints the four dashboard marts, the busiest
    minute, and a reconciliation line: visits in = sessions + rejected. With --streaming the
    same day arrives through the emulators, and the visits-processed notifications are shown.

    It starts from an empty warehouse: one already there (your own runs, the real sample, model
    trainings) is moved aside and the command says where; --fresh deletes it instead, --keep
    adds the day to it.
    """
    settings = get_settings()
    if keep and fresh:
        raise click.UsageError("--keep adds to the warehouse, --fresh deletes it: choose one")
    if not keep:
        if streaming:
            stack.down(settings, say=lambda _: None)
        elif stack.running_stack(settings) is not None:
            raise click.ClickException(
                "the local stack is up and uses the warehouse: `clickstream local down` first, or pass --keep"
            )
        if fresh:
            shutil.rmtree(settings.local_dir, ignore_errors=True)
        else:
            aside = set_aside(settings.local_dir)
            if aside is not None:
                click.secho(
                    f"your local warehouse and landing zone were moved to {aside} (--fresh deletes them)", fg="yellow"
                )
    start = day.replace(hour=0, minute=0, second=0, microsecond=0)
    faults = FaultConfig(malformed_rate=malformed_rate, duplicate_rate=duplicate_rate)
    if streaming:
        simulate_through_the_stack(settings, start, visits_per_minute, faults, seed)
    else:
        count = int(visits_per_minute * 24 * 60)
        click.secho(f"simulating {count:,} visits on {start:%Y-%m-%d} into {settings.landing_path}", bold=True)
        plan = Plan(visits_per_minute, count, "backfill", start, timedelta(days=1), seed, faults)
        click.echo(Simulator(plan, FileSink(settings.landing_hour_path(), rotate="hour")).run().summary())

    click.secho("\nrunning the Dataform workflow on DuckDB", bold=True)
    report, _, compile_seconds = run_workflow(settings, RunOptions(), on_result=_quiet_progress)
    click.echo(
        f"compiled in {compile_seconds:.2f}s, {len(report.results)} actions in {report.seconds:.2f}s, "
        f"{len(report.failed())} failed"
    )
    if not report.ok:
        for result in report.failed():
            print_result(result)
        sys.exit(1)

    balanced = show_results(settings)
    if streaming:
        announce_and_show(settings)
    model_ok = train_and_show_model(settings, start)
    if not balanced or not model_ok:
        sys.exit(1)


def _quiet_progress(result) -> None:
    if result.status != "ok" or result.action.kind != "assertion":
        print_result(result)

"""`clickstream simulate`: realistic visit traffic into stdout, files, Cloud Storage or Pub/Sub."""

from __future__ import annotations

import sys
from datetime import timedelta

import click

from glue.cli.options import Duration, Timestamp, cloud_clients
from glue.settings import get_settings
from glue.simulator.faults import FaultConfig
from glue.simulator.run import Burst, LineProgress, Plan, Simulator, live_duration, terminal_progress
from glue.simulator.targets import open_sink
from glue.simulator.visits import SIGNALS

EPILOG = """\b
Examples:
  clickstream simulate --visits-per-minute 600 --duration 1m --to file:/tmp/visits
  clickstream simulate --start 2024-07-01 --end 2024-07-02 --visits-per-minute 10 --seed 7 --to file:landing
  clickstream simulate --to pubsub:visits --burst 6000 --burst-duration 2m
  clickstream simulate --start 2024-07-08 --end 2024-07-15 --count 600 --purchase-signal reversed --to file:week3
"""


@click.command(epilog=EPILOG)
@click.option(
    "--to",
    "target",
    default="stdout",
    show_default=True,
    help="stdout, file:DIR, gcs:gs://BUCKET/PREFIX or pubsub:TOPIC (name or projects/P/topics/T).",
)
@click.option(
    "--visits-per-minute",
    type=click.FloatRange(min=0, min_open=True),
    default=60,
    show_default=True,
    help="Rate of visits (bursts and duplicates come on top).",
)
@click.option("--duration", type=Duration(), help="How long to simulate: 90s, 10m, 2h, 1d.")
@click.option("--count", type=click.IntRange(min=0), help="Number of visits instead of a duration.")
@click.option("--start", type=Timestamp(), help="Backfill from this time (UTC unless an offset is given).")
@click.option("--end", type=Timestamp(), help="Backfill up to this time (instead of --duration).")
@click.option(
    "--clock",
    type=click.Choice(["live", "backfill"]),
    help="live: paced in real time, stamped now. backfill: as fast as possible over "
    "--start/--end. Default: backfill when --start is given, else live.",
)
@click.option("--seed", type=int, help="Same seed, same visits (byte-identical in backfill).")
@click.option(
    "--rotate",
    type=click.Choice(["hour", "day"]),
    default="hour",
    show_default=True,
    help="File and object rotation, by event time.",
)
@click.option(
    "--malformed-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Share of visits sent malformed (truncated JSON, wrong types, missing fields).",
)
@click.option(
    "--duplicate-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Share of visits sent twice with the same payload.",
)
@click.option(
    "--late-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Share of visits whose events are stamped --late-by before they are sent.",
)
@click.option("--late-by", type=Duration(), default="5m", show_default=True)
@click.option(
    "--burst",
    "burst_rate",
    type=click.IntRange(min=1),
    help="Add a DoS burst: one client requesting this many pages per minute.",
)
@click.option("--burst-duration", type=Duration(), default="2m", show_default=True)
@click.option(
    "--burst-start",
    type=Duration(),
    default="0s",
    show_default=True,
    help="When the burst starts, after the simulation starts.",
)
@click.option(
    "--purchase-signal",
    type=click.Choice(sorted(SIGNALS)),
    is_flag=False,
    flag_value="planted",
    default=None,
    help="Make purchases depend on what a visit did before them (pages, cart size, device, evening hour), "
    "at the same overall rate, so that a model has something to learn. Off by default, as in the lab's data. "
    "Alone it plants the signal; `reversed` turns the pages, device and hour effects around and `halfway` "
    "leaves only the cart's, to change what a model must learn (a retraining test).",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Progress on stderr: a line rewritten in place on a terminal, a line every 10 s otherwise (default: on).",
)
def simulate(
    target,
    visits_per_minute,
    duration,
    count,
    start,
    end,
    clock,
    seed,
    rotate,
    malformed_rate,
    duplicate_rate,
    late_rate,
    late_by,
    burst_rate,
    burst_duration,
    burst_start,
    purchase_signal,
    progress,
):
    """Simulate visits to the shop, faithful to the lab's sample data.

    Visits follow the sample's shape (home, products, cart pages, cart additions, about a
    quarter ending in a purchase whose items and amount match the cart). Faults and a DoS
    burst can be mixed in to test everything downstream.
    """
    clock = clock or ("backfill" if start else "live")
    if clock == "backfill" and start is None:
        raise click.UsageError("--clock backfill needs --start")
    if clock == "live" and (start or end):
        raise click.UsageError("--start/--end are for backfills; drop --clock live")
    span = None
    if start is not None:
        if end is not None:
            if end <= start:
                raise click.UsageError("--end must be after --start")
            span = end - start
        elif duration is not None:
            span = duration
    if count is None:
        length = span or duration
        if length is None:
            raise click.UsageError("say how much to simulate: --duration, --count, or --start/--end")
        count = round(visits_per_minute * length / timedelta(minutes=1))
    burst = Burst(burst_rate, burst_duration, burst_start) if burst_rate else None
    plan = Plan(
        visits_per_minute=visits_per_minute,
        count=count,
        clock=clock,
        start=start,
        span=span,
        seed=seed,
        faults=FaultConfig(malformed_rate, duplicate_rate, late_rate, late_by),
        burst=burst,
        purchase_signal=purchase_signal,
    )
    project = _local_stack_project(target) or get_settings().gcp_project
    try:
        sink = cloud_clients(lambda: _opened(target, rotate, project))
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--to") from error
    if clock == "live":
        # A live run paces itself to the clock: say how long that is before it starts.
        print(
            f"live: {count:,} visits at {visits_per_minute:,g} a minute take {live_duration(count, visits_per_minute)} "
            f"(--start backfills them at once)",
            file=sys.stderr,
        )
    terminal = sys.stderr.isatty()
    show = progress if progress is not None else True
    reporter = (terminal_progress if terminal else LineProgress()) if show else None
    stats = Simulator(plan, sink, progress=reporter).run()
    if show and terminal:
        print(file=sys.stderr)
    print(stats.summary(), file=sys.stderr)
    if stats.errors:
        sys.exit(1)
    if stats.interrupted:
        sys.exit(130)


def _opened(target: str, rotate: str, project: str | None):
    """The target's sink; one on Google Cloud (no emulator) only once its API can be reached."""
    import os

    from glue.provision.network import ensure_reachable

    sink = open_sink(target, rotate, project=project)
    if target.startswith("pubsub:") and not os.environ.get("PUBSUB_EMULATOR_HOST"):
        ensure_reachable(["pubsub.googleapis.com"])
    if target.startswith("gcs:") and not os.environ.get("STORAGE_EMULATOR_HOST"):
        ensure_reachable(["storage.googleapis.com"])
    return sink


def _local_stack_project(target: str) -> str | None:
    """Cloud sinks go to the local stack when it is up and no emulator host was set by hand."""
    import os

    from glue.stack import use_running_stack

    if not target.startswith(("pubsub:", "gcs:")):
        return None
    if os.environ.get("PUBSUB_EMULATOR_HOST") or os.environ.get("STORAGE_EMULATOR_HOST"):
        return os.environ.get("GOOGLE_CLOUD_PROJECT")
    state = use_running_stack(get_settings())
    if state is None:
        return None
    print(
        f"to the local stack: pubsub {state.pubsub_host}, storage {state.storage_host} "
        "(`clickstream local down` to stop it)",
        file=sys.stderr,
    )
    return state.project

"""`clickstream local up|down|status|sink`: the local stack of emulators and the subscription sink.

These are subcommands of `clickstream local` (glue/cli/local.py adds them to its group).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import click

from glue.runner import connect
from glue.settings import get_settings


def _fail(message: str) -> None:
    click.secho(message, fg="red", err=True)
    sys.exit(2)


@click.command()
@click.option("--no-sink", is_flag=True, help="Start only the emulators (run `clickstream local sink` yourself).")
def up(no_sink):
    """Start the local stack: Pub/Sub and Cloud Storage emulators and the subscription sink.

    Creates the landing bucket, the visits topic and schema, the dead-letter topic, the
    BigQuery subscription (served by the sink) and the visits-processed topic, with the same
    code as `clickstream provision`. Other commands find the stack through .local/stack.json:
    `clickstream simulate --to pubsub:visits` publishes to it, `--to gcs:gs://BUCKET/visits`
    writes objects the local `visits_gcs` table reads.
    """
    from glue import stack
    from glue.provision.plan import ResourceError
    from glue.stack import EmulatorUnavailable

    try:
        stack.up(get_settings(), with_sink=not no_sink, say=click.echo)
    except (EmulatorUnavailable, ResourceError) as error:
        _fail(f"{error}\n(what did start is recorded: `clickstream local down` stops it)")
    click.secho(
        "local stack up: `clickstream local status` to check, `clickstream local down` to stop", fg="green", err=True
    )


@click.command()
def down():
    """Stop the local stack's processes by the PIDs `up` recorded."""
    from glue import stack

    stack.down(get_settings(), say=click.echo)


@click.command()
def status():
    """Show each process of the local stack, the raw Pub/Sub row count and the sink's last report."""
    from glue import stack

    settings = get_settings()
    state, alive = stack.status(settings)
    if state is None:
        click.echo("the local stack is not up (`clickstream local up`)")
        sys.exit(3)
    for name, pid in state.processes().items():
        mark = click.style("up  ", fg="green") if alive[name] else click.style("DOWN", fg="red")
        click.echo(f"  {mark} {name:<18} pid {pid or '-'}")
    click.echo(f"  pubsub {state.pubsub_host}   storage {state.storage_host}   project {state.project}")
    sink_log = Path(state.logs) / "sink.log"
    if sink_log.exists():
        reports = [line for line in sink_log.read_text(errors="replace").splitlines() if line.startswith("sink:")]
        if reports:
            click.echo(f"  {reports[-1]}")
    try:
        connection = connect(settings.warehouse, lock_timeout=5, functions=False)
        rows = connection.execute(f'SELECT COUNT(*) FROM "{settings.raw_dataset}".visits_pubsub').fetchone()[0]
        click.echo(f"  {settings.raw_dataset}.visits_pubsub: {rows:,} rows")
        connection.close()
    except Exception as error:  # noqa: BLE001 - busy, missing or empty: status must not fail on the warehouse
        click.echo(f"  warehouse: {str(error).splitlines()[0]}")
    sys.exit(0 if all(alive.values()) else 1)


@click.command()
@click.option(
    "--drain",
    type=float,
    metavar="SECONDS",
    help="Exit once nothing has arrived for this long (default: run until stopped).",
)
@click.option("--max-batch", type=int, default=2000, show_default=True, help="Messages per warehouse write.")
@click.option(
    "--warehouse",
    type=click.Path(dir_okay=False, path_type=Path),
    help="DuckDB file (default: .local/warehouse.duckdb).",
)
def sink(drain, max_batch, warehouse):
    """Write the visits subscription into <raw>.visits_pubsub, as the BigQuery subscription does.

    Acknowledges each message only after its batch is committed; nacks a message it cannot
    write, which Pub/Sub dead-letters after the subscription's max_delivery_attempts. Stops
    cleanly on Ctrl-C or SIGTERM, finishing the batch in hand.
    """
    import signal
    import threading

    from google.cloud import pubsub_v1

    from glue import stack
    from glue.stack import SubscriptionSink

    settings = get_settings()
    if stack.use_running_stack(settings) is None and not os.environ.get("PUBSUB_EMULATOR_HOST"):
        _fail("no local stack: run `clickstream local up` (or set PUBSUB_EMULATOR_HOST)")
    subscription = pubsub_v1.SubscriberClient.subscription_path(
        os.environ.get("GOOGLE_CLOUD_PROJECT", settings.local_project), settings.pubsub["bigquery_subscription"]
    )
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    worker = SubscriptionSink(
        subscription,
        warehouse or settings.warehouse,
        settings.raw_dataset,
        settings.raw["pubsub_table"],
        settings.pubsub["max_delivery_attempts"],
        max_batch,
        say=lambda line: click.echo(f"sink: {line}"),
    )
    click.echo(f"sink: pulling {subscription} into {worker.warehouse}:{worker.target}", err=False)
    last = [0.0]

    def report(stats):
        if time.monotonic() - last[0] >= 5:
            last[0] = time.monotonic()
            click.echo(f"sink: {stats.line()}")

    stats = worker.run(
        stop, idle_timeout=drain, on_batch=report, on_idle=lambda stats: click.echo(f"sink: idle; {stats.line()}")
    )
    click.echo(f"sink: stopped; {stats.line()}")

"""`clickstream demo`: a day of simulated traffic through the whole local workflow."""
from __future__ import annotations

import shutil
import sys
import time
from datetime import timedelta
from decimal import Decimal

import click

from glue.cliutil import Timestamp
from glue.dashboard.cli import write_dashboard
from glue.dashboard.data import reconciliation
from glue.local import stack
from glue.local.warehouse import connect, relation_exists
from glue.local.workflow import RunOptions, print_result, run_workflow
from glue.settings import get_settings
from glue.simulator.faults import FaultConfig
from glue.simulator.run import Plan, Simulator
from glue.simulator.sinks import FileSink, GcsSink, PubSubSink

MARTS = {
    "visits_by_page": "SELECT page_url, page_views, visits FROM clickstream.visits_by_page ORDER BY page_views DESC",
    "popular_items (top 5)": "SELECT sales_rank, product_name, category, units_sold, revenue "
                             "FROM clickstream.popular_items ORDER BY sales_rank, product_name LIMIT 5",
    "sales_by_category": "SELECT category, orders, units_sold, revenue FROM clickstream.sales_by_category "
                         "ORDER BY revenue DESC",
    "visits_by_device": "SELECT device_type, visits, share_of_visits, conversion_rate, revenue "
                        "FROM clickstream.visits_by_device ORDER BY visits DESC",
}


def print_table(title: str, cursor) -> None:
    columns = [d[0] for d in cursor.description]
    rows = [[_cell(v) for v in row] for row in cursor.fetchall()]
    widths = [max(len(c), *(len(r[i]) for r in rows)) if rows else len(c) for i, c in enumerate(columns)]
    click.secho(f"\n{title}", bold=True)
    click.echo("  " + "  ".join(c.ljust(w) for c, w in zip(columns, widths)))
    for row in rows:
        click.echo("  " + "  ".join(v.rjust(w) if _numeric(v) else v.ljust(w) for v, w in zip(row, widths)))


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, Decimal):  # NUMERIC as BigQuery shows it: 5397654.22, not 5397654.220000000
        return f"{value.normalize():f}" if value else "0"
    return str(value)


def _numeric(text: str) -> bool:
    return text.replace(".", "", 1).replace("-", "", 1).isdigit()


@click.command()
@click.option("--day", type=Timestamp(), default="2024-07-01", show_default=True, help="Day to simulate (UTC).")
@click.option("--visits-per-minute", type=float, default=6, show_default=True)
@click.option("--malformed-rate", type=float, default=0.01, show_default=True)
@click.option("--duplicate-rate", type=float, default=0.02, show_default=True)
@click.option("--seed", type=int, default=42, show_default=True)
@click.option("--keep", is_flag=True, help="Keep the existing local warehouse and landing zone.")
@click.option("--streaming", is_flag=True,
              help="Go through the local stack: the morning lands as objects in the Cloud Storage emulator, "
                   "the afternoon is published to the Pub/Sub emulator and written by the subscription sink.")
def demo(day, visits_per_minute, malformed_rate, duplicate_rate, seed, keep, streaming):
    """Simulate a day of traffic, run the Dataform workflow on DuckDB, print the marts.

    Lands a day of simulated visits (with a few malformed and duplicated ones) in the local
    landing bucket, runs the compiled graph, then prints the four dashboard marts, the busiest
    minute, and a reconciliation line: visits in = sessions + rejected. With --streaming the
    same day arrives through the emulators, and the visits-processed notifications are shown.
    """
    settings = get_settings()
    if not keep:
        if streaming:
            stack.down(settings, say=lambda _: None)
        shutil.rmtree(settings.local_dir, ignore_errors=True)
    start = day.replace(hour=0, minute=0, second=0, microsecond=0)
    faults = FaultConfig(malformed_rate=malformed_rate, duplicate_rate=duplicate_rate)
    if streaming:
        _simulate_through_the_stack(settings, start, visits_per_minute, faults, seed)
    else:
        count = int(visits_per_minute * 24 * 60)
        click.secho(f"simulating {count:,} visits on {start:%Y-%m-%d} into {settings.landing_path}", bold=True)
        plan = Plan(visits_per_minute, count, "backfill", start, timedelta(days=1), seed, faults)
        click.echo(Simulator(plan, FileSink(settings.landing_hour_path(), rotate="hour")).run().summary())

    click.secho("\nrunning the Dataform workflow on DuckDB", bold=True)
    report, _, compile_seconds = run_workflow(settings, RunOptions(), on_result=_quiet_progress)
    click.echo(f"compiled in {compile_seconds:.2f}s, {len(report.results)} actions in {report.seconds:.2f}s, "
               f"{len(report.failed())} failed")
    if not report.ok:
        for result in report.failed():
            print_result(result)
        sys.exit(1)

    db = connect(settings.warehouse)
    for title, sql in MARTS.items():
        print_table(title, db.execute(sql))
    print_table("busiest minute (page views)", db.execute(
        "SELECT minute, SUM(page_views) AS page_views FROM clickstream.page_views_per_minute "
        "GROUP BY minute ORDER BY page_views DESC, minute LIMIT 1"))
    print_table("rejected visits by first reason", db.execute(
        "SELECT first_reason, COUNT(*) AS visits FROM clickstream.rejected_visits GROUP BY 1 ORDER BY 2 DESC LIMIT 5"))
    r = reconciliation(db, settings.curated_dataset, settings.raw_dataset, settings.staging_dataset)
    click.secho(
        f"\nreconciliation: {r.received:,} lines and messages received, {r.duplicates:,} duplicates removed, "
        f"{r.distinct:,} distinct visits in = {r.sessions:,} sessions + {r.rejected:,} rejected "
        f"{'✓' if r.balanced else '✗ MISMATCH'}", fg="green" if r.balanced else "red", bold=True)
    click.echo(f"warehouse: {settings.warehouse} (DuckDB; schemas clickstream, clickstream_staging, ...)")
    db.close()
    click.secho(f"dashboard: {write_dashboard(settings.warehouse, settings.local_dir / 'dashboard.html')}", bold=True)
    if streaming:
        _announce_and_show(settings)
    if not r.balanced:
        sys.exit(1)


def _simulate_through_the_stack(settings, start, visits_per_minute, faults, seed) -> None:
    state = stack.up(settings, say=lambda line: click.echo(f"  {line}"))
    half = timedelta(hours=12)
    count = int(visits_per_minute * 12 * 60)
    bucket_uri = f"gs://{settings.landing_bucket}/{settings.landing_prefix}"
    topic = f"projects/{state.project}/topics/{settings.pubsub['visits_topic']}"
    click.secho(f"\nsimulating {count:,} visits on the morning of {start:%Y-%m-%d} into {bucket_uri}", bold=True)
    morning = Plan(visits_per_minute, count, "backfill", start, half, seed, faults)
    click.echo(Simulator(morning, GcsSink(bucket_uri)).run().summary())
    click.secho(f"simulating {count:,} visits in the afternoon into {topic}", bold=True)
    sink = PubSubSink(topic)
    afternoon = Plan(visits_per_minute, count, "backfill", start + half, half, seed + 1, faults)
    click.echo(Simulator(afternoon, sink).run().summary())
    _wait_for_the_subscription_sink(settings, sink.published)


def _wait_for_the_subscription_sink(settings, published: int, limit: float = 300) -> None:
    """Until the sink has written every published message (it is at-least-once, so >=)."""
    click.echo(f"waiting for the subscription sink to write {published:,} messages ...")
    deadline = time.monotonic() + limit
    written = 0
    while time.monotonic() < deadline:
        db = connect(settings.warehouse)
        try:
            written = db.execute(f'SELECT COUNT(DISTINCT message_id) FROM "{settings.raw_dataset}".visits_pubsub'
                                 ).fetchone()[0] if relation_exists(db, settings.raw_dataset, "visits_pubsub") else 0
        finally:
            db.close()
        if written >= published:
            click.echo(f"  {written:,} messages in {settings.raw_dataset}.visits_pubsub")
            return
        time.sleep(0.2)
    raise click.ClickException(f"the subscription sink wrote {written:,} of {published:,} messages in {limit:.0f}s; "
                               f"see {settings.local_dir / 'stack' / 'sink.log'}")


def _announce_and_show(settings) -> None:
    from google.cloud import pubsub_v1

    from glue.notifications import ObjectProcessed, announce_processed

    announce_processed(settings, settings.warehouse)
    subscriber = pubsub_v1.SubscriberClient()
    subscription = subscriber.subscription_path(settings.local_project, settings.pubsub["processed_subscription"])
    received = subscriber.pull(subscription=subscription, max_messages=100, timeout=30).received_messages
    click.secho(f"\nvisits-processed notifications ({len(received)})", bold=True)
    for message in received:
        click.echo(f"  {ObjectProcessed.from_json(message.message.data).describe()}")
    if received:
        subscriber.acknowledge(subscription=subscription, ack_ids=[m.ack_id for m in received])
    click.echo("the local stack is still up: `clickstream local status`, `clickstream local down`")


def _quiet_progress(result) -> None:
    if result.status != "ok" or result.action.kind != "assertion":
        print_result(result)

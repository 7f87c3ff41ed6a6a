"""The demo's day: simulated traffic through the local workflow, and what it shows afterwards.

`clickstream demo` (glue/cli/demo.py) runs these; `make demo` and `make demo-stream` run it.
"""

from __future__ import annotations

import shutil
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import click

from glue import stack
from glue.dashboard.data import ChartError, reconciliation
from glue.dashboard.publish import write_dashboard
from glue.runner import connect, relation_exists
from glue.simulator.run import Plan, Simulator
from glue.simulator.targets import GcsSink, PubSubSink
from glue.text_tables import print_table

MARTS = {
    "visits_by_page": "SELECT page_url, page_views, visits FROM clickstream.visits_by_page ORDER BY page_views DESC",
    "popular_items (top 5)": "SELECT sales_rank, product_name, category, units_sold, revenue "
    "FROM clickstream.popular_items ORDER BY sales_rank, product_name LIMIT 5",
    "sales_by_category": "SELECT category, orders, units_sold, revenue FROM clickstream.sales_by_category "
    "ORDER BY revenue DESC",
    "visits_by_device": "SELECT device_type, visits, share_of_visits, conversion_rate, revenue "
    "FROM clickstream.visits_by_device ORDER BY visits DESC",
}


def train_and_show_model(settings, day) -> bool:
    """The ml workflow on the day's visits: the morning and afternoon train the purchase-propensity
    model and its baseline, the evening (from 18:00, the ml_split_cutoff var) evaluates them."""
    from glue.runner import RunOptions, print_result, run_workflow

    cutoff = f"{day:%Y-%m-%d}T18:00:00"
    click.secho(f"\ntraining the purchase-propensity model (tag ml): visits from {cutoff} evaluate it", bold=True)
    options = RunOptions(tags=(settings.ml["tag"],), variables={"ml_split_cutoff": cutoff})
    report, _, _ = run_workflow(settings, options)
    if not report.ok:
        for result in report.failed():
            print_result(result)
        return False
    connection = connect(settings.warehouse, read_only=True)
    try:
        trainings = connection.execute(
            f"SELECT model, model_type, training_visits, evaluation_visits, roc_auc, log_loss "
            f'FROM "{settings.ml_dataset}".model_trainings ORDER BY trained_at DESC, model'
        ).fetchall()
        scored = connection.execute(
            f'SELECT COUNT(*) FROM "{settings.ml_dataset}".purchase_propensity_scores'
        ).fetchone()[0]
        champion = connection.execute(
            f'SELECT challenger FROM "{settings.ml_dataset}".model_decisions WHERE promoted '
            "ORDER BY decided_at DESC LIMIT 1"
        ).fetchone()
    finally:
        connection.close()
    for model, kind, trained, evaluated, auc, loss in trainings[:2]:
        click.echo(
            f"{model} ({kind}): ROC AUC {auc:.3f}, log loss {loss:.3f} on {evaluated:,} evaluation visits "
            f"(trained on {trained:,})"
        )
    served = f"the champion, {champion[0]}," if champion else "the champion"
    click.echo(
        f"scored {scored:,} visits; {served} is exported to {settings.model_dir()}: `clickstream ml serve` serves it"
    )
    return True


def show_results(settings) -> bool:
    """Print the marts, the busiest minute, the first rejection reasons and the reconciliation;
    write the dashboard. Whether the reconciliation balances."""
    db = connect(settings.warehouse)
    for title, sql in MARTS.items():
        print_table(title, db.execute(sql))
    print_table(
        "busiest minute (page views)",
        db.execute(
            "SELECT minute, SUM(page_views) AS page_views FROM clickstream.page_views_per_minute "
            "GROUP BY minute ORDER BY page_views DESC, minute LIMIT 1"
        ),
    )
    print_table(
        "rejected visits by first reason",
        db.execute(
            "SELECT first_reason, COUNT(*) AS visits FROM clickstream.rejected_visits GROUP BY 1 ORDER BY 2 DESC LIMIT 5"
        ),
    )
    r = reconciliation(db, settings.curated_dataset, settings.raw_dataset, settings.staging_dataset)
    click.secho(
        f"\nreconciliation: {r.received:,} lines and messages received, {r.duplicates:,} duplicates removed, "
        f"{r.distinct:,} distinct visits in = {r.sessions:,} sessions + {r.rejected:,} rejected "
        f"{'✓' if r.balanced else '✗ MISMATCH'}",
        fg="green" if r.balanced else "red",
        bold=True,
    )
    click.echo(f"warehouse: {settings.warehouse} (DuckDB; schemas clickstream, clickstream_staging, ...)")
    db.close()
    try:
        click.secho(
            f"dashboard: {write_dashboard(settings.warehouse, settings.local_dir / 'dashboard.html')}", bold=True
        )
    except ChartError as error:  # a chart declared wrongly: the demo's figures above still stand
        click.secho(f"dashboard not written: {error}", fg="red", err=True)
    return r.balanced


def simulate_through_the_stack(settings, start, visits_per_minute, faults, seed) -> None:
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
    wait_for_the_subscription_sink(settings, sink.published)


def wait_for_the_subscription_sink(settings, published: int, limit: float = 300) -> None:
    """Until the sink has written every published message (it is at-least-once, so >=)."""
    click.echo(f"waiting for the subscription sink to write {published:,} messages ...")
    deadline = time.monotonic() + limit
    written = 0
    while time.monotonic() < deadline:
        db = connect(settings.warehouse)
        try:
            written = (
                db.execute(f'SELECT COUNT(DISTINCT message_id) FROM "{settings.raw_dataset}".visits_pubsub').fetchone()[
                    0
                ]
                if relation_exists(db, settings.raw_dataset, "visits_pubsub")
                else 0
            )
        finally:
            db.close()
        if written >= published:
            click.echo(f"  {written:,} messages in {settings.raw_dataset}.visits_pubsub")
            return
        time.sleep(0.2)
    raise click.ClickException(
        f"the subscription sink wrote {written:,} of {published:,} messages in {limit:.0f}s; "
        f"see {settings.local_dir / 'stack' / 'sink.log'}"
    )


def announce_and_show(settings) -> None:
    from google.cloud import pubsub_v1

    from glue.visits_processed import ObjectProcessed, announce_processed

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


def set_aside(local_dir: Path, now: datetime | None = None) -> Path | None:
    """Move an existing local directory (warehouse, landing zone, archive) to
    <local_dir>.previous/<time>/ so that a demo starts empty and nothing is lost; None when there
    is nothing to move."""
    if not local_dir.exists() or not any(local_dir.iterdir()):
        return None
    moment = (now or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H-%M-%S")
    aside = local_dir.with_name(local_dir.name + ".previous") / moment
    aside.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(local_dir), str(aside))
    return aside

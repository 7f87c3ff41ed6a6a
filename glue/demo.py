"""`clickstream demo`: a day of simulated traffic through the whole local workflow."""
from __future__ import annotations

import shutil
import sys
from datetime import timedelta

import click

from glue.cliutil import Timestamp
from glue.local.warehouse import connect
from glue.local.workflow import RunOptions, print_result, run_workflow
from glue.settings import get_settings
from glue.simulator.faults import FaultConfig
from glue.simulator.run import Plan, Simulator
from glue.simulator.sinks import FileSink

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
def demo(day, visits_per_minute, malformed_rate, duplicate_rate, seed, keep):
    """Simulate a day of traffic, run the Dataform workflow on DuckDB, print the marts.

    Lands a day of simulated visits (with a few malformed and duplicated ones) in the local
    landing bucket, runs the compiled graph, then prints the four dashboard marts, the busiest
    minute, and a reconciliation line: visits in = sessions + rejected.
    """
    settings = get_settings()
    if not keep:
        shutil.rmtree(settings.local_dir, ignore_errors=True)
    start = day.replace(hour=0, minute=0, second=0, microsecond=0)
    count = int(visits_per_minute * 24 * 60)
    click.secho(f"simulating {count:,} visits on {start:%Y-%m-%d} into {settings.landing_path}", bold=True)
    sink = FileSink(settings.landing_path, rotate="hour")
    faults = FaultConfig(malformed_rate=malformed_rate, duplicate_rate=duplicate_rate)
    plan = Plan(visits_per_minute, count, "backfill", start, timedelta(days=1), seed, faults)
    stats = Simulator(plan, sink).run()
    click.echo(stats.summary())

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
    lines = db.execute("SELECT COUNT(*) FROM clickstream_raw.visits_gcs WHERE TRIM(line) != ''").fetchone()[0]
    staged, sessions, rejected = db.execute(
        "SELECT (SELECT COUNT(*) FROM clickstream_staging.stg_visit_payloads), "
        "(SELECT COUNT(*) FROM clickstream.sessions), (SELECT COUNT(*) FROM clickstream.rejected_visits)").fetchone()
    balanced = staged == sessions + rejected
    click.secho(
        f"\nreconciliation: {lines:,} lines landed, {lines - staged:,} duplicates removed, "
        f"{staged:,} distinct visits in = {sessions:,} sessions + {rejected:,} rejected "
        f"{'✓' if balanced else '✗ MISMATCH'}", fg="green" if balanced else "red", bold=True)
    click.echo(f"warehouse: {settings.warehouse} (DuckDB; schemas clickstream, clickstream_staging, ...)")
    if not balanced:
        sys.exit(1)


def _quiet_progress(result) -> None:
    if result.status != "ok" or result.action.kind != "assertion":
        print_result(result)

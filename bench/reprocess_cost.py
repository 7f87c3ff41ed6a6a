"""What reprocessing a day of loads costs on BigQuery, and so what a backfill by day ranges costs.

    .venv/bin/python bench/reprocess_cost.py [--visits-per-day 1000000] [--history 7,30,365]

Builds three days of simulated visits, one load a day, then reprocesses the middle day
(`clickstream local run --reprocess`) with the cost model (glue/cost) pricing each action over
the local tables (measured) and scaled to the stated daily volume after each length of history
(scaled, as bench/bigquery_cost.py scales the hourly run). A backfill of all history by day
ranges is one such run per day; the full refresh it replaces reads the whole payload store.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bigquery_cost import print_bills, publish, simulated

from glue import settings as settings_module
from glue.cost import cost_model, human
from glue.cost.layout import layouts
from glue.cost.report import PRICE_PER_TIB
from glue.cost.scale import Scenario, measure_grains, scaled_bill
from glue.oracle import Oracle, ZetaSQL, check_graph
from glue.runner import LoadRange, RunOptions, compile_graph, connect, reprocess_selection, run_workflow

DAY0 = datetime(2026, 6, 27, tzinfo=timezone.utc)
VISITS_A_DAY = 600  # locally
HOURLY = ("staging", "curated", "aggregates", "marts")  # the hourly workflow's tags (clickstream.yaml)


def run(settings, graph, options: RunOptions, observer=None):
    report, _, _ = run_workflow(settings, options, graph=graph, observer=observer)
    if not report.ok:
        sys.exit("\n".join(f"{r.action.name}: {r.message}" for r in report.failed()))
    return report


def build_three_days(settings, graph, work: Path) -> None:
    """Each day's visits loaded by one run at its end: the first day's landed as objects (the run
    makes the raw tables), the next days' half published, half landed."""
    for day in range(3):
        start = DAY0 + timedelta(days=day)
        visits = simulated(work / f"day{day}", VISITS_A_DAY, start, timedelta(hours=23), day + 1)
        inputs = [visits] if day == 0 else publish(settings, visits, start + timedelta(hours=23, minutes=30))
        clock = start + timedelta(hours=23, minutes=50)
        run(settings, graph, RunOptions(tuple(map(str, inputs)), clock=clock, concurrency=1, tags=HOURLY))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--visits-per-day", type=float, default=1_000_000)
    parser.add_argument("--history", default="7,30,365", help="days of history, comma-separated")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="reprocess-cost-"))
    os.environ["CLICKSTREAM_LOCAL_DIR"] = str(work / "local")
    settings_module.get_settings.cache_clear()
    settings = settings_module.get_settings()
    build_three_days(settings, compile_graph(settings), work)

    middle = LoadRange(DAY0 + timedelta(days=1), DAY0 + timedelta(days=2))
    graph = compile_graph(settings, middle.variables())
    selection = reprocess_selection(graph, settings.separate_tags)
    print(f"three days of {VISITS_A_DAY} simulated visits, one load a day; reprocessing {middle}", file=sys.stderr)
    with ZetaSQL.start(settings.root) as server:
        oracle = Oracle(server)
        model = cost_model(oracle, graph, settings, check_graph(graph, oracle, settings))
        options = RunOptions(
            actions=tuple(selection),
            include_dependencies=False,
            variables=middle.variables(),
            clock=DAY0 + timedelta(days=3, hours=1),
            concurrency=1,
        )
        run(settings, graph, options, observer=model)
        # The alternative: one full refresh of the hourly workflow's tables from the payload store.
        hourly = compile_graph(settings)
        refresh = cost_model(oracle, hourly, settings, check_graph(hourly, oracle, settings))
        options = RunOptions(full_refresh=True, clock=DAY0 + timedelta(days=3, hours=2), concurrency=1, tags=HOURLY)
        run(settings, hourly, options, observer=refresh)
    connection = connect(settings.warehouse)
    visits = connection.execute(f'SELECT COUNT(*) FROM "{settings.staging_dataset}"."stg_visit_payloads"').fetchone()[0]
    grains = measure_grains(graph, connection, model.bills + refresh.bills, visits)
    connection.close()
    report(model.bills, refresh.bills, layouts(graph, settings), grains, args, visits)


def report(bills, refresh_bills, table_layouts, grains, args, visits) -> None:
    days = [float(d) for d in args.history.split(",")]
    # The reprocessed day is the one before the run's: its loads lie a day back in the history.
    scenarios = [Scenario(args.visits_per_day, d, DAY0 + timedelta(days=2, hours=23)) for d in days]
    print(
        f"\nReprocessing one day of loads, bytes BigQuery bills. measured: over the local tables ({visits:,} "
        f"visits); scaled: at {args.visits_per_day:,.0f} visits a day after {', '.join(f'{d:g}' for d in days)} days"
    )
    _, totals = print_bills(bills, table_layouts, grains, scenarios)
    print(
        f"  {'on-demand price at $' + str(PRICE_PER_TIB) + '/TiB':<62} {'':>10}"
        + "".join(f" {'$' + format(t / 2**40 * PRICE_PER_TIB, '.2f'):>10}" for t in totals)
    )
    print(
        f"  {'a backfill of all history by day ranges (days x one day)':<62} {'':>10}"
        + "".join(f" {human(t * d):>10}" for t, d in zip(totals, days))
    )
    refresh = [sum(scaled_bill(b, table_layouts, grains, s) for b in refresh_bills) for s in scenarios]
    print(
        f"  {'one full refresh of the hourly workflow, for comparison':<62} "
        f"{human(sum(b.billed for b in refresh_bills)):>10}" + "".join(f" {human(r):>10}" for r in refresh)
    )


if __name__ == "__main__":
    main()

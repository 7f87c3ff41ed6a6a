"""What an hourly run costs on BigQuery: measured on a local build, scaled to years of traffic.

    .venv/bin/python bench/bigquery_cost.py [--visits-per-day 1000000] [--history 7,30,365]

Builds the real sample (or, without it, simulated visits) as history, then runs the workflow
hourly twice, each time with an hour of new visits, with the clock set. The second hourly run
is priced by the cost model (glue/cost): what BigQuery would bill for each action over the
local tables (measured), and the same reads scaled to the stated daily volume after each
length of history (scaled; glue/cost/scale.py says how).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

from glue import settings as settings_module
from glue.cost import MIN_BILLED, cost_model, format_bills, human
from glue.cost.layout import Layout, layouts
from glue.cost.report import PRICE_PER_TIB
from glue.cost.scale import Grain, Scenario, measure_grains, scaled_bill, scaled_read
from glue.oracle import Oracle, ZetaSQL, check_graph
from glue.runner import RunOptions, compile_graph, connect, run_workflow
from glue.simulator.run import Plan, Simulator
from glue.simulator.targets import FileSink

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "challenge-lab-visits"
NOW = datetime(2026, 6, 30, 23, 30, tzinfo=timezone.utc)  # the day's last hour: today's partitions are fullest
BATCH = 200  # visits in each local hourly run


def simulated(directory: Path, count: int, start: datetime, span: timedelta, seed: int) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    Simulator(
        Plan(max(count / (span.total_seconds() / 60), 1), count, "backfill", start, span, seed),
        FileSink(directory, "hour"),
    ).run()
    return directory


def publish(settings, directory: Path, published: datetime) -> list[Path]:
    """Every other visit of the batch as a Pub/Sub message in the raw table (as the BigQuery
    subscription writes it); the rest in one object to land."""
    lines = [line for path in sorted(directory.rglob("*.jsonl")) for line in path.read_text().splitlines()]
    connection = connect(settings.warehouse)
    table = f'"{settings.raw_dataset}"."{settings.raw["pubsub_table"]}"'
    connection.executemany(
        f"INSERT INTO {table} VALUES (?, ?, ?, ?, ?)",
        [
            ("visits-to-bigquery", f"{directory.name}-{number}", published - timedelta(seconds=number), line, "{}")
            for number, line in enumerate(lines[::2])
        ],
    )
    connection.close()
    landed = directory / "landing" / f"visits-{directory.name}.jsonl"
    landed.parent.mkdir()
    landed.write_text("\n".join(lines[1::2]) + "\n")
    return [landed]


def hourly_tags(settings) -> tuple[str, ...]:
    """The tags the hourly workflow configuration runs (clickstream.yaml): what an hourly run is."""
    return tuple(settings.infra["dataform"]["workflow_configs"]["hourly-incremental"].get("tags") or ())


def run(settings, graph, inputs, clock, observer=None):
    options = RunOptions(tuple(str(p) for p in inputs), clock=clock, concurrency=1, tags=hourly_tags(settings))
    report, _, _ = run_workflow(settings, options, graph=graph, observer=observer)
    if not report.ok:
        sys.exit("\n".join(f"{r.action.name}: {r.message}" for r in report.failed()))
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--visits-per-day", type=float, default=1_000_000)
    parser.add_argument("--history", default="7,30,365", help="days of history, comma-separated")
    parser.add_argument(
        "--pubsub-share",
        type=float,
        default=0.5,
        help="share of visits arriving through Pub/Sub; the rest land as objects (default 0.5)",
    )
    parser.add_argument(
        "--objects-per-hour",
        type=float,
        default=12,
        help="landing objects written an hour (default 12: a writer rotating every 5 minutes)",
    )
    parser.add_argument("--details", action="store_true", help="also print each measured read")
    parser.add_argument(
        "--top",
        type=int,
        default=10,
        metavar="N",
        help="print the N reads that cost most after the longest history (default 10)",
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bigquery-cost-"))
    os.environ["CLICKSTREAM_LOCAL_DIR"] = str(work / "local")
    settings_module.get_settings.cache_clear()
    settings = settings_module.get_settings()
    graph = compile_graph(settings)
    history = (
        [REAL]
        if REAL.is_dir()
        else [simulated(work / "history", 8000, datetime(2024, 7, 1, tzinfo=timezone.utc), timedelta(days=60), 1)]
    )
    print(f"the hourly workflow: tags {', '.join(hourly_tags(settings)) or 'all'} (clickstream.yaml)", file=sys.stderr)
    print(
        f"history: {'the real sample' if REAL.is_dir() else 'simulated visits (the real sample is absent)'}, "
        f"built at {NOW - timedelta(hours=2):%Y-%m-%d %H:%M}Z; two hourly runs of {BATCH} new visits",
        file=sys.stderr,
    )
    run(settings, graph, history, NOW - timedelta(hours=2))
    run(
        settings,
        graph,
        publish(
            settings,
            simulated(work / "hour1", BATCH, NOW - timedelta(hours=2), timedelta(hours=1), 2),
            NOW - timedelta(hours=1),
        ),
        NOW - timedelta(hours=1),
    )
    with ZetaSQL.start(settings.root) as server:
        oracle = Oracle(server)
        model = cost_model(oracle, graph, settings, check_graph(graph, oracle, settings))
        run(
            settings,
            graph,
            publish(settings, simulated(work / "hour2", BATCH, NOW - timedelta(hours=1), timedelta(hours=1), 3), NOW),
            NOW,
            observer=model,
        )
    connection = connect(settings.warehouse)
    visits = connection.execute(f'SELECT COUNT(*) FROM "{settings.staging_dataset}"."stg_visit_payloads"').fetchone()[0]
    grains = measure_grains(graph, connection, model.bills, visits)
    # The raw tables' rows are the visits each source carries at scale, not the local mix (the
    # sample arrives as objects only).
    grains[f"{settings.raw_dataset}.{settings.raw['pubsub_table']}"] = Grain("visits", args.pubsub_share)
    grains[f"{settings.raw_dataset}.{settings.raw['gcs_table']}"] = Grain("visits", 1 - args.pubsub_share)
    for table in (
        f"{settings.raw_dataset}.{settings.raw['gcs_objects_table']}",
        f"{settings.staging_dataset}.stg_landing_objects",
        f"{settings.curated_dataset}.landed_objects",
    ):
        grains[table] = Grain("objects", args.objects_per_hour * 24)
    connection.close()
    if args.details:
        print(format_bills(model.bills))
    report(model.bills, layouts(graph, settings), grains, args, visits)


def largest_reads(bills, table_layouts, grains, scenario, count: int) -> None:
    """The reads that cost most at scale: where the next saving is."""
    if count <= 0:
        return
    reads = [
        (scaled_read(r, table_layouts.get(r.table, Layout()), grains[r.table], scenario), b.action, st.what, r)
        for b in bills
        for st in b.statements
        for r in st.reads
    ]
    print(f"\nThe {count} largest reads after {scenario.history_days:g} days (scaled; 10 MB minimum not applied):")
    for nbytes, action, what, read in sorted(reads, key=lambda x: -x[0])[:count]:
        print(f"  {human(nbytes):>10}  {action} {what}: {read.table} ({read.pruning}; {', '.join(read.columns)})")


def print_bills(bills, table_layouts, grains, scenarios) -> tuple[int, list[float]]:
    """A line per action, measured and scaled to each scenario, then the totals; returns them."""
    print(f"  {'action':<62} {'measured':>10}" + "".join(f" {f'{s.history_days:g} days':>10}" for s in scenarios))
    totals = [0.0] * len(scenarios)
    measured = 0
    for bill in bills:
        if not bill.statements:
            continue
        scaled = [scaled_bill(bill, table_layouts, grains, s) for s in scenarios]
        totals = [t + s for t, s in zip(totals, scaled)]
        measured += bill.billed
        print(f"  {bill.action:<62} {human(bill.billed):>10}" + "".join(f" {human(s):>10}" for s in scaled))
    print(f"  {'total':<62} {human(measured):>10}" + "".join(f" {human(t):>10}" for t in totals))
    return measured, totals


def report(bills, table_layouts, grains, args, visits) -> None:
    days = [float(d) for d in args.history.split(",")]
    scenarios = [Scenario(args.visits_per_day, d, NOW) for d in days]
    print(
        f"\nOne hourly run, bytes BigQuery bills. measured: over the local tables ({visits:,} visits); "
        f"scaled: at {args.visits_per_day:,.0f} visits a day after {', '.join(f'{d:g}' for d in days)} days"
    )
    measured, totals = print_bills(bills, table_layouts, grains, scenarios)
    print(f"  {'total, MB':<62} {measured / 2**20:>10,.0f}" + "".join(f" {t / 2**20:>10,.0f}" for t in totals))
    print(
        f"  {'on-demand price at $' + str(PRICE_PER_TIB) + '/TiB':<62} {'':>10}"
        + "".join(f" {'$' + format(t / 2**40 * PRICE_PER_TIB, '.3f'):>10}" for t in totals)
    )
    references = sum(len(st.reads) for b in bills for st in b.statements)
    floor = references * MIN_BILLED
    print(
        f"  {f'of which the 10 MB minimum of its {references} table references':<62} {'':>10}"
        + "".join(f" {human(floor):>10}" for _ in days)
    )
    print(
        f"  {'after ' + format(days[-1], 'g') + ' days / after ' + format(days[0], 'g') + ' days':<62} {'':>10} "
        f"{totals[-1] / totals[0]:>9.2f}x"
    )
    largest_reads(bills, table_layouts, grains, scenarios[-1], args.top)


if __name__ == "__main__":
    main()

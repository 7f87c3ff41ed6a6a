"""Local build benchmark: the real data, flattening 100k visits next to a bare DuckDB scan and
(with --with-beam) an Apache Beam DirectRunner pipeline, and an incremental +1% run.

    .venv/bin/python bench/local_build.py [--visits 100000] [--with-beam]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from glue import settings as settings_module
from glue.landing import landing_query
from glue.runner import RunOptions, RunReport, Translator, compile_graph, connect, run_workflow
from glue.simulator.run import Plan, Simulator
from glue.simulator.targets import FileSink

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "challenge-lab-visits"
START = datetime(2024, 7, 1, tzinfo=timezone.utc)
FLATTEN = ["clickstream.events"]  # and everything upstream: dedup, parse, validate, flatten
RUNS = 3  # each figure of the workflow is the median of this many runs


def fresh_settings(directory: Path):
    os.environ["CLICKSTREAM_LOCAL_DIR"] = str(directory)
    settings_module.get_settings.cache_clear()
    return settings_module.get_settings()


def timed_run(settings, graph, **options) -> tuple[float, RunReport]:
    """Seconds for the run after compile, and its report."""
    report, _, _ = run_workflow(settings, RunOptions(**options), graph=graph)
    assert report.ok, [r.message for r in report.failed()]
    return report.seconds, report


def where_the_time_went(report: RunReport, staging_schema: str) -> str:
    """The run's action time by kind of work, summed (two actions run at once)."""
    kinds = {"staging merges": 0.0, "other merges": 0.0, "tables rebuilt whole": 0.0, "assertions": 0.0}
    for result in report.results:
        action = result.action
        if action.kind == "assertion":
            kinds["assertions"] += result.seconds
        elif action.kind == "incremental":
            kinds["staging merges" if action.schema == staging_schema else "other merges"] += result.seconds
        else:
            kinds["tables rebuilt whole"] += result.seconds
    return ", ".join(f"{kind} {seconds:.2f}s" for kind, seconds in kinds.items())


def median_run(settings, graph, runs: int, before=None, **options) -> tuple[float, RunReport]:
    """Median seconds of `runs` runs, and the last run's report; `before` resets the warehouse
    before each one."""
    seconds = []
    for _ in range(runs):
        if before:
            before()
        elapsed, report = timed_run(settings, graph, **options)
        seconds.append(elapsed)
    return statistics.median(seconds), report


def remove_warehouse(warehouse: Path) -> None:
    for path in (warehouse, Path(f"{warehouse}.wal")):
        path.unlink(missing_ok=True)


def snapshot(warehouse: Path, copy: Path):
    """Checkpoints the warehouse, copies it, and returns what puts the copy back."""
    connect(warehouse).close()  # closing checkpoints: the file then holds everything, no WAL
    shutil.copy(warehouse, copy)

    def restore():
        remove_warehouse(warehouse)
        shutil.copy(copy, warehouse)

    return restore


def simulate(directory: Path, visits: int, start: datetime, seed: int) -> None:
    Simulator(
        Plan(600, visits, "backfill", start, timedelta(days=visits / 600 / 1440), seed), FileSink(directory, "day")
    ).run()


def bare_scan(landing: Path) -> tuple[float, int]:
    db = connect()
    started = time.perf_counter()
    events = db.execute(
        f"SELECT SUM(len(events)) FROM read_json('{landing}/**/*.jsonl', format='newline_delimited')"
    ).fetchone()[0]
    return time.perf_counter() - started, events


# The events' fields as DuckDB's typed JSON reader takes them: one parse per document, no checks.
EVENT_SHAPE = (
    '{"session_id": "VARCHAR", "events": [{"event_type": "VARCHAR", "timestamp": "VARCHAR", '
    '"details": {"page_url": "VARCHAR", "referrer_url": "VARCHAR", "order_id": "VARCHAR", '
    '"amount": "DOUBLE", "currency": "VARCHAR", "product_id": "VARCHAR", "price": "DOUBLE"}}]}'
)


def duckdb_floor(settings, directory: Path) -> tuple[float, int]:
    """The least DuckDB can do for the same flatten, hand-written: read the lines as the workflow
    does, dedup by MD5 of the trimmed line keeping the payloads (zstd, as the workflow keeps them),
    and write the events unpacked by its typed JSON reader. No validation, no rejections, no
    reasons: the workflow's floor here."""
    db = connect(directory / "floor.duckdb")
    lines = landing_query(settings.landing_dir, f"{settings.landing_bucket}/{settings.landing_prefix}")
    trimmed = Translator().condition("TRIM(line)")  # BigQuery's TRIM, as fast as the workflow's
    started = time.perf_counter()
    db.execute(
        "CREATE TABLE payloads (payload_hash VARCHAR, source_ref VARCHAR, payload VARCHAR USING COMPRESSION zstd)"
    )
    db.execute(f"""INSERT INTO payloads
        SELECT md5({trimmed}) AS payload_hash, _FILE_NAME AS source_ref, line AS payload
        FROM ({lines}) WHERE {trimmed} != ''
        QUALIFY row_number() OVER (PARTITION BY payload_hash ORDER BY source_ref) = 1""")
    db.execute(f"""CREATE TABLE events AS
        SELECT payload_hash, generate_subscripts(visit.events, 1) - 1 AS event_index,
               unnest(visit.events, recursive := true)
        FROM (SELECT payload_hash, json_transform(payload, '{EVENT_SHAPE}') AS visit FROM payloads)""")
    db.execute("CHECKPOINT")
    seconds = time.perf_counter() - started
    events = db.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    db.close()
    return seconds, events


def beam_flatten(landing: Path, out: Path, same_work: bool) -> tuple[float, int]:
    """Beam DirectRunner over the same files: events out.

    same_work=False parses, validates and flattens in memory and counts the events: Beam's
    floor. same_work=True also does what the workflow's flatten does besides: it deduplicates
    payloads by the same MD5 (a GroupByKey), keeps the rejected ones with their reasons, and
    writes the events and the rejections as files.
    """
    import hashlib
    import json

    import apache_beam as beam
    from apache_beam.options.pipeline_options import PipelineOptions

    from glue import contract

    def events(line):
        visit = contract.parse_visit(line)
        for index, event in enumerate(visit.events):
            yield (visit.session_id, index, event.event_type, event.timestamp)

    def checked(keyed):
        payload_hash, lines = keyed
        line = lines[0]
        try:
            visit = contract.parse_visit(line)
        except contract.InvalidVisit as invalid:
            yield beam.pvalue.TaggedOutput(
                "rejected", json.dumps({"visit_id": payload_hash, "payload": line, "reasons": invalid.reasons})
            )
            return
        for index, event in enumerate(visit.events):
            yield json.dumps(
                {
                    "visit_id": payload_hash,
                    "session_id": visit.session_id,
                    "user_id": visit.user_id,
                    "event_index": index,
                    "event_type": event.event_type,
                    "event_timestamp": event.timestamp.isoformat(),
                }
            )

    count_file = out / "beam_count"
    started = time.perf_counter()
    with beam.Pipeline(options=PipelineOptions(flags=[], runner="DirectRunner")) as pipeline:
        lines = (
            pipeline
            | beam.io.ReadFromText(f"{landing}/*.jsonl")
            | beam.Filter(lambda line: line.strip(contract.WHITESPACE) != "")
        )
        if same_work:
            flattened = (
                lines
                | beam.Map(lambda line: (hashlib.md5(line.strip(contract.WHITESPACE).encode()).hexdigest(), line))
                | beam.GroupByKey()
                | beam.FlatMap(checked).with_outputs("rejected", main="events")
            )
            flattened.rejected | "rejected" >> beam.io.WriteToText(str(out / "rejected"), ".jsonl")
            flattened.events | "events" >> beam.io.WriteToText(str(out / "events"), ".jsonl")
            counted = flattened.events
        else:
            counted = lines | beam.FlatMap(events)
        (counted | beam.combiners.Count.Globally() | beam.Map(lambda n: count_file.write_text(str(n))))
    return time.perf_counter() - started, int(count_file.read_text())


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--visits", type=int, default=100_000)
    parser.add_argument("--with-beam", action="store_true", help="needs `pip install -e .[beam]`")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-local-"))
    try:
        graph = compile_graph(fresh_settings(work / "x"))
        if REAL.is_dir():
            settings = fresh_settings(work / "real")
            seconds, report = timed_run(settings, graph, inputs=(str(REAL / "*.jsonl"),))
            print(f"real data, full build (8,804 visits, {len(report.results)} actions, after compile): {seconds:.2f}s")
        else:
            print(f"real data: skipped, {REAL} not found")

        settings = fresh_settings(work / "sim")
        simulate(settings.landing_hour_path(), args.visits, START, seed=1)
        scan_seconds, events = bare_scan(settings.landing_path)
        # The first run translates the SQL and caches it (.local/translations.json), as a user's
        # first build does once; the flatten's throughput is measured on fresh warehouses after it.
        first_seconds, _ = timed_run(settings, graph, actions=tuple(FLATTEN))
        flatten_seconds, _ = median_run(
            settings, graph, RUNS, before=lambda: remove_warehouse(settings.warehouse), actions=tuple(FLATTEN)
        )
        db = connect(settings.warehouse)
        flattened = db.execute("SELECT COUNT(*) FROM clickstream.events").fetchone()[0]
        db.close()
        assert flattened == events, (flattened, events)
        print(
            f"flatten {args.visits:,} visits ({events:,} events): local workflow {flatten_seconds:.2f}s "
            f"= {args.visits / flatten_seconds:,.0f} visits/s (first run, translating its SQL: {first_seconds:.2f}s)"
        )
        print(
            f"  bare DuckDB read_json scan of the same files: {scan_seconds:.2f}s "
            f"-> workflow is {flatten_seconds / scan_seconds:.1f}x the bare scan"
        )
        floor_seconds, floor_events = duckdb_floor(settings, work)
        assert floor_events == events, (floor_events, events)
        print(
            f"  hand-written DuckDB floor (dedup kept, events unpacked, no validation): {floor_seconds:.2f}s "
            f"= {floor_seconds / scan_seconds:.1f}x the bare scan; the workflow is {flatten_seconds / floor_seconds:.1f}x it"
        )
        if args.with_beam:
            for same_work, label in (
                (False, "parse, validate and flatten, nothing written"),
                (True, "the same work: also dedup by MD5, rejections kept, events written"),
            ):
                out = Path(tempfile.mkdtemp(dir=work))
                beam_seconds, beam_events = beam_flatten(settings.landing_path, out, same_work)
                assert beam_events == flattened, (beam_events, flattened)
                print(
                    f"  Beam DirectRunner ({label}): {beam_seconds:.2f}s "
                    f"-> workflow is {beam_seconds / flatten_seconds:.1f}x faster"
                )

        # The hourly schedule, with the clock set: the build at T0, the +1% an hour later, runs with
        # nothing new an hour after that. Each hourly assertion then checks its hour, as on BigQuery.
        t0 = datetime.now(timezone.utc).replace(minute=10, second=0, microsecond=0)
        full_seconds, _ = median_run(
            settings, graph, RUNS, before=lambda: remove_warehouse(settings.warehouse), clock=t0
        )
        # The first incremental run translates the incremental variants and caches them, as an
        # hourly schedule's first run does; it has nothing new to load.
        first_incremental, _ = timed_run(settings, graph, clock=t0 + timedelta(minutes=1))
        restore = snapshot(settings.warehouse, work / "before-increment.duckdb")
        # A later month, so the new day files do not share names with the ones already loaded.
        # Landed an hour later: its own hive partition, as the next hour's objects are.
        simulate(
            settings.landing_hour_path(t0 + timedelta(hours=1)), args.visits // 100, START + timedelta(days=30), seed=2
        )
        incremental_seconds, increment = median_run(
            settings, graph, RUNS, before=restore, clock=t0 + timedelta(hours=1)
        )
        # Runs after the increment find nothing new: what every run pays whatever the data.
        unchanged_seconds, _ = median_run(settings, graph, RUNS, clock=t0 + timedelta(hours=2))
        print(
            f"whole graph on {args.visits:,} visits, hourly: full build {full_seconds:.2f}s, "
            f"an hour later +1% {incremental_seconds:.2f}s = {incremental_seconds / full_seconds:.1%} of a build "
            f"(first incremental run, nothing new, translating: {first_incremental:.2f}s)"
        )
        print(
            f"  of which every run pays, new data or none: {unchanged_seconds:.2f}s = "
            f"{unchanged_seconds / full_seconds:.1%} of a build (a run with nothing new, an hour after that)"
        )
        print(f"  the increment's action time: {where_the_time_went(increment, settings.staging_dataset)}")
        print(f"(workflow figures: median of {RUNS} runs each)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

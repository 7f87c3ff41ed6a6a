"""The analyst's loop: from a saved edit to checked rows and their diff, and the one-shot commands.

    .venv/bin/python bench/dev_loop.py [--edits 20] [--visits 9000]

On a copy of the project and a warehouse built from simulated visits, a `local dev` session
takes scripted edits, each saved and handed to the session as a file event:
- a mart (marts/visits_by_page.sqlx: a page filter added, then taken out again);
- an incremental curated model with what depends on it (curated/sessions.sqlx: a column's
  expression changed and changed back; the ml models are named, not retrained).
Each save also numbers itself in a comment, so that every one compiles anew.
It prints the median and p95 from the save to the printed report, with each step's median.
Then the one-shot commands, each run once to warm the disk cache, then timed: `local check`
and `local run --actions visits_by_page`, as fresh processes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from glue import settings as settings_module
from glue.dev_loop import DevSession, describe
from glue.runner import RunOptions, run_workflow
from glue.simulator.run import Plan, Simulator
from glue.simulator.targets import FileSink

ROOT = Path(__file__).resolve().parents[1]
MART = (
    "definitions/marts/visits_by_page.sqlx",
    'FROM ${ref("page_totals")}',
    "FROM ${ref(\"page_totals\")} WHERE page_url NOT LIKE '%/cart%'",
)
CURATED = (
    "definitions/curated/sessions.sqlx",
    "COUNTIF(event_type = 'page_view') AS page_view_count",
    "COUNTIF(event_type = 'page_view') + 0 AS page_view_count",
)


def project_copy(destination: Path) -> Path:
    """The Dataform project copied to edit, with links to what it only reads (ZetaSQL, its protos)."""
    for name in ("definitions", "includes"):
        shutil.copytree(ROOT / name, destination / name)
    for name in ("workflow_settings.yaml", "package.json", "clickstream.yaml"):
        shutil.copy(ROOT / name, destination / name)
    # Dataform's sandbox loads @dataform/core only from inside the project: a copy, not a link.
    shutil.copytree(ROOT / "node_modules/@dataform/core", destination / "node_modules/@dataform/core")
    (destination / "node_modules/@dataform/cli").symlink_to(ROOT / "node_modules/@dataform/cli")
    for module in (ROOT / "node_modules").iterdir():
        if module.name != "@dataform":
            (destination / "node_modules" / module.name).symlink_to(module)
    (destination / ".local").mkdir()
    (destination / ".local/zetasql").symlink_to(ROOT / ".local/zetasql")
    return destination


def built_warehouse(local: Path, visits: int):
    os.environ["CLICKSTREAM_LOCAL_DIR"] = str(local)
    settings_module.get_settings.cache_clear()
    settings = settings_module.get_settings()
    inputs = local.parent / "inputs"
    start = datetime(2024, 7, 1, tzinfo=timezone.utc)
    Simulator(
        Plan(600, visits, "backfill", start, timedelta(days=visits / 600 / 1440), 7), FileSink(inputs, "day")
    ).run()
    report, _, _ = run_workflow(settings, RunOptions(inputs=(str(inputs / "*.jsonl"),)))
    assert report.ok, [r.message for r in report.failed()]
    return settings


def edits(session: DevSession, project: Path, target: tuple[str, str, str], count: int) -> list[dict]:
    path, old, new = project / target[0], target[1], target[2]
    original = path.read_text()
    assert old in original, f"{target[0]} no longer holds {old!r}: update the benchmark"
    figures = []
    for n in range(count):
        # Each save is new text (a numbered comment), so each compiles: none is served from memory.
        edited = original.replace(old, new) if n % 2 == 0 else original
        path.write_text(f"{edited.rstrip()}\n-- edit {n}\n")
        started = time.perf_counter()
        report = session.changed([path])
        text = describe(report)
        wall = time.perf_counter() - started
        assert report.ok and report.edited, text
        figures.append({"wall": wall, **report.seconds})
    path.write_text(original)
    return figures


def summary(name: str, figures: list[dict]) -> None:
    walls = sorted(f["wall"] for f in figures)
    p95 = walls[min(len(walls) - 1, round(0.95 * (len(walls) - 1)))]
    steps = " · ".join(
        f"{s} {statistics.median(f.get(s, 0) for f in figures):.2f}s" for s in ("compile", "check", "run", "diff")
    )
    print(f"{name:<44} median {statistics.median(walls):.2f}s  p95 {p95:.2f}s  ({len(walls)} edits; {steps})")


def one_shot(args: list[str], env: dict, runs: int = 5) -> float:
    command = [str(ROOT / ".venv/bin/clickstream"), *args]
    subprocess.run(command, env=env, check=True, capture_output=True)  # warms the disk cache
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, env=env, check=True, capture_output=True)
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--visits", type=int, default=9000)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dev-loop-") as scratch:
        scratch = Path(scratch)
        project = project_copy(scratch / "project")
        started = time.perf_counter()
        settings = built_warehouse(scratch / "local", options.visits)
        settings = settings_module.get_settings(project)
        print(f"warehouse of {options.visits:,} simulated visits built in {time.perf_counter() - started:.1f}s")
        with DevSession(settings) as session:
            started = time.perf_counter()
            ready = session.start()
            assert not ready.problems, describe(ready)
            print(f"local dev ready in {time.perf_counter() - started:.2f}s ({ready.seconds})")
            summary("an edited mart (visits_by_page)", edits(session, project, MART, options.edits))
            summary("an edited incremental model (sessions) +deps", edits(session, project, CURATED, options.edits))
        env = {**os.environ, "CLICKSTREAM_LOCAL_DIR": str(scratch / "local")}
        print(f"{'one-shot local check':<44} median {one_shot(['local', 'check'], env):.2f}s")
        print(
            f"{'one-shot local run --actions visits_by_page':<44} median {one_shot(['local', 'run', '--actions', 'visits_by_page'], env):.2f}s"
        )


if __name__ == "__main__":
    main()

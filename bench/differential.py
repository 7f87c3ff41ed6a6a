"""The differential conformance run: the corpus through every action on the local runner and on
BigQuery's reference evaluator (ZetaSQL), every table compared row by row. Prints rows compared
and differing per table, and the time.

    .venv/bin/python bench/differential.py [--generated 1000] [--no-real] [--batch 200]

Corpus: the JSON edge cases (glue/oracle/corpus.py), simulated visits with malformed, duplicate
and late ones, a second simulated set with every fault at a high rate, and the lab's real
sample when ../shared/data/challenge-lab-visits is there. Exit code 1 on any difference.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from glue.oracle import Oracle, ZetaSQL
from glue.oracle.corpus import edge_cases, generated
from glue.runner import compile_graph
from glue.settings import get_settings
from glue.simulator.faults import FaultConfig
from glue.sql_tests import differential_run

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "challenge-lab-visits"


def corpus(count: int, real: bool) -> dict[str, list[str]]:
    parts = {
        "edge cases": edge_cases(),
        "generated": generated(count, seed=7),
        "fault modes": generated(
            max(count // 5, 50), seed=11, faults=FaultConfig(malformed_rate=0.5, duplicate_rate=0.3, late_rate=0.3)
        ),
    }
    if real and REAL.is_dir():
        parts["real sample"] = [
            line for path in sorted(REAL.glob("*.jsonl")) for line in path.read_text(encoding="utf-8").splitlines()
        ]
    elif real:
        print(f"real sample not found at {REAL}: left out", file=sys.stderr)
    return parts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generated", type=int, default=1000, help="simulated visits (default 1000)")
    parser.add_argument("--no-real", action="store_true", help="leave the real sample out")
    parser.add_argument("--batch", type=int, default=200, help="payloads per batch (default 200)")
    args = parser.parse_args()
    settings = get_settings()
    graph = compile_graph(settings)

    def progress(part, done, report):
        print(
            f"  {part}: {min(done, report.payloads[part]):,}/{report.payloads[part]:,} payloads, "
            f"{sum(report.differing.values())} differing rows so far",
            file=sys.stderr,
            flush=True,
        )

    with ZetaSQL.start(settings.root) as server:
        report = differential_run(graph, Oracle(server), corpus(args.generated, not args.no_real), args.batch, progress)
    print("\n".join(report.lines()))
    print(f"differing rows in all tables: {sum(report.differing.values())} of {sum(report.rows.values()):,} compared")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())

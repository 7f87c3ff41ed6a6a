"""The differential conformance run: a corpus through the whole graph on both engines, table by table.

Each batch of payloads lands in a fresh warehouse and runs every action, assertions included,
on the local runner and on BigQuery's reference evaluator; every table is compared row by row.
Batches keep each request to the evaluator under its 4 MB limit, and its joins, which it runs
as nested loops, small.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from glue.dataform import Graph
from glue.sql_tests.differential import WRITES
from glue.sql_tests.harness import Harness

if TYPE_CHECKING:
    from glue.oracle.client import Oracle
    from glue.oracle.compare import Difference


@dataclass
class DifferentialReport:
    payloads: Counter = field(default_factory=Counter)  # corpus part -> payloads
    batches: int = 0
    rows: Counter = field(default_factory=Counter)  # table -> rows compared (local side)
    differing: Counter = field(default_factory=Counter)  # table -> rows that differ
    differences: list[Difference] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.differences

    def lines(self) -> list[str]:
        out = [
            f"corpus: {sum(self.payloads.values()):,} payloads ("
            + ", ".join(f"{part} {n:,}" for part, n in self.payloads.items())
            + f") in {self.batches} batches, {self.seconds:.1f}s"
        ]
        out += [
            f"  {table:<50} {self.rows[table]:>8,} rows  {self.differing[table]:>4} differing"
            for table in sorted(self.rows)
        ]
        out += [f"  DIFFERENCE {d}" for d in self.differences]
        return out


def differential_run(
    graph: Graph,
    oracle: Oracle,
    corpus: dict[str, list[str]],
    batch_size: int = 200,
    on_batch: Callable[[str, int, DifferentialReport], None] | None = None,
) -> DifferentialReport:
    """Runs each part of the corpus, in batches of `batch_size` payloads, on both engines."""
    report, started = DifferentialReport(), time.perf_counter()
    for part, payloads in corpus.items():
        report.payloads[part] += len(payloads)
        for first in range(0, len(payloads), batch_size):
            _batch(graph, oracle, payloads[first : first + batch_size], f"{part}-{first}", report)
            if on_batch:
                on_batch(part, first + batch_size, report)
    report.seconds = time.perf_counter() - started
    return report


def _batch(graph: Graph, oracle: Oracle, payloads: list[str], name: str, report: DifferentialReport) -> None:
    harness = Harness(graph, oracle, strict=False)
    slug = "".join(c if c.isalnum() else "-" for c in name)
    harness.gcs(payloads, f"gs://landing/visits/{slug}.jsonl")
    result = harness.run(with_assertions=True)
    report.batches += 1
    for action_result in result.results:
        action = action_result.action
        if action.kind in WRITES and action_result.status == "ok":
            report.rows[action.name] += harness.scalar(f'SELECT COUNT(*) FROM "{action.schema}"."{action.table}"')
    for difference in harness.differences:
        report.differing[difference.table] += difference.rows
        report.differences.append(difference)

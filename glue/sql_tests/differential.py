"""A run compared across engines: the local runner's report and tables against the evaluator's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from glue.dataform import Action
from glue.runner import RunReport

if TYPE_CHECKING:
    from glue.oracle.compare import Difference
    from glue.oracle.engine import OracleEngine

WRITES = ("table", "incremental", "view")


def compare_run(
    connection, engine: OracleEngine, actions: list[Action], report: RunReport, full_refresh: bool = False
) -> list[Difference]:
    """Runs `actions` on the engine and returns every difference from the local `report` and tables."""
    from glue.oracle.compare import Difference, compare, duckdb_table

    outcomes = engine.run(actions, full_refresh)
    found: list[Difference] = []
    for result in report.results:
        name, outcome = result.action.name, outcomes[result.action.name]
        if outcome.status == "unsupported":
            continue
        local_ok, oracle_ok = result.status == "ok", outcome.status == "ok"
        if local_ok != oracle_ok:
            found.append(
                Difference(
                    name,
                    f"locally {result.status} ({result.message or 'no error'}); "
                    f"on BigQuery {outcome.status} ({outcome.message or 'no error'})",
                )
            )
        elif result.action.kind == "assertion" and not local_ok and result.rows != outcome.failing_rows:
            found.append(
                Difference(name, f"fails with {result.rows} row(s) locally, {outcome.failing_rows} on BigQuery")
            )
        elif local_ok and result.action.kind in WRITES:
            found += compare(name, duckdb_table(connection, name), engine.table(name))
    return found

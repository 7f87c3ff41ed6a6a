"""`clickstream local dev`: from a saved file to checked rows and what the edit did to them.

A `DevSession` keeps warm what a one-shot command starts each time: the Dataform compiler (the
CLI's own compile worker in one Node process, glue/dataform/compiler.py), ZetaSQL and each
action's last check (glue/oracle/check_memo.py). On `changed(files)` it

1. compiles the project and finds the actions whose compiled definition changed;
2. checks the graph as BigQuery would: only those actions, and those whose inputs' schemas
   changed, are analyzed again;
3. keeps a copy of each table the edit reaches (the edited actions and what depends on them),
   rebuilds them on the local warehouse, and runs their assertions;
4. diffs each rebuilt table with its copy (glue/data_diff), keyed by its uniqueKey or, with
   none, by its first column when that is unique (visit_id, page_url), and drops the copies.

Actions with a tag in `apart` (default: ml, the model trainings) that only depend on an edit are
named, not rerun. A compile or check problem stops the edit's run and is shown at its line; the
warehouse keeps the tables of the last edit that passed.
"""

from __future__ import annotations

import dataclasses
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from glue.data_diff import TableDiff, compare, inferred_key
from glue.dataform import CompilationError, Graph, Problem
from glue.oracle import CheckMemo, Oracle, ZetaSQL, check_graph
from glue.runner import ActionResult, RunOptions, compile_graph, connect, relation_exists, run_workflow
from glue.settings import Settings

BEFORE = "dev_before"  # the schema of the copies an edit's diffs compare with
OUTPUTS = ("table", "view", "incremental")


@dataclass
class EditReport:
    files: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    left_out: int = 0  # compile errors that follow from those shown
    edited: list[str] = field(default_factory=list)  # actions whose compiled definition changed
    results: list[ActionResult] = field(default_factory=list)
    diffs: dict[str, TableDiff] = field(default_factory=dict)
    new: dict[str, int] = field(default_factory=dict)  # tables there was no copy of -> their rows
    rows: dict[str, tuple[list[str], list[tuple], int]] = field(default_factory=dict)  # edited -> first rows
    apart: list[str] = field(default_factory=list)  # dependants not rerun
    seconds: dict[str, float] = field(default_factory=dict)  # compile, check, run, diff

    @property
    def ok(self) -> bool:
        return not self.problems and all(r.status != "failed" for r in self.results)

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())


class DevSession:
    def __init__(
        self,
        settings: Settings,
        variables: dict | None = None,
        warehouse: Path | None = None,
        rows: int = 5,
        apart: tuple[str, ...] = ("ml",),
    ):
        self.settings, self.variables, self.rows, self.apart = settings, variables, rows, apart
        self.warehouse = warehouse or settings.warehouse
        self.memo = CheckMemo(settings.local_dir / "check_memo.pickle")
        self.graph: Graph | None = None  # the last graph that compiled
        self._stack = ExitStack()
        self._oracle: Oracle | None = None

    def __enter__(self) -> "DevSession":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._stack.close()

    # ------------------------------------------------------------------ the loop
    def start(self) -> EditReport:
        """Compiles and checks the project as it is: the graph later edits are compared with."""
        report = EditReport()
        graph = self._compiled(report)
        if graph is not None:
            self._checked(graph, report)
            self.graph = graph
        return report

    def changed(self, files: list[Path]) -> EditReport:
        """What the saved `files` did: problems, or the rebuilt tables' rows and diffs."""
        report = EditReport(files=list(files))
        graph = self._compiled(report)
        if graph is None:
            return report
        before, self.graph = self.graph, graph
        report.edited = _edited(before, graph)
        if not report.edited:
            return report
        schemas = self._checked(graph, report)
        if report.problems:
            return report
        reached = graph.downstream(set(report.edited)) | set(report.edited)
        runnable = [a for a in graph.order(reached) if a.runnable]
        rerun = [a for a in runnable if a.name in report.edited or not set(a.tags) & set(self.apart)]
        report.apart = [a.name for a in runnable if a not in rerun]
        started = time.perf_counter()
        copies = self._keep_copies([a for a in rerun if a.kind in OUTPUTS])
        try:
            options = RunOptions(
                actions=tuple(a.name for a in rerun),
                include_dependencies=False,
                full_refresh=True,
                warehouse=self.warehouse,
                variables=self.variables,
            )
            run_report, _, _ = run_workflow(self.settings, options, graph=graph, bigquery_types=schemas)
            report.results = list(run_report.results)
            report.seconds["run"] = time.perf_counter() - started
            started = time.perf_counter()
            self._compare(graph, [a.name for a in rerun if a.kind in OUTPUTS], copies, report)
            report.seconds["diff"] = time.perf_counter() - started
        finally:
            self._drop_copies()  # they hold the tables' rows, personal columns included
        return report

    # ------------------------------------------------------------------ the steps
    def _compiled(self, report: EditReport) -> Graph | None:
        started = time.perf_counter()
        try:
            return compile_graph(self.settings, self.variables)
        except CompilationError as error:
            report.problems, report.left_out = list(error.problems), error.left_out
            return None
        finally:
            report.seconds["compile"] = time.perf_counter() - started

    def _checked(self, graph: Graph, report: EditReport) -> dict[str, list[tuple[str, str]]]:
        started = time.perf_counter()
        checked = check_graph(graph, self._started_oracle, self.settings, self.memo)
        report.problems = list(checked.problems)
        report.seconds["check"] = time.perf_counter() - started
        return checked.schemas

    def _started_oracle(self) -> Oracle:
        if self._oracle is None:
            self._oracle = Oracle(self._stack.enter_context(ZetaSQL.start(self.settings.root)))
        return self._oracle

    def _keep_copies(self, actions) -> dict[str, str]:
        """A copy of each table as it is before the rebuild: action name -> the copy's name."""
        copies = {}
        connection = connect(self.warehouse)
        try:
            connection.execute(f"CREATE SCHEMA IF NOT EXISTS {BEFORE}")
            for action in actions:
                if relation_exists(connection, action.schema, action.table):
                    copy = f'{BEFORE}."{action.schema}__{action.table}"'
                    connection.execute(
                        f'CREATE OR REPLACE TABLE {copy} AS SELECT * FROM "{action.schema}"."{action.table}"'
                    )
                    copies[action.name] = copy
        finally:
            connection.close()
        return copies

    def _compare(self, graph: Graph, names: list[str], copies: dict[str, str], report: EditReport) -> None:
        connection = connect(self.warehouse)
        try:
            for name in names:
                action = graph.actions[name]
                relation = f'"{action.schema}"."{action.table}"'
                if not relation_exists(connection, action.schema, action.table):
                    continue  # its build failed: the results say why
                if name in copies:
                    key = list(action.unique_key) or inferred_key(connection, copies[name], relation)
                    diff = compare(connection, copies[name], relation, key)
                    report.diffs[name] = dataclasses.replace(diff, before="before the save", after=name)
                else:
                    report.new[name] = connection.execute(f"SELECT COUNT(*) FROM {relation}").fetchone()[0]
                if name in report.edited:
                    cursor = connection.execute(f"SELECT * FROM {relation} LIMIT {self.rows}")
                    columns, rows = [d[0] for d in cursor.description], cursor.fetchall()
                    total = connection.execute(f"SELECT COUNT(*) FROM {relation}").fetchone()[0]
                    report.rows[name] = (columns, rows, total)
        finally:
            connection.close()

    def _drop_copies(self) -> None:
        connection = connect(self.warehouse)
        try:
            connection.execute(f"DROP SCHEMA IF EXISTS {BEFORE} CASCADE")
        finally:
            connection.close()


def _edited(before: Graph | None, after: Graph) -> list[str]:
    """The actions of `after` that are new or compile to something else than in `before`."""
    if before is None:
        return sorted(after.actions)
    return [
        name
        for name, action in sorted(after.actions.items())
        if name not in before.actions or dataclasses.asdict(before.actions[name]) != dataclasses.asdict(action)
    ]

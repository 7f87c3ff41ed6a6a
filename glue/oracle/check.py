"""`clickstream local check`: every action of the compiled graph analyzed as BigQuery would.

The catalog is chained through the graph: the sources' schemas come from provisioning, and
each action's output schema from its own analysis, so a model is checked against the columns
and types its inputs really have. For each action the check analyzes what `dataform run`
would send BigQuery:

- table: the pre-operations, CREATE OR REPLACE TABLE ... PARTITION BY ... CLUSTER BY ... AS
  the query, the post-operations;
- view: CREATE OR REPLACE VIEW;
- incremental: both branches: the full one as a table; the incremental pre-operations, then
  the MERGE on the uniqueKey (with its updatePartitionFilter) or the INSERT Dataform writes,
  against the table as the full branch made it, then the incremental post-operations;
- assertion: its query, and the view Dataform makes of it;
- operations: each statement in order.

Before its analysis, an action that names a table of the project as `dataset.table` rather than
through ${ref()} is refused (glue/oracle/hard_coded.py); after it, each output column of a table,
view or incremental table needs a description in its config block, and each description an output
column. Scripts run statement by statement (glue/oracle/script_check.py): a DECLARE's default
is analyzed as a query and must have the declared type; the names become constants of that type
for the rest of the action, as script variables are. An action with a problem is left out of the catalog, and what depends
on it is reported as not checked rather than as a cascade of missing tables.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from glue.dataform import Action, Graph, Problem, locate
from glue.oracle import statements
from glue.oracle.catalog import Catalog, Constant, Table
from glue.oracle.check_memo import CheckMemo, Outcome, table_of
from glue.oracle.client import Oracle, OracleError
from glue.oracle.hard_coded import hard_coded
from glue.oracle.implicit_aliases import implicit_aliases
from glue.oracle.ml_check import Models, UnknownModel
from glue.oracle.problems import stray_description, undescribed_column, with_suggestion
from glue.oracle.script_check import ScriptChecks
from glue.oracle.sources import source_tables
from glue.settings import Settings


@dataclass
class CheckReport:
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)  # legal SQL that is probably not what was meant
    schemas: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # action -> analyzed columns
    not_checked: dict[str, list[str]] = field(default_factory=dict)  # action -> the failed actions it needs
    actions: int = 0
    statements: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems


class _ActionFailed(Exception):
    pass


class Checker(ScriptChecks):
    def __init__(
        self,
        oracle: Oracle | Callable[[], Oracle],
        root: Path,
        sources: dict[str, Table],
        memo: CheckMemo | None = None,
    ):
        self._oracle, self.root, self.memo = oracle, root, memo
        self.catalog = Catalog(dict(sources))
        self.report = CheckReport()
        self._types: dict[str, str] = {}  # a DECLAREd type as written -> BigQuery's name of it
        self.models = Models()  # what CREATE MODEL made, for the BigQuery ML calls after it
        self._tables: set[str] = set()  # the dataset.table names the graph's actions make

    @property
    def oracle(self) -> Oracle:
        """The oracle; given a function that starts one, started when first needed."""
        if not isinstance(self._oracle, Oracle):
            self._oracle = self._oracle()
        return self._oracle

    # ------------------------------------------------------------------ the graph
    def check(self, graph: Graph) -> CheckReport:
        started = time.perf_counter()
        failed: set[str] = set()
        self._tables = {name for name, a in graph.actions.items() if a.kind != "operations" or a.has_output}
        # Disabled actions too: each is enabled by some compilation's vars (a reprocessing run's),
        # and what depends on it reads its table all the same. An operations action that reads
        # tables built after it (through resolve(), as the reprocessing retraction does) is
        # checked once the graph's schemas are known.
        ordered = graph.order()
        ahead = {a.name: self._read_ahead(a, ordered) for a in ordered}
        for action in [a for a in ordered if not ahead[a.name]] + [a for a in ordered if ahead[a.name]]:
            needs = [*action.dependencies, *ahead[action.name]]
            blocked = [d for d in needs if d in failed or d in self.report.not_checked]
            if blocked:
                self.report.not_checked[action.name] = blocked
                continue
            self.report.actions += 1
            if not self._checked(action):
                failed.add(action.name)
        self.report.seconds = time.perf_counter() - started
        if self.memo is not None:
            self.memo.save()
        return self.report

    def _checked(self, action: Action) -> bool:
        """Checks the action, or takes its outcome from the memo; False when it failed."""
        key = self.memo.key(self.root, action, self.catalog, self.models.shapes, self._tables) if self.memo else None
        outcome = self.memo.get(key) if key else None
        if outcome is not None:
            self._apply(outcome)
            return True
        before = (len(self.report.warnings), len(self.report.problems), self.report.statements)
        tables, shapes, schemas = dict(self.catalog.tables), dict(self.models.shapes), dict(self.report.schemas)
        self._warn_of_implicit_aliases(action)
        try:
            self._action(action)
        except _ActionFailed:
            return False
        if key and len(self.report.problems) == before[1]:
            changed = lambda now, then: {k: v for k, v in now.items() if then.get(k) is not v}  # noqa: E731
            self.memo.put(
                key,
                Outcome(
                    warnings=self.report.warnings[before[0] :],
                    schemas=changed(self.report.schemas, schemas),
                    tables={k: (t.columns, t.pseudo_columns) for k, t in changed(self.catalog.tables, tables).items()},
                    dropped=[name for name in tables if name not in self.catalog.tables],
                    shapes=changed(self.models.shapes, shapes),
                    statements=self.report.statements - before[2],
                ),
            )
        return len(self.report.problems) == before[1]

    def _apply(self, outcome: Outcome) -> None:
        self.report.warnings.extend(outcome.warnings)
        self.report.schemas.update(outcome.schemas)
        self.catalog.tables.update({k: table_of(*columns) for k, columns in outcome.tables.items()})
        for name in outcome.dropped:
            self.catalog.tables.pop(name, None)
        self.models.shapes.update(outcome.shapes)
        self.report.statements += outcome.statements

    @staticmethod
    def _read_ahead(action: Action, ordered: list[Action]) -> list[str]:
        """The tables built after this operations action that it names (none for other kinds)."""
        if action.kind != "operations":
            return []
        text = "\n".join(action.queries)
        later = [a.name for a in ordered[ordered.index(action) + 1 :] if a.kind != "declaration"]
        return [name for name in later if re.search(rf"(?<![\w.]){re.escape(name)}(?![\w])", text)]

    def _action(self, action: Action) -> None:
        written = hard_coded(self.root, action, self._tables)
        if written:  # analyzed, it would read a table that may not be built yet, or not be found
            self.report.problems.extend(written)
            raise _ActionFailed(written[0].message)
        if action.kind == "declaration":
            if action.name not in self.catalog.tables:
                self._fail(
                    action,
                    "a declared source with no schema: add it to glue/oracle/sources.py "
                    "beside the code that provisions it",
                    "declaration",
                )
            return
        if action.kind == "operations":
            constants: dict[str, Constant] = {}
            for script in action.queries:
                constants = self._script(action, script, constants, "body")
            return
        if action.kind in ("view", "assertion"):
            columns = self._analyze(action, lambda q: statements.create_view(action, q), action.query, {}, "query")
            self._record(action, columns)
            return
        self._table(action)
        if action.kind == "incremental":
            self._incremental(action)

    def _table(self, action: Action) -> None:
        constants = self._scripts(action, action.pre_ops, {}, "pre_operations")
        wrap = lambda query: statements.create_table(action, query)  # noqa: E731
        columns = self._analyze(action, wrap, action.query, constants, "query")
        self._record(action, columns)
        self._scripts(action, action.post_ops, constants, "post_operations")

    def _incremental(self, action: Action) -> None:
        constants = self._scripts(action, action.incremental_pre_ops, {}, "pre_operations")
        columns = [name for name, _ in self.report.schemas[action.name]]
        write = statements.merge if action.unique_key else statements.insert
        wrap = lambda query: write(action, query, columns)  # noqa: E731
        self._analyze(action, wrap, action.incremental_query or action.query, constants, "incremental query")
        self._scripts(action, action.incremental_post_ops, constants, "post_operations")

    def _record(self, action: Action, columns: list[tuple[str, str]]) -> None:
        self.report.schemas[action.name] = columns
        self.catalog.tables[action.name] = Table(columns)
        outputs = [name for name, _ in columns]
        for described in action.columns:
            if described.split(".")[0] not in outputs:
                self.report.problems.append(stray_description(self.root, action, described, outputs))
        if action.kind in ("table", "view", "incremental"):
            for name in [name for name in outputs if name not in action.columns]:
                self.report.problems.append(undescribed_column(self.root, action, name))

    # ------------------------------------------------------------------ statements
    def _analyze(
        self, action: Action, wrap, query: str, constants: dict[str, Constant], what: str
    ) -> list[tuple[str, str]]:
        """The statement `wrap` writes around the query, analyzed with its BigQuery ML calls stood
        in for; a problem is placed in the query as written (the stand-ins keep its lines)."""
        self.report.statements += 1
        wrapped = wrap(self._ml(action, query))
        try:
            return self.oracle.analyze(wrapped.sql, self.catalog.with_constants(constants))
        except OracleError as error:
            line, column = error.line, error.column
            in_head = line == 1 and column is not None and column <= wrapped.head_columns
            if in_head or (line is not None and line > wrapped.query_lines):
                line = column = None  # in what Dataform writes around the query: the config's doing
                what += ", in the statement Dataform writes around it (see the config block)"
            elif line == 1 and column is not None:
                column -= wrapped.head_columns
            self._fail(action, error.message, what, line, column, query=wrap(query).sql)

    def _ml(self, action: Action, query: str) -> str:
        try:
            return self.models.stand_ins(query)
        except UnknownModel as error:
            self._fail(action, str(error), "query", query=query, offset=error.offset)

    def _fail(
        self,
        action: Action,
        message: str,
        what: str,
        line: int | None = None,
        column: int | None = None,
        query: str = "",
        block: str = "body",
        offset: int | None = None,
    ):
        if offset is not None:
            line = query.count("\n", 0, offset) + 1
        if line is not None:  # a name in Dataform's own statement is the config's, not a typo
            message = with_suggestion(message, query, self._known_names())
        problem = locate(self.root, action, message, what, query, line, column, block)
        self.report.problems.append(problem)
        raise _ActionFailed(message)

    def _warn_of_implicit_aliases(self, action: Action) -> None:
        query = action.query or ""
        for found in implicit_aliases(query):
            line = query.count("\n", 0, found.offset) + 1
            column = found.offset - (query.rfind("\n", 0, found.offset) + 1) + 1
            message = (
                f"warning: `{found.column} {found.alias}` reads as column {found.column} named {found.alias}: "
                f"a comma missing? (write `{found.column} AS {found.alias}` if that is meant)"
            )
            self.report.warnings.append(locate(self.root, action, message, "query", query, line, column, "body"))

    def _known_names(self) -> set[str]:
        """The tables and columns analyzed so far: what a misspelt name was probably meant to be."""
        names = set(self.catalog.tables)
        for table in self.catalog.tables.values():
            names |= {column for column, _ in table.columns}
        return names


def check_graph(
    graph: Graph, oracle: Oracle | Callable[[], Oracle], settings: Settings, memo: CheckMemo | None = None
) -> CheckReport:
    """The graph checked; `oracle` may be a function that starts one when an action needs analyzing,
    and `memo` gives the outcomes of actions checked before (glue/oracle/check_memo.py)."""
    return Checker(oracle, settings.root, source_tables(settings), memo).check(graph)

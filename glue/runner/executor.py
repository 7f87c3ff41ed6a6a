"""Executing a compiled Dataform graph on DuckDB, with Dataform's semantics.

`dataform run` writes the CREATE / MERGE / INSERT statements itself after reading BigQuery
metadata; the compiled graph holds only the SELECT bodies. This module is the local
counterpart of that step:

- table: pre-ops, CREATE OR REPLACE TABLE ... AS query, post-ops;
- view: CREATE OR REPLACE VIEW;
- incremental: when the table is missing or --full-refresh (unless it is `protected`, which a
  full refresh never rebuilds), built like a table from `query`;
  otherwise the incremental pre-ops, then `incrementalQuery` merged on `uniqueKey` (or
  appended without one), then the incremental post-ops. As in BigQuery's MERGE, an existing
  row matched by two new rows is an error, not a silent pick, and `updatePartitionFilter`
  limits the existing rows the merge compares against (Dataform's `ON ... AND T.<filter>`);
- assertion: passes when its query returns no row; a failure names the assertion, shows
  sample rows, and its dependents are skipped. Its view, in the assertion dataset as
  Dataform makes it, stays behind to query the failing rows;
- operations: each statement in order.

Each action runs in its own transaction, so a failure leaves the warehouse as it was (a
failed assertion changes only its own view). As
`dataform run` does on BigQuery, an action starts as soon as everything it depends on is done,
up to `concurrency` at a time, each on its own connection, the longest chain of work first
(glue/runner/ordering.py). An operations action runs alone: its SQL may touch anything. In a run
that only merges into tables that exist, the running actions share DuckDB's threads rather than
each asking for all of them (_only_merges says why).

The statements written around each SELECT are in writes.py; what the executor knows of the
warehouse between its statements, in known_relations.py.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import duckdb

from glue.dataform import Action, locate, named_in_sqlx
from glue.landing import landing_read_error
from glue.ml.sql import mentions_ml
from glue.runner.bigquery_ml import BigQueryML
from glue.runner.expiry import expire_partitions
from glue.runner.known_relations import KnownRelations
from glue.runner.ordering import ActionTimes, start_order
from glue.runner.queries import explained, missing_name
from glue.runner.results import ActionFailed, ActionResult, RunReport
from glue.runner.script_runner import run_script
from glue.runner.translate import TranslationCache, Translator, UntranslatableSQL
from glue.runner.translate.bigquery.dates import CLOCK
from glue.runner.translate.errors import missing_function
from glue.runner.warehouse import session
from glue.runner.writes import NEW_ROWS, assertion_result, create_table, merge_new_rows, quoted
from glue.runner.written_columns import differing_types, write_as_bigquery


class Executor:
    def __init__(
        self,
        connection: duckdb.DuckDBPyConnection,
        full_refresh: bool = False,
        on_result: Callable[[ActionResult], None] | None = None,
        sample_rows: int = 5,
        translations: TranslationCache | None = None,
        concurrency: int = 1,
        times: ActionTimes | None = None,
        zstd_columns: frozenset[tuple[str, str]] = frozenset(),
        bigquery_types: dict[str, list[tuple[str, str]]] | None = None,
        clock: datetime | None = None,
        observer: Callable[..., None] | None = None,
        root: Path | None = None,
        buckets: Path | None = None,
    ):
        self._root = connection
        self._database = connection.execute("SELECT current_database()").fetchone()[0]
        self._local = threading.local()
        self.translations = translations
        self._known = KnownRelations()  # what exists, kept current by the executor's own statements
        self._lock = threading.Lock()  # guards the list of this run's sessions
        self.full_refresh = full_refresh
        self.on_result = on_result
        self.sample_rows = sample_rows
        self.concurrency = max(1, concurrency)
        self.times = times  # last run's action times, to start the longest chains first
        self.zstd_columns = zstd_columns
        # Each table's columns as BigQuery's analyzer typed them (`clickstream local check`): a
        # table written with other types is a difference between the runner and BigQuery.
        self.bigquery_types = bigquery_types or {}
        self.clock = clock  # CURRENT_TIMESTAMP() for every action of the run, when set (the SQL tests)
        # Called with (action, branch, connection, translator) before each action runs, inside its
        # transaction: the BigQuery cost model (glue/cost) prices the statements there.
        self.observer = observer
        self.root = root  # the Dataform project's: where an error in compiled SQL is placed in its SQLX
        self.buckets = buckets  # the local Cloud Storage: where EXPORT MODEL writes gs://bucket/path
        self._sessions: list[duckdb.DuckDBPyConnection] = []
        self._run_started = time.perf_counter()

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        """This thread's connection: its own transaction, temp tables and script variables."""
        connection = getattr(self._local, "connection", None)
        if connection is None:
            with self._lock:
                connection = self._local.connection = session(self._root, self._database)
                self._sessions.append(connection)
            if self.clock is not None:
                connection.execute(f"SET VARIABLE {CLOCK} = CAST(? AS TIMESTAMPTZ)", [self.clock])
        return connection

    def run(self, actions: list[Action]) -> RunReport:
        """Runs each action once its dependencies are done; the report keeps the graph's order."""
        report, started = RunReport(), time.perf_counter()
        self._run_started = started
        for schema in {a.schema for a in actions if a.kind in ("table", "view", "incremental", "assertion")}:
            self._ensure_schema(schema)  # up front: concurrent CREATE SCHEMAs would conflict
        now = self.clock or datetime.now(timezone.utc)
        expire_partitions(self.connection, actions, now, lambda action: self._kind(action) == "table")
        results: dict[str, ActionResult] = {}

        def finish(result: ActionResult) -> None:
            results[result.action.name] = result
            if self.times is not None and result.status == "ok":
                self.times.record(result.action.name, result.seconds)
            if self.on_result:
                self.on_result(result)

        threads = self._root.execute("SELECT current_setting('threads')").fetchone()[0]
        if self.concurrency > 1 and self._only_merges(actions):
            self._root.execute(f"SET threads = {max(1, threads // self.concurrency)}")
        try:
            self._schedule(actions, results, finish)
        finally:
            for connection in self._sessions:
                connection.close()
            self._sessions.clear()
            self._local = threading.local()
            self._root.execute(f"SET threads = {threads}")
        report.results = [results[a.name] for a in actions]
        report.seconds = time.perf_counter() - started
        return report

    def _only_merges(self, actions: list[Action]) -> bool:
        """Whether every incremental table of the run exists and only takes new rows.

        Then each action's new rows are a single DuckDB task, and the work of every core goes to
        the whole-table checks and marts, which run `concurrency` at a time: with all threads each,
        they contend for the cores. Sharing the threads among the actions made a 1% increment 15%
        faster (100k and 300k visits) and a 30% one 6% slower. A run that builds tables keeps
        every thread for each action: one per action made a full build 21% slower.
        """
        if self.full_refresh:
            return False
        return all(self._kind(a) == "table" for a in actions if a.kind == "incremental")

    def _schedule(
        self, actions: list[Action], results: dict[str, ActionResult], finish: Callable[[ActionResult], None]
    ) -> None:
        """Starts ready actions, longest chain first, up to `concurrency` at once; an action whose
        dependency failed or was skipped is skipped. Dependencies outside the run are taken as done."""
        selected = {a.name for a in actions}
        pending = start_order(actions, self.times)
        running: dict[Future, Action] = {}
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="action") as pool:
            while pending or running:
                progressed = False
                for action in list(pending):
                    alone = any(a.kind == "operations" for a in running.values())
                    if len(running) >= self.concurrency or alone:
                        break
                    dependencies = [d for d in action.dependencies if d in selected]
                    if any(d not in results for d in dependencies):
                        continue
                    if action.kind == "operations" and running:
                        break  # it runs alone: wait for the others to finish
                    pending.remove(action)
                    progressed = True
                    blocked = [d for d in dependencies if results[d].status != "ok"]
                    if blocked:
                        finish(ActionResult(action, "skipped", message=f"depends on failed {', '.join(blocked)}"))
                    else:
                        running[pool.submit(self.run_action, action)] = action
                if running:
                    done, _ = wait(running, return_when=FIRST_COMPLETED)
                    for future in done:
                        running.pop(future)
                        finish(future.result())
                elif pending and not progressed:
                    raise ValueError(f"{pending[0].name} waits for an action that waits for it (a cycle)")

    def run_action(self, action: Action) -> ActionResult:
        started = time.perf_counter()
        offset = started - self._run_started
        translator = Translator(action.file, self.translations)
        connection = self.connection
        connection.execute("BEGIN TRANSACTION")
        try:
            if self.observer is not None:
                self._observe(action, connection, translator)
            result = self._dispatch(action, translator)
            connection.execute("COMMIT")
        except (ActionFailed, UntranslatableSQL, duckdb.Error) as error:
            connection.execute("ROLLBACK")
            self._known.forget()
            result = self._failure(action, error)
        result.seconds = time.perf_counter() - started
        result.started = offset
        return result

    def branch(self, action: Action) -> str:
        """What this run does for the action: `full` builds it from its query, `incremental` adds
        new rows; a protected incremental table is never rebuilt, even by --full-refresh, as in
        `dataform run`. Other kinds: their own name."""
        if action.kind == "incremental":
            exists = self._kind(action) == "table"
            return "incremental" if exists and (action.protected or not self.full_refresh) else "full"
        return "full" if action.kind == "table" else action.kind

    def _observe(self, action: Action, connection, translator: Translator) -> None:
        try:
            self.observer(action, self.branch(action), connection, translator)
        except (duckdb.Error, UntranslatableSQL):
            raise
        except Exception as error:  # the observer's own failure fails the action, with its reason
            raise ActionFailed(f"{action.file}: {type(error).__name__}: {error}") from error

    def _failure(self, action: Action, error: Exception) -> ActionResult:
        if isinstance(error, ActionFailed):
            return ActionResult(
                action, "failed", message=str(error), sample=error.sample, columns=error.columns, rows=error.rows
            )
        if isinstance(error, UntranslatableSQL):
            return ActionResult(action, "failed", message=self._placed(action, error))
        landing = landing_read_error(str(error))
        if landing:
            return ActionResult(action, "failed", message=f"{action.file}: reading the landing bucket: {landing}")
        missing = missing_function(str(error))
        if missing:
            return ActionResult(action, "failed", message=f"{action.file}: {missing}")
        if isinstance(error, duckdb.Error):
            return ActionResult(action, "failed", message=self._explained(action, error))
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return ActionResult(action, "failed", message=f"{action.file}: {type(error).__name__}: {first_line}")

    def _explained(self, action: Action, error: duckdb.Error, hint: str = "") -> str:
        """DuckDB's error in one line, with what was probably meant for a name it could not find,
        shown at the SQLX line that holds that name when there is one."""
        # Asked on a connection of its own: the action's transaction may be aborted by the error.
        with self._lock:
            catalog = session(self._root, self._database)
        try:
            words = tuple(dict.fromkeys(re.findall(r"[A-Za-z_]\w*", action.query or "")))
            message = explained(catalog, str(error), words) + hint
        finally:
            catalog.close()
        name = missing_name(str(error))
        if self.root is not None and name:
            problem = named_in_sqlx(self.root, action, name, message)
            if problem is not None:
                return problem.format()
        return f"{action.file}: {message}"

    def _placed(self, action: Action, error: UntranslatableSQL) -> str:
        """The error at its line and column of the SQLX file, with the line and a caret, when
        it has a place in the compiled SQL; else as it is."""
        if self.root is None or error.line is None or not error.sql:
            return str(error)
        blocks = {
            "pre_operations": [*action.pre_ops, *action.incremental_pre_ops],
            "post_operations": [*action.post_ops, *action.incremental_post_ops],
        }
        block = next((name for name, scripts in blocks.items() if error.sql in scripts), "body")
        message = f"cannot run {error.construct} locally: {error.detail}"
        problem = locate(self.root, action, message, "query", error.sql, error.line, error.column, block)
        return problem.format() if problem.line else str(error)

    # ------------------------------------------------------------------ per kind
    def _dispatch(self, action: Action, translator: Translator) -> ActionResult:
        if action.kind in ("table", "view", "incremental", "assertion"):
            self._ensure_schema(action.schema)
        if action.kind == "view":
            return self._view(action, translator)
        if action.kind == "table":
            return self._table(action, translator)
        if action.kind == "incremental":
            return self._incremental(action, translator)
        if action.kind == "assertion":
            body = self._query(action, action.query, translator)
            self._create_view(action, body)  # Dataform also makes an assertion a view
            return assertion_result(self.connection, action, body, self.sample_rows)
        if action.kind == "operations":
            self._known.forget()
            self._statements(action, action.queries, translator)
            return ActionResult(action, "ok", mode="operations")
        raise ActionFailed(f"{action.file}: unknown action type {action.kind!r}")

    def _statements(self, action: Action, scripts: list[str], translator: Translator) -> None:
        for script in scripts:
            run_script(self.connection, translator, script, self._ml(action, translator))

    def _query(self, action: Action, sql: str, translator: Translator) -> str:
        """The model's SELECT as DuckDB SQL, its BigQuery ML calls turned into tables first."""
        if mentions_ml(sql):
            sql = self._ml(action, translator).rewrite(sql)
        return translator.query(sql)

    def _ml(self, action: Action, translator: Translator) -> BigQueryML:
        return BigQueryML(self.connection, translator, action.file or action.name, self.buckets)

    # ------------------------------------------------------------------ catalog
    def _kind(self, action: Action) -> str | None:
        return self._known.kind(self.connection, (action.schema, action.table))

    def _ensure_schema(self, schema: str) -> None:
        self._known.ensure_schema(self.connection, schema)

    def _drop_if_kind_differs(self, action: Action, wanted: str) -> None:
        kind = self._kind(action)
        if kind is not None and kind != wanted:
            keyword = "VIEW" if kind == "view" else "TABLE"
            self.connection.execute(f"DROP {keyword} {quoted(action)}")
        self._known.made((action.schema, action.table), wanted)

    def _count(self, action: Action) -> int:
        return self.connection.execute(f"SELECT COUNT(*) FROM {quoted(action)}").fetchone()[0]

    def _view(self, action: Action, translator: Translator) -> ActionResult:
        self._create_view(action, self._query(action, action.query, translator))
        return ActionResult(action, "ok", mode="view")

    def _create_view(self, action: Action, body: str) -> None:
        """CREATE OR REPLACE VIEW, skipped when the view already has this body.

        Creating a view binds its query, as running it does again; for an assertion, which
        is both created and run every time, that doubled its cost. The body's digest is kept
        as the view's comment, which is how a later run knows the view is current.
        """
        version = hashlib.sha256(body.encode()).hexdigest()[:16]
        if self._known.view_is_current(self.connection, (action.schema, action.table), version):
            return
        self._drop_if_kind_differs(action, "view")
        name = quoted(action)
        self.connection.execute(f"CREATE OR REPLACE VIEW {name} AS {body}")
        self.connection.execute(f"COMMENT ON VIEW {name} IS '{version}'")
        self._known.view_made((action.schema, action.table), version)

    def _table(self, action: Action, translator: Translator) -> ActionResult:
        self._statements(action, action.pre_ops, translator)
        body = self._query(action, action.query, translator)
        existed = self._kind(action) is not None
        self._drop_if_kind_differs(action, "table")
        zstd = {column for table, column in self.zstd_columns if table == action.table}
        rows = create_table(self.connection, action, body, zstd)
        self._columns_as_bigquery_writes_them(action, quoted(action))
        self._statements(action, action.post_ops, translator)
        if action.post_ops:  # they may have changed the rows
            rows = self._count(action)
        return ActionResult(action, "ok", rows=rows, changed=rows, mode="replaced" if existed else "created")

    def _incremental(self, action: Action, translator: Translator) -> ActionResult:
        if self.branch(action) == "full":
            return self._table(action, translator)
        connection = self.connection
        try:
            self._statements(action, action.incremental_pre_ops, translator)
            # After the pre-ops' DECLAREs, which the query may read.
            body = self._query(action, action.incremental_query or action.query, translator)
            new_rows = connection.execute(f"CREATE OR REPLACE TEMP TABLE {NEW_ROWS} AS {body}").fetchone()[0]
        except duckdb.BinderException as error:
            # A misspelt name, or a table that predates a change to the model's columns, which
            # the incremental branch reads from the table itself.
            hint = f" (or, if the model's columns changed since {action.name} was built, rerun with --full-refresh)"
            raise ActionFailed(self._explained(action, error, hint)) from None
        if new_rows:
            self._columns_as_bigquery_writes_them(action, NEW_ROWS)
        merge_new_rows(connection, action, new_rows, self._partition_filter(action, translator), self.sample_rows)
        connection.execute(f"DROP TABLE {NEW_ROWS}")
        mode = "merged" if action.unique_key else "appended"
        self._statements(action, action.incremental_post_ops, translator)
        return ActionResult(action, "ok", rows=self._count(action), changed=new_rows, mode=mode)

    def _columns_as_bigquery_writes_them(self, action: Action, relation: str) -> None:
        refused = write_as_bigquery(self.connection, relation)
        if refused:
            raise ActionFailed(f"{action.file}: {refused}")
        expected = self.bigquery_types.get(action.name)
        if expected:
            differing = differing_types(self.connection, relation, expected)
            if differing:
                raise ActionFailed(
                    f"{action.file}: the local runner wrote {'; '.join(differing)}: a difference "
                    f"between the local run and BigQuery, to report as a runner bug"
                )

    @staticmethod
    def _partition_filter(action: Action, translator: Translator) -> str:
        """The model's updatePartitionFilter as a DuckDB condition on the target aliased T.

        Dataform writes it after `T.` in the MERGE's ON clause, so it may use the variables the
        incremental pre-ops declared; translated after them, with the same translator."""
        if not action.update_partition_filter or not action.unique_key:
            return ""
        return translator.condition(f"T.{action.update_partition_filter}")

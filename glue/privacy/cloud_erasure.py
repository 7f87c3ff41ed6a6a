"""Erasing one user on Google Cloud (`clickstream privacy erase --env ENV --user ID`): the steps
of the local erasure (erasure.py) as BigQuery statements, Dataform invocations and Cloud Storage
rewrites.

1. Find: the loads holding the user's payloads (the payload store, read whole: the id is inside
   the JSON) or the user's staged visits; whether the user is listed already; the raw Pub/Sub
   rows and the rows of the tables the reprocessing does not rebuild; the landing objects and
   archive files with a line of the user's. A dry run stops here and prints it all, with the
   bytes the finding read.
2. Empty the user's payloads in the payload store, delete the raw Pub/Sub rows.
3. Reprocess the loads, a Dataform invocation a day (compiled with `reprocess_from` and
   `reprocess_until`, as `clickstream dataform run --reprocess` does), each followed to its end.
4. Delete the user's rows from the tables the reprocessing does not rebuild: every table of the
   graph with a user_id column outside the reprocessing (the ml features and scores) and the
   stored predictions. The predictions service writes by streaming insert, whose last 30 to 90
   minutes of rows no DML may touch: those are left, and the erasure says to run again later.
5. Rewrite the landing objects and archive files without the user's lines.
6. Record the user's keyed hash in the suppression list.

The id travels only as a query parameter, never in a statement's text (which BigQuery keeps in
its job history). Each step finds only what is still there: a second erasure changes nothing,
and one that stopped half-way finishes when run again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from glue.dataform import Graph
from glue.landing.archive import Store
from glue.privacy.erasure import Erasure, day_ranges, objects_naming, rewrite_objects, user_key
from glue.settings import Environment, Settings

# A streaming insert's rows stay in the streaming buffer, out of reach of DML, for up to 90 minutes.
STREAMING_BUFFER_MINUTES = 90

FIND_LOADS = """
SELECT loaded_at, COUNTIF(in_payloads) AS payloads
FROM (
  SELECT loaded_at, TRUE AS in_payloads FROM `{payloads}` WHERE JSON_VALUE(payload, '$.user_id') = @user_id
  UNION ALL
  SELECT DISTINCT loaded_at, FALSE FROM `{visits}` WHERE user_id = @user_id
)
GROUP BY loaded_at
ORDER BY loaded_at"""
LISTED = "SELECT COUNT(*) AS listed FROM `{suppression}` WHERE user_key = @user_key"
RAW_ROWS = "SELECT COUNT(*) AS n FROM `{raw}` WHERE JSON_VALUE(data, '$.user_id') = @user_id"
HELD_ROWS = "SELECT COUNT(*) AS n, COUNTIF(NOT ({guard})) AS waiting FROM `{table}` WHERE user_id = @user_id"
EMPTY_PAYLOADS = (
    "UPDATE `{payloads}` SET payload = NULL "
    "WHERE loaded_at IN UNNEST(@loads) AND JSON_VALUE(payload, '$.user_id') = @user_id"
)
DELETE_RAW = "DELETE FROM `{raw}` WHERE JSON_VALUE(data, '$.user_id') = @user_id"
DELETE_HELD = "DELETE FROM `{table}` WHERE user_id = @user_id AND {guard}"
RECORD = (
    "INSERT INTO `{suppression}` (user_key, erased_at, rows_deleted, objects_rewritten) "
    "VALUES (@user_key, CURRENT_TIMESTAMP(), @rows_deleted, @objects_rewritten)"
)
# Rows the service streamed in the last minutes are not touched: BigQuery refuses DML on them.
BUFFER_GUARD = f"predicted_at < TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL {STREAMING_BUFFER_MINUTES} MINUTE)"


@dataclass(frozen=True)
class CloudTables:
    """The environment's tables an erasure reads or changes, as `project.dataset.table`."""

    payloads: str
    visits: str
    suppression: str
    raw: str
    held: dict[str, str] = field(default_factory=dict)  # table -> the rows its DML may touch ("TRUE": all)

    @classmethod
    def of(cls, settings: Settings, target: Environment, graph: Graph, rebuilt: set[str]) -> "CloudTables":
        def name(action) -> str:
            return f"{target.project}.{target.dataset(action.schema)}.{target.table(action.table)}"

        held = {}
        for action in graph.actions.values():
            if "user_id" not in action.columns or action.name in rebuilt or action.kind in ("view", "assertion"):
                continue
            if action.name == graph.find("stg_visits").name:
                continue
            held[name(action)] = BUFFER_GUARD if action.kind == "declaration" else "TRUE"
        return cls(
            payloads=name(graph.find("stg_visit_payloads")),
            visits=name(graph.find("stg_visits")),
            suppression=name(graph.find("erased_users")),
            raw=f"{target.project}.{target.dataset(settings.raw_dataset)}.{settings.raw['pubsub_table']}",
            held=held,
        )


class CloudErasure:
    """One user's erasure in an environment, through the official clients."""

    def __init__(
        self,
        bigquery,
        tables: CloudTables,
        stores: list[tuple[Store, str]],
        reprocess: Callable[[datetime, datetime], list[str]],
        settings: Settings,
    ):
        self.bigquery, self.tables, self.stores, self.reprocess = bigquery, tables, stores, reprocess
        self.settings = settings
        self.bytes_read = 0
        self.statements: list[str] = []  # every statement sent, in order

    def _query(self, sql: str, **parameters) -> list:
        from google.cloud import bigquery

        def parameter(name, value):
            if isinstance(value, list):
                return bigquery.ArrayQueryParameter(name, "TIMESTAMP", value)
            kind = "INT64" if isinstance(value, int) else "STRING"
            return bigquery.ScalarQueryParameter(name, kind, value)

        config = bigquery.QueryJobConfig(query_parameters=[parameter(n, v) for n, v in parameters.items()])
        self.statements.append(sql)
        rows = self.bigquery.query_and_wait(sql, job_config=config)
        self.bytes_read += rows.total_bytes_processed or 0
        return list(rows)

    def find(self, user_id: str) -> Erasure:
        t = self.tables
        found = Erasure(user_key(self.settings, user_id))
        [(listed,)] = self._query(LISTED.format(suppression=t.suppression), user_key=found.user_key)
        found.listed = bool(listed)
        loads = self._query(FIND_LOADS.format(payloads=t.payloads, visits=t.visits), user_id=user_id)
        found.loads = [row[0] for row in loads]
        found.payloads = sum(row[1] for row in loads)
        [(raw,)] = self._query(RAW_ROWS.format(raw=t.raw), user_id=user_id)
        if raw:
            found.rows[t.raw] = raw
        from google.api_core.exceptions import NotFound  # the client library, loaded only to erase in the cloud

        for table, guard in t.held.items():
            try:
                [(n, waiting)] = self._query(HELD_ROWS.format(table=table, guard=guard), user_id=user_id)
            except NotFound:  # not created yet (the scores, before the first training): nothing held
                continue
            if n - waiting:
                found.rows[table] = n - waiting
            if waiting:
                found.waiting[table] = waiting
        found.objects = objects_naming(self.stores, user_id)
        return found

    def erase(self, user_id: str, dry_run: bool) -> Erasure:
        """Erase `user_id` (or, in a dry run, find what that touches); RuntimeError when a
        reprocessing fails, after which running the erasure again finishes it."""
        erasure = self.find(user_id)
        if dry_run or erasure.nothing_to_do:
            return erasure
        t = self.tables
        if erasure.payloads:
            self._query(EMPTY_PAYLOADS.format(payloads=t.payloads), user_id=user_id, loads=erasure.loads)
        if t.raw in erasure.rows:
            self._query(DELETE_RAW.format(raw=t.raw), user_id=user_id)
        for start, end in day_ranges(erasure.loads):
            failed = self.reprocess(start, end)
            if failed:
                raise RuntimeError(
                    f"reprocessing the loads of {start:%Y-%m-%d} failed ({'; '.join(failed)}); "
                    "the payloads are already emptied: run the erasure again to finish it"
                )
        for table, guard in t.held.items():
            if table in erasure.rows:
                self._query(DELETE_HELD.format(table=table, guard=guard), user_id=user_id)
        rewrite_objects(self.stores, erasure.objects, user_id)
        if not erasure.listed:
            self._query(
                RECORD.format(suppression=t.suppression),
                user_key=erasure.user_key,
                rows_deleted=erasure.rows_deleted,
                objects_rewritten=len(erasure.objects),
            )
        return erasure

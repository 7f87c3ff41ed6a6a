"""Erasing one user on request, on the local warehouse, its landing objects and the DoS-alert
job's archive (`clickstream privacy erase --user ID`).

1. The user's payloads are emptied in the payload store (the one change ever made to it), and
   the user's keyed hash joins the suppression list (erased_users), which the payload store
   applies to whatever arrives later: a replay, a late or duplicate copy.
2. The loads those payloads came in are reprocessed (glue/runner/reprocess.py): staging rejects
   them as erased, keeping nothing of them, and the curated tables and every aggregate are
   rebuilt for those loads exactly as if the user had never visited.
3. What the reprocessing does not rebuild is deleted: the raw Pub/Sub rows whose data names the
   user, and any other table's rows that hold the id in a string column (the ml features and
   scores, the stored predictions, the DoS-alert job's per-user counts).
4. The landing objects and archive files are rewritten without the user's lines.

Each step finds only what is still there, so a second erasure of the same user changes nothing,
and one that stopped half-way finishes the work when run again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from glue.landing.archive import Store
from glue.settings import Settings

PAYLOAD_STORE = ("staging_dataset", "stg_visit_payloads")
SUPPRESSION_LIST = ("staging_dataset", "erased_users")


def user_key(settings: Settings, user_id: str) -> str:
    """The suppression list's keyed hash of a user id, as stg_visit_payloads computes it."""
    return hashlib.sha256(f"{settings.vars['erasure_key']}:{user_id}".encode()).hexdigest()


@dataclass
class Erasure:
    """What an erasure touches (or, in a dry run, would touch)."""

    user_key: str
    listed: bool = False  # already on the suppression list
    payloads: int = 0
    loads: list[datetime] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows deleted
    holding: dict[str, int] = field(default_factory=dict)  # a dry run's: table -> rows naming the user now
    objects: list[str] = field(default_factory=list)  # landing objects and archive files rewritten
    waiting: dict[str, int] = field(default_factory=dict)  # table -> rows out of DML's reach for now

    @property
    def rows_deleted(self) -> int:
        return self.payloads + sum(self.rows.values())

    def lines(self) -> list[str]:
        out = [
            f"suppression list: {'already listed' if self.listed else 'add'} {self.user_key[:16]}...",
            f"payload store: {self.payloads} payload(s) emptied",
            f"reprocess: {len(self.loads)} load(s)"
            + (f", {self.loads[0]:%Y-%m-%d %H:%M} to {self.loads[-1]:%Y-%m-%d %H:%M} UTC" if self.loads else ""),
        ]
        out += [f"delete: {n} row(s) from {table}" for table, n in sorted(self.rows.items())]
        out += [
            f"holds the id now: {n} row(s) of {table} (rebuilt by the reprocessing, or deleted)"
            for table, n in sorted(self.holding.items())
        ]
        out += [f"rewrite without the user's lines: {name}" for name in self.objects]
        out += [
            f"not yet: {n} row(s) of {table} were streamed in the last 90 minutes, which no DML may touch; "
            "run the erasure again after that"
            for table, n in sorted(self.waiting.items())
        ]
        return out

    @property
    def nothing_to_do(self) -> bool:
        return self.listed and not (
            self.payloads or self.loads or self.rows or self.holding or self.objects or self.waiting
        )


def _table(settings: Settings, where: tuple[str, str]) -> str:
    dataset, name = where
    return f'"{getattr(settings, dataset)}"."{name}"'


def _names_user(column: str) -> str:
    """DuckDB: the user_id of a JSON document in `column`, NULL when it is not JSON."""
    return f"CASE WHEN json_valid({column}) THEN json_extract_string({column}, '$.user_id') END = ?"


def find(connection, settings: Settings, user_id: str, stores: list[tuple[Store, str]]) -> Erasure:
    """What erasing `user_id` touches now; `stores` are (store, prefix) of landing objects and archives."""
    found = Erasure(user_key(settings, user_id))
    found.listed = bool(
        connection.execute(
            f"SELECT COUNT(*) FROM {_table(settings, SUPPRESSION_LIST)} WHERE user_key = ?", [found.user_key]
        ).fetchone()[0]
    )
    payloads = connection.execute(
        f"SELECT loaded_at FROM {_table(settings, PAYLOAD_STORE)} WHERE {_names_user('payload')}", [user_id]
    ).fetchall()
    found.payloads = len(payloads)
    # The loads to reprocess: those of the user's payloads, and those staging still holds the user
    # in (an erasure stopped after emptying the payloads, before the reprocessing, resumes here).
    staged = connection.execute(
        f'SELECT DISTINCT loaded_at FROM "{settings.staging_dataset}".stg_visits WHERE user_id = ?', [user_id]
    ).fetchall()
    found.loads = sorted({loaded_at for (loaded_at,) in payloads + staged})
    raw = f'"{settings.raw_dataset}"."{settings.raw["pubsub_table"]}"'
    [(raw_rows,)] = connection.execute(f"SELECT COUNT(*) FROM {raw} WHERE {_names_user('data')}", [user_id]).fetchall()
    if raw_rows:
        found.rows[raw.replace('"', "")] = raw_rows
    found.objects = objects_naming(stores, user_id)
    return found


def objects_naming(stores: list[tuple[Store, str]], user_id: str) -> list[str]:
    """The landing objects and archive files under each (store, prefix) with a line of the user's."""
    return [
        name
        for store, prefix in stores
        for name in store.names(f"{prefix.rstrip('/')}/")
        if _holds(store.read(name), user_id)
    ]


def holding_tables(connection, settings: Settings, user_id: str) -> dict[str, int]:
    """Tables (not views) other than the payload store that hold `user_id` in a string column: rows."""
    columns = connection.execute(
        "SELECT c.table_schema, c.table_name, c.column_name FROM information_schema.columns c "
        "JOIN information_schema.tables t USING (table_catalog, table_schema, table_name) "
        "WHERE t.table_type = 'BASE TABLE' AND c.data_type = 'VARCHAR'"
    ).fetchall()
    by_table: dict[tuple[str, str], list[str]] = {}
    for schema, table, column in columns:
        by_table.setdefault((schema, table), []).append(column)
    found = {}
    for (schema, table), names in by_table.items():
        if (schema, table) == (settings.staging_dataset, PAYLOAD_STORE[1]):
            continue
        condition = " OR ".join(f'"{name}" = ?' for name in names)
        [(n,)] = connection.execute(
            f'SELECT COUNT(*) FROM "{schema}"."{table}" WHERE {condition}', [user_id] * len(names)
        ).fetchall()
        if n:
            found[f"{schema}.{table}"] = n
    return found


def delete_rows(connection, user_id: str, tables: dict[str, int]) -> None:
    for name in tables:
        schema, table = name.split(".", 1)
        names = [
            c
            for (c,) in connection.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = ? AND table_name = ? AND data_type = 'VARCHAR'",
                [schema, table],
            ).fetchall()
        ]
        condition = " OR ".join(f'"{n}" = ?' for n in names)
        connection.execute(f'DELETE FROM "{schema}"."{table}" WHERE {condition}', [user_id] * len(names))


def empty_payloads(connection, settings: Settings, user_id: str) -> None:
    connection.execute(
        f"UPDATE {_table(settings, PAYLOAD_STORE)} SET payload = NULL WHERE {_names_user('payload')}", [user_id]
    )


def delete_raw(connection, settings: Settings, user_id: str) -> None:
    raw = f'"{settings.raw_dataset}"."{settings.raw["pubsub_table"]}"'
    connection.execute(f"DELETE FROM {raw} WHERE {_names_user('data')}", [user_id])


def record(connection, settings: Settings, erasure: Erasure, now: datetime) -> None:
    if erasure.listed:
        return
    connection.execute(
        f"INSERT INTO {_table(settings, SUPPRESSION_LIST)} VALUES (?, ?, ?, ?)",
        [erasure.user_key, now, erasure.rows_deleted, len(erasure.objects)],
    )


def rewrite_objects(stores: list[tuple[Store, str]], names: list[str], user_id: str) -> None:
    for store, prefix in stores:
        for name in names:
            if name.startswith(prefix.rstrip("/") + "/"):
                lines = store.read(name).decode("utf-8").splitlines()
                kept = [line for line in lines if not _names(line, user_id)]
                store.write(name, ("\n".join(kept) + "\n" if kept else "").encode("utf-8"))


def _holds(data: bytes, user_id: str) -> bool:
    return any(_names(line, user_id) for line in data.decode("utf-8", errors="replace").splitlines())


def _names(line: str, user_id: str) -> bool:
    """A landing line (a visit) or an archive line ({"payload": ..., ...}) of this user's."""
    try:
        document = json.loads(line)
    except ValueError:
        return False
    if isinstance(document, dict) and isinstance(document.get("payload"), str):
        try:
            document = json.loads(document["payload"])
        except ValueError:
            return False
    return isinstance(document, dict) and document.get("user_id") == user_id


def day_ranges(loads: list[datetime]) -> list[tuple[datetime, datetime]]:
    """The loads grouped by day, each day's as one range [its first load, its last load + 1 µs):
    one reprocessing run a day, reading that day's loads only."""
    days: dict = {}
    for load in sorted(loads):
        days.setdefault(load.date(), []).append(load)
    return [(group[0], group[-1] + timedelta(microseconds=1)) for group in days.values()]


def erase(settings: Settings, user_id: str, stores: list[tuple[Store, str]], dry_run: bool, now: datetime) -> Erasure:
    """Erase `user_id` from the local warehouse and `stores`; in a dry run, say what that touches."""
    from glue.runner import LoadRange, RunOptions, compile_graph, connect, reprocess_selection, run_workflow

    connection = connect(settings.warehouse)
    try:
        connection.execute(
            f"CREATE TABLE IF NOT EXISTS {_table(settings, SUPPRESSION_LIST)} "
            "(user_key VARCHAR NOT NULL, erased_at TIMESTAMPTZ NOT NULL, rows_deleted BIGINT, objects_rewritten BIGINT)"
        )
        erasure = find(connection, settings, user_id, stores)
        if dry_run:
            erasure.holding = holding_tables(connection, settings, user_id)
            return erasure
        empty_payloads(connection, settings, user_id)
        delete_raw(connection, settings, user_id)
    finally:
        connection.close()
    for start, end in day_ranges(erasure.loads):
        variables = LoadRange(start, end).variables()
        graph = compile_graph(settings, variables)
        options = RunOptions(
            variables=variables,
            actions=tuple(reprocess_selection(graph, settings.separate_tags)),
            include_dependencies=False,
            concurrency=1,
        )
        report, _, _ = run_workflow(settings, options, graph=graph)
        if not report.ok:
            failed = "; ".join(f"{r.action.name}: {r.message}" for r in report.failed())
            raise RuntimeError(f"reprocessing the loads of {start:%Y-%m-%d} failed: {failed}")
    connection = connect(settings.warehouse)
    try:
        left = holding_tables(connection, settings, user_id)
        delete_rows(connection, user_id, left)
        erasure.rows.update(left)
        rewrite_objects(stores, erasure.objects, user_id)
        record(connection, settings, erasure, now)
    finally:
        connection.close()
    return erasure

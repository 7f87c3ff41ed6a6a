"""The statements `dataform run` writes around a model's SELECT, as DuckDB runs them.

Each takes the action's connection, in the transaction the executor opened for the action.
"""

from __future__ import annotations

import duckdb

from glue.dataform import Action
from glue.runner.results import ActionFailed, ActionResult

# The incremental branch's new rows, a temporary table of the action's own connection.
NEW_ROWS = "__dataform_new"


def quoted(action: Action) -> str:
    return f'"{action.schema}"."{action.table}"'


def create_table(connection, action: Action, body: str, zstd: set[str]) -> int:
    """CREATE OR REPLACE TABLE ... AS body, and the rows written. The VARCHAR columns named in
    `zstd` are declared first with zstd compression, which later merges keep."""
    name = quoted(action)
    columns = connection.execute(f"DESCRIBE {body}").fetchall() if zstd else []
    if not any(column in zstd and kind == "VARCHAR" for column, kind, *_ in columns):
        return connection.execute(f"CREATE OR REPLACE TABLE {name} AS {body}").fetchone()[0]
    definitions = ", ".join(
        f'"{column}" {kind}' + (" USING COMPRESSION zstd" if column in zstd and kind == "VARCHAR" else "")
        for column, kind, *_ in columns
    )
    connection.execute(f"CREATE OR REPLACE TABLE {name} ({definitions})")
    return connection.execute(f"INSERT INTO {name} {body}").fetchone()[0]


def merge_new_rows(connection, action: Action, new_rows: int, partition_filter: str = "", sample_rows: int = 5) -> None:
    """The new rows merged into the table on its uniqueKey, or appended without one.

    With nothing new the DELETE, a scan of the whole target, is skipped; the INSERT still
    runs, so that columns that no longer match fail now, not when data next arrives.
    """
    target = quoted(action)
    if action.unique_key and new_rows:
        keys = " AND ".join(f'T."{k}" = S."{k}"' for k in action.unique_key)
        # Rows outside the filter are not compared: a new row with their key is added
        # beside them, as BigQuery's MERGE would do.
        where = f"{keys} AND ({partition_filter})" if partition_filter else keys
        _check_one_new_row_per_existing_row(connection, action, where, sample_rows)
        connection.execute(f"DELETE FROM {target} AS T USING {NEW_ROWS} AS S WHERE {where}")
    try:
        connection.execute(f"INSERT INTO {target} BY NAME SELECT * FROM {NEW_ROWS}")
    except duckdb.BinderException as error:
        raise ActionFailed(
            f"{action.file}: the incremental query's columns no longer match {action.name} "
            f"({str(error).splitlines()[0]}); rerun with --full-refresh"
        ) from None


def _check_one_new_row_per_existing_row(connection, action: Action, matches: str, sample_rows: int) -> None:
    """BigQuery's MERGE fails when an existing row matches two new rows; two new rows for a
    key not in the table are both inserted. New keys are rarely repeated, so the table is
    searched only for those that are."""
    keys = ", ".join(f'"{k}"' for k in action.unique_key)
    repeated = f"SELECT {keys}, COUNT(*) AS n FROM {NEW_ROWS} GROUP BY {keys} HAVING COUNT(*) > 1"
    if not connection.execute(f"{repeated} LIMIT 1").fetchall():
        return
    clashes = connection.execute(
        f"SELECT * FROM ({repeated}) AS S WHERE EXISTS (SELECT 1 FROM {quoted(action)} AS T WHERE {matches}) "
        f"LIMIT {sample_rows}"
    ).fetchall()
    if clashes:
        raise ActionFailed(
            f"{action.file}: the incremental query returned more than one row for a uniqueKey "
            f"({', '.join(action.unique_key)}) already in {action.name}; BigQuery's MERGE would fail too",
            sample=clashes,
            columns=[*action.unique_key, "n"],
        )


def assertion_result(connection, action: Action, body: str, sample_rows: int) -> ActionResult:
    """An assertion passes when its query returns no row; otherwise it fails with the number of
    rows and a sample. Returned, not raised: its view stays committed, to query the rows."""
    cursor = connection.execute(f"SELECT * FROM ({body}) LIMIT {sample_rows}")
    sample = cursor.fetchall()
    columns = [d[0] for d in cursor.description]
    if not sample:
        return ActionResult(action, "ok", rows=0, mode="checked")
    failing = connection.execute(f"SELECT COUNT(*) FROM ({body})").fetchone()[0]
    what = f" on {action.parent}" if action.parent else ""
    return ActionResult(
        action,
        "failed",
        rows=failing,
        mode="checked",
        sample=sample,
        columns=columns,
        message=f"assertion {action.name}{what} failed: {failing} row(s) returned",
    )

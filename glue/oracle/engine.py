"""The compiled graph's actions run on ZetaSQL's reference evaluator, with Dataform's semantics.

The second engine of the SQL tests: the same actions, the same input rows, BigQuery's own
evaluator. Tables are held here as rows, typed by BigQuery type names; each query is evaluated
over the rows of the tables it depends on. What `dataform run` does is done around it as the
local executor does it: a table is replaced; an incremental table is built whole the first time
(or on a full refresh), and afterwards takes its incremental query's rows, merged on the
uniqueKey within the updatePartitionFilter (an existing row matched by two new rows fails, as
BigQuery's MERGE does) or appended; a DECLARE in the pre-operations is evaluated and becomes a
constant; an assertion fails when its query returns rows. Rows are written as BigQuery writes
them: a NULL ARRAY is [], and an ARRAY holding a NULL fails the action.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from glue.dataform import Action, If, blocks
from glue.oracle import scripts
from glue.oracle.catalog import Catalog, Constant, Table
from glue.oracle.client import Oracle, OracleError


class OracleCannotRun(Exception):
    """A statement the reference evaluator cannot run (DML in a script, for instance)."""


@dataclass
class Outcome:
    status: str  # ok | failed | unsupported (the evaluator cannot run it, or what it depends on)
    message: str = ""
    failing_rows: int | None = None  # assertions


@dataclass
class OracleEngine:
    oracle: Oracle
    catalog: Catalog = field(default_factory=Catalog)
    rows: dict[str, list[tuple]] = field(default_factory=dict)

    # ------------------------------------------------------------------ tables
    def create(self, name: str, table: Table, rows: list[tuple] = ()) -> None:
        self.catalog.tables[name] = table
        self.rows[name] = list(rows)

    def insert(self, name: str, rows: list[tuple]) -> None:
        self.rows[name].extend(rows)

    def delete(self, name: str, keep) -> None:
        columns = [c for c, _ in self.catalog.tables[name].all_columns]
        self.rows[name] = [r for r in self.rows[name] if keep(dict(zip(columns, r)))]

    def table(self, name: str) -> tuple[list[tuple[str, str]], list[tuple]]:
        return self.catalog.tables[name].columns, self.rows[name]

    # ------------------------------------------------------------------ running
    def run(self, actions: list[Action], full_refresh: bool = False) -> dict[str, Outcome]:
        outcomes: dict[str, Outcome] = {}
        for action in actions:
            unsupported = [d for d in action.dependencies if outcomes.get(d, Outcome("ok")).status == "unsupported"]
            blocked = [d for d in action.dependencies if outcomes.get(d, Outcome("ok")).status == "failed"]
            if unsupported:
                outcomes[action.name] = Outcome("unsupported", f"depends on {', '.join(unsupported)}")
            elif blocked:
                outcomes[action.name] = Outcome("failed", f"depends on failed {', '.join(blocked)}")
            else:
                outcomes[action.name] = self._outcome(action, full_refresh)
        return outcomes

    def _outcome(self, action: Action, full_refresh: bool) -> Outcome:
        try:
            return self._action(action, full_refresh)
        except OracleError as error:
            return Outcome("failed", f"{action.file}: {error.message}")
        except OracleCannotRun as error:  # compared no further: the local run alone answers for it
            return Outcome("unsupported", str(error))

    def _action(self, action: Action, full_refresh: bool) -> Outcome:
        if action.kind == "assertion":
            _, rows = self._query(action, action.query, {})
            return Outcome("failed" if rows else "ok", failing_rows=len(rows))
        if action.kind == "operations":
            return self._create_if_missing(action)
        exists = action.name in self.catalog.tables
        if action.kind != "incremental" or (full_refresh and not action.protected) or not exists:
            constants = self._scripts(action, action.pre_ops)
            columns, rows = self._query(action, action.query, constants)
            self.create(action.name, Table(columns), _as_written(action, columns, rows))
            self._scripts(action, action.post_ops, constants)
            return Outcome("ok")
        constants = self._scripts(action, action.incremental_pre_ops)
        columns, rows = self._query(action, action.incremental_query or action.query, constants)
        self._write(action, columns, _as_written(action, columns, rows), constants)
        self._scripts(action, action.incremental_post_ops, constants)
        return Outcome("ok")

    def _create_if_missing(self, action: Action) -> Outcome:
        """An operations action that only creates a table if it is missing (a state table: the
        models' progress, the suppression list) runs here too, as an empty table of the columns it
        lists; any other operations action runs on the local runner only."""
        statements = [node.text for script in action.queries for node in blocks(script)]
        creates = [s for s in statements if s.lstrip().upper().startswith("CREATE TABLE IF NOT EXISTS")]
        if not statements or len(creates) != len(statements) or not action.has_output:
            raise OracleCannotRun(f"{action.file}: operations run on the local runner only")
        if action.name not in self.catalog.tables:
            columns = self.oracle.defined_columns(creates[0], self.catalog)
            self.create(action.name, Table(columns))
        return Outcome("ok")

    def _contents(self, action: Action) -> dict[str, list[tuple]]:
        names = [*action.dependencies, action.name]
        return {n: self.rows[n] for n in names if n in self.rows}

    def _query(self, action: Action, sql: str, constants: dict[str, Constant]):
        return self.oracle.evaluate(sql, self.catalog.with_constants(constants), self._contents(action))

    def _scripts(self, action: Action, texts: list[str], constants: dict[str, Constant] | None = None):
        """Pre- or post-operations: DECLAREs and SETs evaluated into constants, IF blocks by
        their conditions (only TRUE runs a branch, as in BigQuery)."""
        constants = dict(constants or {})
        for text in texts:
            self._statements(action, text, blocks(text), constants)
        return constants

    def _statements(self, action: Action, text: str, nodes: list, constants: dict[str, Constant]) -> None:
        for node in nodes:
            if isinstance(node, If):
                for branch in node.branches:
                    if branch.condition is None or self._value(action, branch.condition.text, constants)[0] is True:
                        self._statements(action, text, branch.body, constants)
                        break
                continue
            assigned = scripts.assignment(node)
            if assigned is not None:
                value, _ = self._value(action, text[assigned.value_start : assigned.value_end], constants)
                constants[assigned.name] = Constant(constants[assigned.name].type, value)
                continue
            declared = scripts.declare(node)
            if declared is None:
                raise OracleCannotRun(f"{action.file}: the evaluator runs no {node.text.split()[0]} statement")
            value, kind = None, declared.type
            if declared.default_start is not None:
                value, found = self._value(action, text[declared.default_start : declared.default_end], constants)
                kind = kind or found
            constants.update({name: Constant(kind, value) for name in declared.names})

    def _value(self, action: Action, expression: str, constants: dict[str, Constant]) -> tuple[object, str]:
        [(_, kind)], [(value,)] = self._query(action, f"SELECT {expression}", constants)
        return value, kind

    # ------------------------------------------------------------------ merge
    def _write(self, action: Action, columns, rows, constants) -> None:
        table_columns = [c for c, _ in self.catalog.tables[action.name].columns]
        positions = [[c for c, _ in columns].index(c) for c in table_columns]
        new = [tuple(row[p] for p in positions) for row in rows]
        if not action.unique_key:
            self.insert(action.name, new)
            return
        key_at = [table_columns.index(k) for k in action.unique_key]
        comparable = self._rows_within_filter(action, constants)
        new_keys = Counter(tuple(r[i] for i in key_at) for r in new)
        matched = {tuple(r[i] for i in key_at) for r, inside in comparable if inside}
        clash = [k for k, n in new_keys.items() if n > 1 and k in matched]
        if clash:
            raise OracleError(f"MERGE: a row of {action.name} matched more than one new row, keys {clash[:3]}")
        self.rows[action.name] = [
            r for r, inside in comparable if not (inside and tuple(r[i] for i in key_at) in new_keys)
        ] + new

    def _rows_within_filter(self, action: Action, constants) -> list[tuple[tuple, bool]]:
        """Each existing row, and whether the merge compares it (its updatePartitionFilter)."""
        rows = self.rows[action.name]
        if not action.update_partition_filter:
            return [(r, True) for r in rows]
        # As Dataform writes it into the MERGE's ON clause: `T.<filter>`.
        sql = f"SELECT T.*, (T.{action.update_partition_filter}) IS TRUE AS __compared FROM `{action.name}` AS T"
        _, flagged = self.oracle.evaluate(sql, self.catalog.with_constants(constants), {action.name: rows})
        return [(row[:-1], row[-1]) for row in flagged]


def _as_written(action: Action, columns: list[tuple[str, str]], rows: list[tuple]) -> list[tuple]:
    """Rows as BigQuery writes them to a table: a NULL ARRAY is stored as [], and an ARRAY that
    holds a NULL is refused ("Array cannot have a null element")."""
    arrays = [i for i, (_, kind) in enumerate(columns) if kind.upper().startswith("ARRAY<")]
    if not arrays:
        return rows
    written = []
    for row in rows:
        row = list(row)
        for i in arrays:
            if row[i] is None:
                row[i] = []
            elif any(element is None for element in row[i]):
                raise OracleError(f"{action.name}: Array cannot have a null element; column {columns[i][0]}")
        written.append(tuple(row))
    return written

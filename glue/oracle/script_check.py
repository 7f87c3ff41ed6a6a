"""The statements of a script checked one by one: pre- and post-operations, operations.

Each statement is analyzed where it stands in the script (the others blanked), so that a problem
keeps its line and column. A DECLARE's default is analyzed as a query and must have the declared
type; SET must assign a value of the variable's type; each IF condition must be a BOOL, and each
branch is checked. The names declared become constants of their type for the statements after
them. A mixin of Checker (glue/oracle/check.py), whose oracle, catalog, models and report it uses.
"""

from __future__ import annotations

import re

from glue.dataform import Action, If, ScriptError, blocks
from glue.oracle import scripts
from glue.oracle.catalog import Catalog, Constant
from glue.oracle.client import OracleError
from glue.oracle.ml_check import UnknownModel

_WORD = re.compile(r"[A-Za-z_]\w*")

# A DECLARE's default may be of a type BigQuery coerces to the declared one.
_COERCIBLE = {
    ("INT64", "FLOAT64"),
    ("INT64", "NUMERIC"),
    ("INT64", "BIGNUMERIC"),
    ("NUMERIC", "FLOAT64"),
    ("NUMERIC", "BIGNUMERIC"),
}


class ScriptChecks:
    """The script half of Checker: it needs self.oracle, self.catalog, self.models, self.report,
    self._types, self._fail and self._record."""

    def _scripts(
        self, action: Action, scripts_: list[str], constants: dict[str, Constant], block: str
    ) -> dict[str, Constant]:
        for script in scripts_:
            constants = self._script(action, script, constants, block)
        return constants

    def _script(self, action: Action, script: str, constants: dict[str, Constant], block: str) -> dict[str, Constant]:
        constants = dict(constants)
        try:
            nodes = blocks(script)
        except ScriptError as error:
            self._fail(action, str(error), block)
        self._nodes(action, script, nodes, constants, block)
        return constants

    def _nodes(self, action: Action, script: str, nodes: list, constants: dict[str, Constant], block: str) -> None:
        """The statements of a script, and of each branch of its IF blocks, with each condition."""
        for node in nodes:
            if isinstance(node, If):
                for branch in node.branches:
                    if branch.condition is not None:
                        where = (branch.condition.start, branch.condition.end)
                        [(_, kind)] = self._analyze_script(action, script, *where, "", constants, block, condition=True)
                        if kind != "BOOL":
                            message = f"an IF condition is a BOOL; this one is {kind}"
                            self._fail(action, message, block, query=script, block=block, offset=where[0])
                    self._nodes(action, script, branch.body, constants, block)
                continue
            assigned = scripts.assignment(node)
            if assigned is not None:
                self._assigned(action, script, node, assigned, constants, block)
                continue
            declared = scripts.declare(node)
            if declared is None:
                columns = self._analyze_script(action, script, node.start, node.end, "", constants, block)
                self._created(action, script, node, columns, constants)
                continue
            if declared.default_start is None:
                kind = declared.type
            else:
                # The default as a query: SELECT written over the DECLARE keyword, so that the
                # default keeps its line and column in the script.
                columns = self._analyze_script(
                    action,
                    script,
                    declared.default_start,
                    declared.default_end,
                    "SELECT ",
                    constants,
                    block,
                    prefix_at=node.start,
                )
                kind = self._declared_type(action, script, node, declared, columns[0][1], block)
            if kind is None:
                self._fail(action, f"DECLARE {', '.join(declared.names)} has neither a type nor a default", block)
            constants.update({name: Constant(kind) for name in declared.names})

    def _assigned(self, action: Action, script: str, node, assigned, constants: dict[str, Constant], block) -> None:
        """SET name = value: a declared variable, and a value of a type BigQuery assigns to it."""
        where = {"query": script, "block": block, "offset": node.start}
        if assigned.name not in constants:
            self._fail(action, f"SET {assigned.name}: no variable {assigned.name} is declared", block, **where)
        columns = self._analyze_script(
            action, script, assigned.value_start, assigned.value_end, "SELECT ", constants, block, prefix_at=node.start
        )
        wanted, found = constants[assigned.name].type, columns[0][1]
        if found != wanted and (found, wanted) not in _COERCIBLE:
            message = f"SET {assigned.name}: the value is {found}, which BigQuery does not assign to {wanted}"
            self._fail(action, message, block, **where)

    def _created(self, action: Action, script: str, node, columns, constants: dict[str, Constant]) -> None:
        """What an operations statement made: a model, or the table of an action with hasOutput
        (its column list, or its query's columns for CREATE TABLE ... AS)."""
        if self.models.created(node.text, columns):
            return
        if action.kind == "operations" and action.has_output and node.text.lstrip()[:6].upper() == "CREATE":
            text = scripts.blanked(script, node.start, node.end)
            defined = self.oracle.defined_columns(text, self.catalog.with_constants(constants)) or columns
            if defined:
                self._record(action, defined)

    def _declared_type(self, action, script, statement, declared, default_type: str, block: str) -> str:
        if declared.type is None:
            return default_type
        where = {"query": script, "block": block, "offset": statement.start}
        if declared.type not in self._types:
            try:  # the declared type in BigQuery's own name (INTEGER is INT64)
                [(_, kind)] = self.oracle.analyze(f"SELECT CAST(NULL AS {declared.type})", Catalog())
                self._types[declared.type] = kind
            except OracleError as error:
                self._fail(action, f"DECLARE {', '.join(declared.names)}: {error.message}", block, **where)
        wanted = self._types[declared.type]
        if default_type != wanted and (default_type, wanted) not in _COERCIBLE:
            self._fail(
                action,
                f"DECLARE {', '.join(declared.names)} {declared.type}: its default is "
                f"{default_type}, which BigQuery does not assign to {wanted}",
                block,
                **where,
            )
        return wanted

    def _analyze_script(
        self, action, script, start, end, prefix, constants, block, prefix_at: int | None = None, condition=False
    ) -> list[tuple[str, str]]:
        """One statement of the script, analyzed where it stands; an IF's condition as a SELECT
        on a line of its own above the script (its errors are placed one line up)."""
        self.report.statements += 1
        text = scripts.blanked(script, start, end, prefix, prefix_at)
        try:
            text = text[:start] + self.models.stand_ins(text[start:end]) + text[end:]
        except UnknownModel as error:
            self._fail(action, str(error), block, query=script, block=block, offset=start + error.offset)
        try:
            columns = self.oracle.analyze(
                "SELECT\n" + text if condition else text, self.catalog.with_constants(constants)
            )
        except OracleError as error:
            line = error.line - 1 if condition and error.line else error.line
            self._fail(action, error.message, block, line, error.column, query=script, block=block)
        self._shadowed(action, script, start, end, text, constants, block, condition)
        return columns

    def _shadowed(self, action, script, start, end, text, constants, block, condition) -> None:
        """A script variable named like a column the statement can read: BigQuery reads the
        column, the local runner would read the variable. Refused, so the two cannot differ."""
        words = {w.lower() for w in _WORD.findall(script[start:end])}
        for name in [n for n in constants if n.lower() in words and n.lower() in self._column_names()]:
            without = {k: v for k, v in constants.items() if k != name}
            try:
                self.oracle.analyze("SELECT\n" + text if condition else text, self.catalog.with_constants(without))
            except OracleError:
                continue  # the name is the variable here
            message = (
                f"{name} here is a column of a table the statement reads, as BigQuery resolves it, not the script "
                f"variable {name}; the local runner cannot tell them apart: rename the variable"
            )
            self._fail(action, message, block, query=script, block=block, offset=start)

    def _column_names(self) -> set[str]:
        """Every column name of the catalog as it stands (it grows as actions are checked), lower case."""
        return {c.lower() for table in self.catalog.tables.values() for c, _ in table.columns}

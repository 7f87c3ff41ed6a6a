"""The translator: BigQuery scripts to DuckDB statements, through sqlglot and the rewrites, cached.

Each statement goes through sqlglot, then through the rewrites of `bigquery/` (BigQuery's
meaning) and `speed/` (DuckDB's speed) in a fixed order. Besides those, scripting `DECLARE x T DEFAULT e` / `SET x = e`
become DuckDB variables (`SET VARIABLE`, `getvariable('x')`), `ASSERT` a SELECT that fails alike
(asserts.py), and `ALTER TABLE ... SET OPTIONS` and other BigQuery-only DDL, which mean nothing
locally, are skipped (ddl.py drops such properties from a CREATE).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ErrorLevel, ParseError, TokenError

from glue.runner.state_file import read_state, write_state
from glue.runner.translate.bigquery.arrays import array_ends, array_slices, bare_subscripts, range_buckets, subscripts
from glue.runner.translate.bigquery.casts import casts, float_literals, format_calls, integers, numeric
from glue.runner.translate.bigquery.dates import (
    date_arithmetic,
    date_trunc,
    extract_parts,
    run_clock,
    time_formats,
    time_zones,
    times_of_day,
    timestamp_diff,
    unix_times,
)
from glue.runner.translate.bigquery.ddl import storage_properties
from glue.runner.translate.bigquery.functions import (
    byte_length,
    countif,
    division,
    drop_project,
    errors_under_try,
    farm_fingerprint_udf,
    ieee_divide,
    safe_arithmetic,
    safe_functions,
    substrings,
    trim,
    unavailable,
)
from glue.runner.translate.bigquery.json_and_unnest import (
    array_agg_limit,
    json_arrays,
    json_literal_paths,
    json_type,
    struct_unnests,
    unnest_offsets,
)
from glue.runner.translate.bigquery.json_converters import json_converters
from glue.runner.translate.bigquery.json_numbers import json_value_numbers, parse_json_numbers
from glue.runner.translate.bigquery.scripting import assert_query, script_pieces
from glue.runner.translate.errors import UntranslatableSQL
from glue.runner.translate.speed.json_paths import group_json_paths
from glue.runner.translate.speed.unnests import filtered_arrays, lateral_unnests

# sqlglot warns that EXTRACT from a TIMESTAMP (TIMESTAMPTZ in DuckDB) may differ with the session's
# time zone; the local warehouse's session time zone is UTC, BigQuery's default, so it does not.
_HARMLESS_WARNINGS = ("EXTRACT from TIMESTAMPTZ",)

# What a cached translation depends on besides the SQL: sqlglot and every module of this package.
_TRANSLATION_VERSION = hashlib.sha256(
    sqlglot.__version__.encode() + b"".join(path.read_bytes() for path in sorted(Path(__file__).parent.rglob("*.py")))
).hexdigest()


@dataclass
class Script:
    """DuckDB statements for one BigQuery script, and the statements skipped as meaningless locally."""

    statements: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


class TranslationCache:
    """Translations made by earlier runs, kept in one JSON file, so that a run translates only SQL
    that changed: sqlglot takes some 5 ms a statement, most of an incremental run's own time.

    An entry is keyed by the SQL and the script variables in scope; the whole file is discarded
    when sqlglot or this module changes, since either can change every translation. Each entry
    notes the day it was last used, and one unused for `keep_days` is dropped: an edited
    model's old translations would otherwise stay in the file, read by every run.
    """

    def __init__(self, path: Path | None = None, today: date | None = None, keep_days: int = 30):
        self.path, self.entries, self.changed = path, {}, False
        self.today = (today or date.today()).isoformat()
        stored = read_state(path)
        if stored.get("version") == _TRANSLATION_VERSION:
            oldest = ((today or date.today()) - timedelta(days=keep_days)).isoformat()
            entries = stored.get("entries", {})
            self.entries = {k: e for k, e in entries.items() if e.get("used", self.today) >= oldest}
            self.changed = len(self.entries) != len(entries)

    @staticmethod
    def key(sql: str, variables: set[str]) -> str:
        return hashlib.sha256(json.dumps([sorted(variables), sql]).encode()).hexdigest()

    def get(self, key: str) -> dict | None:
        entry = self.entries.get(key)
        if entry is not None and entry.get("used") != self.today:
            entry["used"], self.changed = self.today, True  # written once a day at most
        return entry

    def put(self, key: str, entry: dict) -> None:
        self.entries[key], self.changed = {**entry, "used": self.today}, True

    def save(self) -> None:
        if self.changed:
            write_state(self.path, {"version": _TRANSLATION_VERSION, "entries": self.entries})
            self.changed = False


class Translator:
    """Translates the statements of one action; remembers the variables its script declared."""

    def __init__(self, file: str = "", cache: TranslationCache | None = None):
        self.file = file
        self.variables: set[str] = set()
        self.cache = cache

    # ------------------------------------------------------------------ entry points
    def script(self, sql: str) -> Script:
        if self.cache is None:
            return self._translate(sql)
        key = TranslationCache.key(sql, self.variables)
        entry = self.cache.get(key)
        if entry is None:
            before = set(self.variables)
            script = self._translate(sql)
            entry = {
                "statements": script.statements,
                "skipped": script.skipped,
                "declared": sorted(self.variables - before),
            }
            self.cache.put(key, entry)
        self.variables.update(entry["declared"])
        return Script(list(entry["statements"]), list(entry["skipped"]))

    def _translate(self, sql: str) -> Script:
        out = Script()
        try:
            pieces = script_pieces(sql)
        except TokenError as error:  # an unterminated string or comment: no statement can be read
            raise UntranslatableSQL("SQL that does not parse as BigQuery", str(error), self.file) from None
        cursor = 0
        for piece, is_assert in pieces:
            start = max(sql.find(piece, cursor), 0)
            cursor = start + len(piece)
            if is_assert:
                out.statements.append(self._to_duckdb(assert_query(piece)))
                continue
            try:
                translated = self._translate_statements(piece)
            except UntranslatableSQL as error:
                raise _placed_in(error, sql, start) from None
            out.statements += translated.statements
            out.skipped += translated.skipped
        return out

    def _translate_statements(self, sql: str) -> Script:
        out = Script()
        try:
            trees = [t for t in sqlglot.parse(sql, read="bigquery") if t is not None]
        except ParseError as error:
            raise UntranslatableSQL(
                "SQL that does not parse as BigQuery", _first_error(error), self.file, *_error_position(error)
            ) from None
        for tree in trees:
            statement = self._statement(tree)
            if statement is None:
                out.skipped.append(tree.sql(dialect="bigquery")[:120])
            else:
                out.statements.append(statement)
        return out

    def query(self, sql: str) -> str:
        """One SELECT (a model's body) as DuckDB SQL."""
        script = self.script(sql)
        if len(script.statements) != 1:
            raise UntranslatableSQL("a query that is not exactly one statement", sql.strip()[:200], self.file)
        return script.statements[0]

    def condition(self, sql: str) -> str:
        """One BigQuery expression that Dataform splices into SQL it writes (a merge's
        updatePartitionFilter), as DuckDB SQL; the script's variables are known."""
        select = sqlglot.parse_one(self.query(f"SELECT {sql}"), read="duckdb")
        return select.expressions[0].sql(dialect="duckdb")

    # ------------------------------------------------------------------ statements
    def _statement(self, tree: exp.Expression) -> str | None:
        if isinstance(tree, exp.Declare):
            return self._declare(tree)
        if isinstance(tree, exp.Set) and not tree.args.get("tag"):
            return self._set(tree)
        if isinstance(tree, (exp.Transaction, exp.Commit)):
            return None  # each action already runs in one local transaction (executor.py)
        if isinstance(tree, exp.Alter) and any(isinstance(a, exp.AlterSet) for a in tree.args.get("actions", [])):
            return None  # table options (descriptions, expirations) mean nothing to DuckDB
        if isinstance(tree, exp.Command):
            raise UntranslatableSQL(f"the statement {tree.name!r}", tree.sql(dialect="bigquery")[:200], self.file)
        return self._to_duckdb(tree)

    def _declare(self, tree: exp.Declare) -> str:
        statements = []
        for item in tree.expressions:
            names = item.this if isinstance(item.this, list) else [item.this]
            default = item.args.get("default")
            kind = item.args.get("kind")
            # No DEFAULT (sqlglot may read its absence as False): NULL, as in BigQuery.
            value = default if isinstance(default, exp.Expression) else exp.Null()
            if kind is not None and not isinstance(value, (exp.Literal, exp.Null, exp.Boolean)):
                # The cast's rules name the value several times: the default (a query, often) is
                # computed once and its result cast, rather than computed once per mention.
                value = exp.Subquery(
                    this=exp.select(exp.Cast(this=exp.column("__declared"), to=kind.copy())).from_(
                        exp.select(exp.alias_(value.copy(), "__declared")).subquery("declared")
                    )
                )
            elif kind is not None:
                value = exp.Cast(this=value, to=kind.copy())
            for name in names:
                self.variables.add(name.name.lower())
                statements.append(f"SET VARIABLE {name.name} = {self._to_duckdb(value)}")
        return ";\n".join(statements)

    def _set(self, tree: exp.Set) -> str:
        parts = []
        for item in tree.expressions:
            assignment = item.this
            if not isinstance(assignment, exp.EQ) or not isinstance(assignment.this, exp.Column):
                raise UntranslatableSQL("this SET statement", tree.sql(dialect="bigquery"), self.file)
            name = assignment.this.name
            if name.lower() not in self.variables:
                raise UntranslatableSQL(f"SET of undeclared variable {name}", "", self.file)
            parts.append(f"SET VARIABLE {name} = {self._to_duckdb(assignment.expression)}")
        return ";\n".join(parts)

    # ------------------------------------------------------------------ expressions
    def _to_duckdb(self, tree: exp.Expression) -> str:
        tree = tree.copy()
        # Order matters where one fix writes SQL another reads: json_converters after json_type
        # (its templates ask DuckDB's type names); errors_under_try after every fix that writes error().
        for fix in (
            unavailable,
            storage_properties,
            drop_project,
            parse_json_numbers,
            safe_functions,
            format_calls,
            json_literal_paths,
            struct_unnests,
            lateral_unnests,
            json_arrays,
            group_json_paths,
            json_value_numbers,
            json_type,
            json_converters,
            filtered_arrays,
            unnest_offsets,
            numeric,
            integers,
            float_literals,
            casts,
            trim,
            farm_fingerprint_udf,
            byte_length,
            countif,
            substrings,
            extract_parts,
            timestamp_diff,
            times_of_day,
            time_zones,
            time_formats,
            date_trunc,
            date_arithmetic,
            unix_times,
            run_clock,
            division,
            ieee_divide,
            safe_arithmetic,
            array_agg_limit,
            subscripts,
            bare_subscripts,
            array_ends,
            array_slices,
            range_buckets,
            errors_under_try,
            self._variables,
        ):
            try:
                tree = fix(tree)
            except UntranslatableSQL as error:  # a fix names the construct; the file is known here
                raise UntranslatableSQL(error.construct, error.detail, self.file) from None
        # sqlglot writes what it cannot translate anyway, with a warning; here it is an error,
        # except the warnings that do not hold for this runner.
        generator = Dialect.get_or_raise("duckdb").generator(unsupported_level=ErrorLevel.IGNORE)
        sql = generator.generate(tree)
        problems = [m for m in generator.unsupported_messages if not m.startswith(_HARMLESS_WARNINGS)]
        if problems:
            raise UntranslatableSQL("a construct DuckDB lacks", problems[0], self.file)
        return sql

    def _variables(self, tree: exp.Expression) -> exp.Expression:
        if not self.variables:
            return tree

        def replace(node):
            if isinstance(node, exp.Column) and not node.table and node.name.lower() in self.variables:
                value = exp.Anonymous(this="getvariable", expressions=[exp.Literal.string(node.name)])
                # A variable selected as it is keeps its name as the column's, as in BigQuery.
                listed = isinstance(node.parent, exp.Select) and node.arg_key == "expressions"
                return exp.alias_(value, node.name) if listed else value
            return node

        return tree.transform(replace, copy=False)


def _first_error(error: ParseError) -> str:
    if error.errors:
        first = error.errors[0]
        return f"{first.get('description')} near {first.get('highlight')!r}"
    return str(error)


def _error_position(error: ParseError) -> tuple[int | None, int | None]:
    """Where sqlglot's first error starts: its line, and the column of the text it highlights
    (sqlglot gives the column where that text ends)."""
    if not error.errors or not error.errors[0].get("line"):
        return None, None
    first = error.errors[0]
    column = first.get("col")
    highlight = first.get("highlight") or ""
    if column is not None:
        column = max(1, column - len(highlight) + 1)
    return first["line"], column


def _placed_in(error: UntranslatableSQL, sql: str, start: int) -> UntranslatableSQL:
    """The error of a piece of `sql` beginning at offset `start`, placed in `sql` itself."""
    error.sql = sql
    if error.line is not None:
        if error.line == 1 and error.column is not None:
            error.column += start - (sql.rfind("\n", 0, start) + 1)
        error.line += sql.count("\n", 0, start)
    return error

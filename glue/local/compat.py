"""BigQuery SQL to DuckDB SQL: sqlglot, plus the fixes where its DuckDB output is wrong.

The models stay BigQuery SQL; this module is the only place that adapts them. Each fix is a
small AST rewrite named for what it corrects, and each has a test in tests/test_compat.py
that runs the BigQuery form on DuckDB and checks BigQuery's answer.

Fixes (sqlglot 30 → DuckDB 2):
- three-part names `project.dataset.table`: the project is dropped (a DuckDB schema per dataset);
- `SAFE.f(...)` became `SAFE.f(...)`: now `TRY(f(...))`, NULL on error as in BigQuery
  (`SAFE.PARSE_JSON(x)`: `TRY_CAST(x AS JSON)`, the same answer without re-serialising);
- `JSON_TYPE` answers in DuckDB's type names (VARCHAR, BIGINT, ...): mapped to BigQuery's
  ('string', 'number', ...);
- `UNNEST ... WITH OFFSET` became 1-based `WITH ORDINALITY`: the offset counts from 0 again;
- `JSON_QUERY_ARRAY(x, p)` became a cast that raises when p is not an array: now NULL, as in
  BigQuery; `ARRAY_LENGTH` of it counts the elements without copying them out;
- `FROM t, UNNEST(list)` became a lateral join that DuckDB runs by hashing each row's whole
  list source: now a select-list UNNEST in a derived table, the same rows in a third of the time;
- `NUMERIC` became DuckDB's `DECIMAL(18,3)`: now `DECIMAL(38,9)`, BigQuery's NUMERIC;
- a number with a point or exponent (2.5, 1e3) is a FLOAT64 in BigQuery, a DECIMAL in DuckDB:
  now a DOUBLE, so that arithmetic on it rounds as BigQuery's does;
- `INTEGER`, `INT`, `SMALLINT`, `TINYINT` and `BYTEINT` became DuckDB's 32-, 16- and 8-bit
  integers: now `BIGINT`, as every one of them is INT64 in BigQuery;
- `CAST`/`SAFE_CAST` to INT64 and BOOL follow DuckDB's rules, which accept more: '1.5', '1e2',
  '1_000' and '0b101' as integers (BigQuery: not integers), 't', 'yes' and '1' as booleans
  (BigQuery: only 'true' and 'false'), and a FLOAT64 halfway case rounds to even (BigQuery:
  away from zero); '-0x1F' fails (BigQuery: -31). Now BigQuery's rules. A FLOAT64 cast to
  STRING is written as BigQuery writes it (%.15g, or %.17g when that does not read back the
  same): '1', not DuckDB's '1.0'; '1e+15', not '1000000000000000.0'; a NUMERIC without
  DuckDB's trailing zeros: '2.5', not '2.500000000';
- `FORMAT('%d items', n)` became DuckDB's format(), whose placeholders are {}: the text came back
  unformatted. Now printf, which reads BigQuery's specifiers; %t (a value's text, 'NULL' for NULL)
  becomes %s of that text; %T, %p and %P are reported as not run locally;
- `TRIM(x)` / `LTRIM(x)` / `RTRIM(x)` without characters: DuckDB's removes spaces but not
  tabs, CR or LF, BigQuery's removes all Unicode whitespace; now BigQuery's set;
- `FARM_FINGERPRINT` has no DuckDB counterpart: a UDF with FarmHash Fingerprint64;
- `EXTRACT(DAYOFWEEK ...)`: DuckDB counts Sunday as 0, BigQuery as 1; `EXTRACT(WEEK ...)` and
  `WEEK(<day>)` became the ISO week: now BigQuery's weeks starting on that day (Sunday for WEEK);
  `EXTRACT(ISOWEEK ...)` became a part DuckDB does not know: now its ISO week;
- `TIMESTAMP_DIFF` counted unit boundaries crossed: now whole units, as BigQuery counts;
- `x / 0` is infinity or NaN in DuckDB: now BigQuery's "division by zero" error, naming the
  division; `IEEE_DIVIDE(x, y)`, which DuckDB lacks, is DuckDB's own division;
- `DATE_TRUNC(date, MONTH)` (and DAY, ISOWEEK, WEEK(MONDAY), QUARTER, YEAR) became a TIMESTAMP:
  now a bucket of the input's own type, a DATE for a DATE;
- `DATE_ADD`, `DATE_SUB` and `DATE_FROM_UNIX_DATE` became DATE + INTERVAL, a TIMESTAMP: now a DATE;
- `ARRAY_AGG(... LIMIT n)` became SQL DuckDB cannot parse: now the first n of the aggregate;
- `BYTE_LENGTH(string)` became octet_length, which DuckDB has for BLOBs only: now the UTF-8 length;
- `STRING_AGG(... LIMIT n)` and the NET., HLL_COUNT., KEYS. and AEAD. functions have no DuckDB
  counterpart here: reported by name (DuckDB would fail on the SQL, or try to download an extension).
- scripting `DECLARE x T DEFAULT e` / `SET x = e`: DuckDB variables (`SET VARIABLE`,
  `getvariable('x')`);
- `ALTER TABLE ... SET OPTIONS` and other BigQuery-only DDL: nothing to do locally, skipped.
"""
from __future__ import annotations

import hashlib
import itertools
import json
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, ParseError, UnsupportedError

from glue.contract import WHITESPACE
from glue.local.state_file import read_state, write_state

_JSON_TYPE_NAMES = {
    "OBJECT": "object", "ARRAY": "array", "VARCHAR": "string", "BIGINT": "number",
    "UBIGINT": "number", "DOUBLE": "number", "HUGEINT": "number", "BOOLEAN": "boolean", "NULL": "null",
}


# What a cached translation depends on besides the SQL: sqlglot and the fixes in this file.
_TRANSLATION_VERSION = hashlib.sha256(sqlglot.__version__.encode() + Path(__file__).read_bytes()).hexdigest()


class UntranslatableSQL(Exception):
    """A construct the local runner cannot run; says which, and where."""

    def __init__(self, construct: str, detail: str = "", file: str = ""):
        self.construct, self.detail, self.file = construct, detail, file
        where = f"{file}: " if file else ""
        super().__init__(f"{where}cannot run {construct} locally{': ' + detail if detail else ''}")


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
            entry = {"statements": script.statements, "skipped": script.skipped,
                     "declared": sorted(self.variables - before)}
            self.cache.put(key, entry)
        self.variables.update(entry["declared"])
        return Script(list(entry["statements"]), list(entry["skipped"]))

    def _translate(self, sql: str) -> Script:
        out = Script()
        try:
            trees = [t for t in sqlglot.parse(sql, read="bigquery") if t is not None]
        except ParseError as error:
            raise UntranslatableSQL("SQL that does not parse as BigQuery", _first_error(error), self.file) from None
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
            value = default if default is not None else exp.Null()
            if kind is not None:
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
        for fix in (_unavailable, _drop_project, _safe_functions, _format,
                    _lateral_unnests, _json_arrays, _group_json_paths, _json_type, _filtered_arrays, _unnest_offsets,
                    _numeric, _integers, _float_literals, _casts, _trim, _farm_fingerprint, _byte_length,
                    _extract_parts, _timestamp_diff, _date_trunc, _date_arithmetic,
                    _division, _ieee_divide, _array_agg_limit, self._variables):
            try:
                tree = fix(tree)
            except UntranslatableSQL as error:  # a fix names the construct; the file is known here
                raise UntranslatableSQL(error.construct, error.detail, self.file) from None
        try:
            return tree.sql(dialect="duckdb", unsupported_level=ErrorLevel.RAISE)
        except UnsupportedError as error:  # otherwise sqlglot warns and writes SQL that cannot run
            raise UntranslatableSQL("a construct DuckDB lacks", str(error), self.file) from None

    def _variables(self, tree: exp.Expression) -> exp.Expression:
        if not self.variables:
            return tree

        def replace(node):
            if (isinstance(node, exp.Column) and not node.table
                    and node.name.lower() in self.variables):
                return exp.Anonymous(this="getvariable", expressions=[exp.Literal.string(node.name)])
            return node

        return tree.transform(replace, copy=False)


def _first_error(error: ParseError) -> str:
    if error.errors:
        first = error.errors[0]
        return f"{first.get('description')} near {first.get('highlight')!r} (line {first.get('line')})"
    return str(error)


def _drop_project(tree: exp.Expression) -> exp.Expression:
    for table in tree.find_all(exp.Table):
        if table.args.get("catalog") is not None:
            table.set("catalog", None)
    for column in tree.find_all(exp.Column):
        if column.args.get("catalog") is not None:
            column.set("catalog", None)
    return tree


def _safe_functions(tree: exp.Expression) -> exp.Expression:
    def replace(node):
        if isinstance(node, exp.SafeFunc) and isinstance(node.this, exp.ParseJSON) and not node.this.expressions:
            # NULL for the same inputs as TRY(JSON(x)) (tested), without re-serialising each
            # document: a third of the cost, on every payload staging parses.
            return exp.TryCast(this=node.this.this, to=exp.DataType.build("JSON"))
        if isinstance(node, exp.SafeFunc):
            return exp.Anonymous(this="TRY", expressions=[node.this])
        return node

    return tree.transform(replace, copy=False)


def _group_json_paths(tree: exp.Expression) -> exp.Expression:
    """Parse each JSON document once per row and kind of answer, not once per path.

    DuckDB's JSON functions re-parse their text argument on every call, and a staging model
    asks twenty-odd questions of the same document. Within one SELECT list, the calls on one
    column of each kind become one call with a list of paths: `JSON_TYPE(JSON_QUERY(col, p))`
    → `json_type(col, [p, ...])`, `JSON_VALUE(col, p)` → `json_value(col, [p, ...])`,
    `JSON_QUERY(col, p)` → `json_extract(col, [...])`, each answer mapped as the single-path
    BigQuery function gives it (NULL when the path is absent, and for JSON_VALUE when the value
    is not a scalar), so results do not change; only the time does.

    When the SELECT reads one relation, the lists are computed in a derived table around it and
    each call becomes an element of a column (`* EXCLUDE` keeps these columns out of the
    SELECT's own output): planning the model then binds each list once instead of once per
    answer, which had made planning a third of an incremental run. There, a column's values
    whose types are listed too are read with json_extract_string (unquoted in the same parse)
    and gated by those types, rather than unquoted one by one. `JSON_TYPE(col)` itself joins
    the type list as path '$'. Otherwise (a join) each call repeats the list, identical
    everywhere, for DuckDB's common-subexpression elimination.
    """
    numbers = itertools.count(1)  # names the hidden columns, unique within the statement
    for select in list(tree.find_all(exp.Select)):
        groups = _json_groups(select)
        if not groups:
            continue
        source = _single_source(select)
        if source is None:
            _inline_json_lists(groups)
        else:
            _hoist_json_lists(select, source, groups, numbers)
    return tree


def _json_groups(select: exp.Select) -> dict[tuple[str, str], tuple[exp.Column, list[tuple[exp.Expression, str]]]]:
    """The JSON calls of this SELECT list, by kind of answer and column, when a column is asked
    about at two paths or more: {(kind, column sql): (column, [(call, path), ...])}."""
    groups: dict[tuple[str, str], tuple[exp.Column, list]] = {}
    for projection in select.expressions:
        for node in projection.find_all(exp.JSONType, exp.JSONExtract, exp.JSONExtractScalar):
            if node.parent_select is not select:
                continue
            if isinstance(node, exp.JSONType):
                kind, call = "json_type", node.this
                if isinstance(call, exp.Column):  # the document's own type: its path is '$'
                    groups.setdefault((kind, call.sql(dialect="duckdb")), (call, []))[1].append((node, "'$'"))
                    continue
                if not isinstance(call, exp.JSONExtract):
                    continue
            elif isinstance(node.parent, exp.JSONType):
                continue  # answered by its JSON_TYPE's group
            else:
                kind, call = ("json_value" if isinstance(node, exp.JSONExtractScalar) else "json_extract"), node
            if isinstance(call.this, exp.Column) and isinstance(call.expression, exp.JSONPath):
                key = (kind, call.this.sql(dialect="duckdb"))
                groups.setdefault(key, (call.this, []))[1].append((node, call.expression.sql(dialect="duckdb")))
    return {key: group for key, group in groups.items() if len({path for _, path in group[1]}) >= 2}


def _listed(kind: str, column: exp.Column, paths: list[str]) -> exp.Expression:
    return exp.Anonymous(this=kind, expressions=[
        column.copy(), exp.Array(expressions=[sqlglot.parse_one(path, read="duckdb") for path in paths])])


def _inline_json_lists(groups) -> None:
    for (kind, _), (column, nodes) in groups.items():
        paths = sorted({path for _, path in nodes})
        listed = _listed(kind, column, paths)
        for node, path in nodes:
            element = exp.Anonymous(this="list_extract",
                                    expressions=[listed.copy(), exp.Literal.number(paths.index(path) + 1)])
            node.replace(_answer(kind, element))


def _hoist_json_lists(select: exp.Select, source: exp.Expression, groups, numbers) -> None:
    hidden = []
    typed: dict[str, tuple[str, list[str]]] = {}  # column -> its json_type list: (name, paths)
    # Types first: a column's values can then be read as plain strings, gated by their types.
    for (kind, column_sql), (column, nodes) in sorted(groups.items(), key=lambda group: group[0][0] != "json_type"):
        paths = sorted({path for _, path in nodes})
        name = f"__{kind}_{next(numbers)}"
        types = typed.get(column_sql) if kind == "json_value" else None
        if types is not None and set(paths) <= set(types[1]):
            # json_extract_string unquotes in the same parse; it answers an object or array with
            # its text, where JSON_VALUE is NULL, hence the gate on the type already listed.
            hidden.append(exp.alias_(_listed("json_extract_string", column, paths), name))
            for node, path in nodes:
                node.replace(_gated_value(name, paths.index(path) + 1, types[0], types[1].index(path) + 1))
            continue
        listed = _listed(kind, column, paths)
        if kind != "json_extract":  # map each answer as the single-path function gives it, once
            answer = exp.Lambda(this=_answer(kind, exp.column("a")), expressions=[exp.to_identifier("a")])
            listed = exp.Anonymous(this="list_transform", expressions=[listed, answer])
        if kind == "json_type":
            typed[column_sql] = (name, paths)
        hidden.append(exp.alias_(listed, name))
        for node, path in nodes:
            node.replace(_element(name, paths.index(path) + 1))
    alias = source.alias_or_name
    inner = exp.select(exp.Star(), *hidden).from_(source.copy())
    source.replace(exp.Subquery(this=inner, alias=exp.TableAlias(this=exp.to_identifier(alias))))
    names = [exp.column(e.alias) for e in hidden]
    for projection in select.expressions:
        star = projection if isinstance(projection, exp.Star) else (
            projection.this if isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star) else None)
        if star is not None:
            star.set("except_", [*(star.args.get("except_") or []), *[n.copy() for n in names]])


def _element(name: str, position: int) -> exp.Expression:
    return exp.Anonymous(this="list_extract", expressions=[exp.column(name), exp.Literal.number(position)])


def _gated_value(strings: str, position: int, types: str, type_position: int) -> exp.Expression:
    """JSON_VALUE from a list of json_extract_string answers: NULL for an object or array."""
    is_scalar = exp.Not(this=exp.In(this=_element(types, type_position),
                                    expressions=[exp.Literal.string("object"), exp.Literal.string("array")]))
    return exp.Case(ifs=[exp.If(this=is_scalar, true=_element(strings, position))])


def _single_source(select: exp.Select) -> exp.Expression | None:
    """The relation a SELECT reads, when it reads exactly one (no join), a table or a subquery."""
    from_ = select.args.get("from_")
    if from_ is None or select.args.get("joins") or not isinstance(from_.this, (exp.Table, exp.Subquery)):
        return None
    if not from_.this.alias_or_name:
        return None
    return from_.this


def _answer(kind: str, element: exp.Expression) -> exp.Expression:
    """One element of a grouped call, as the single-path BigQuery function would answer."""
    if kind == "json_type":
        return _bigquery_type_name(element)
    if kind == "json_value":  # DuckDB's json_value gives the scalar as JSON (or NULL): unquote it
        return exp.JSONExtractScalar(this=element, expression=exp.JSONPath(expressions=[exp.JSONPathRoot()]))
    return element


def _filtered_arrays(tree: exp.Expression) -> exp.Expression:
    """`ARRAY(SELECT f(x) FROM UNNEST(list) AS x WITH OFFSET AS i WHERE x IS NOT NULL ORDER BY i)`
    becomes `LIST_TRANSFORM(LIST_FILTER(list, LAMBDA x: x IS NOT NULL), LAMBDA x: f(x))`.

    The models collect their rejection reasons this way, once per row; DuckDB runs the
    subquery as a correlated join, which cost more than all the JSON parsing. Both keep the
    list's order and drop its NULLs, so the result is the same. Any other shape is left alone.
    """
    def replace(node):
        if not isinstance(node, exp.Array) or len(node.expressions) != 1:
            return node
        select = node.expressions[0]
        variable = _filtered_unnest_variable(select) if isinstance(select, exp.Select) else None
        if variable is None:
            return node
        items = select.args["from_"].this.expressions[0]
        keep = exp.Lambda(this=exp.Not(this=exp.Is(this=exp.to_identifier(variable), expression=exp.Null())),
                          expressions=[exp.to_identifier(variable)])
        filtered = exp.ArrayFilter(this=items.copy(), expression=keep)
        projection = select.expressions[0].unalias()
        if isinstance(projection, exp.Column) and projection.name == variable and not projection.table:
            return filtered
        return exp.Transform(this=filtered, expression=exp.Lambda(this=projection.copy(),
                                                                 expressions=[exp.to_identifier(variable)]))

    return tree.transform(replace, copy=False)


def _filtered_unnest_variable(select: exp.Select) -> str | None:
    """The element name if `select` is exactly the filter-and-keep-order shape, else None."""
    source = select.args.get("from_")
    unnest = source.this if source else None
    if (not isinstance(unnest, exp.Unnest) or len(unnest.expressions) != 1 or len(select.expressions) != 1
            or select.args.get("joins") or select.args.get("group") or select.args.get("limit")
            or select.args.get("having") or select.args.get("distinct")):
        return None
    alias, offset = unnest.args.get("alias"), unnest.args.get("offset")
    if alias is None or len(alias.columns) != 1 or not isinstance(offset, exp.Identifier):
        return None
    variable, position = alias.columns[0].name, offset.name
    where = select.args.get("where")
    condition = where.this if where else None
    if not (isinstance(condition, exp.Not) and isinstance(condition.this, exp.Is)
            and isinstance(condition.this.this, exp.Column) and condition.this.this.name == variable
            and isinstance(condition.this.expression, exp.Null)):
        return None
    order = select.args.get("order")
    ordered = order.expressions if order else []
    if not (len(ordered) == 1 and isinstance(ordered[0].this, exp.Column) and ordered[0].this.name == position
            and not ordered[0].args.get("desc")):
        return None
    if any(c.name == position for c in select.expressions[0].find_all(exp.Column)):
        return None
    return variable


def _json_type(tree: exp.Expression) -> exp.Expression:
    def replace(node):
        if isinstance(node, exp.JSONType):
            return _bigquery_type_name(exp.Anonymous(this="json_type", expressions=[node.this]))
        return node

    return tree.transform(replace, copy=False)


def _bigquery_type_name(duck_type: exp.Expression) -> exp.Expression:
    """DuckDB's JSON type name (VARCHAR, BIGINT, ...) as BigQuery's JSON_TYPE says it."""
    case = exp.Case(this=duck_type)
    for duck, bigquery in _JSON_TYPE_NAMES.items():
        case = case.when(exp.Literal.string(duck), exp.Literal.string(bigquery))
    return case


def _lateral_unnests(tree: exp.Expression) -> exp.Expression:
    """`FROM t AS a, UNNEST(list) AS x WITH OFFSET AS i WHERE c` becomes
    `FROM (SELECT * EXCLUDE (l), UNNEST(l) AS x, GENERATE_SUBSCRIPTS(l, 1) - 1 AS i
           FROM (SELECT *, list AS l FROM t AS a WHERE c)) AS a`.

    DuckDB plans the lateral join by grouping and hash-joining on the correlated columns, here
    a whole JSON document per row; the select-list UNNEST streams instead. Both give a row per
    element with its 0-based position and none for a NULL or empty list. The WHERE moves
    inside when it does not mention x or i, so that a row it excludes is never unnested (as
    before); JSON_QUERY_ARRAY in the list becomes `path[*]`, the elements without the array's
    re-serialisation, and an empty list instead of NULL for a non-array: no rows either way.
    Any other shape (more joins, an ON, a qualified x or i) is left alone.
    """
    for select in list(tree.find_all(exp.Select)):
        rewritten = _lateral_unnest_source(select)
        if rewritten is not None:
            select.set("joins", None)
            select.set("from_", exp.From(this=rewritten))
    return tree


def _lateral_unnest_source(select: exp.Select) -> exp.Subquery | None:
    source, joins = select.args.get("from_"), select.args.get("joins") or []
    table = source.this if source else None
    if not isinstance(table, exp.Table) or len(joins) != 1:
        return None
    join = joins[0]
    unnest = join.this
    if (not isinstance(unnest, exp.Unnest) or len(unnest.expressions) != 1 or join.args.get("on")
            or join.args.get("using") or join.side or (join.kind or "CROSS") != "CROSS"):
        return None
    alias, offset = unnest.args.get("alias"), unnest.args.get("offset")
    if alias is None or alias.this or len(alias.columns) != 1 or not isinstance(offset, exp.Identifier):
        return None
    element, position = alias.columns[0].name, offset.name
    produced = {element.lower(), position.lower()}
    if any(c.name.lower() in produced and c.table for c in select.find_all(exp.Column)):
        return None
    where = select.args.get("where")
    pushed = where is not None and not any(c.name.lower() in produced for c in where.find_all(exp.Column))

    items = unnest.expressions[0].copy()
    if isinstance(items, exp.JSONExtractArray) and isinstance(items.expression, exp.JSONPath):
        path = items.expression.copy()
        path.append("expressions", exp.JSONPathSubscript(this=exp.JSONPathWildcard()))
        items = exp.JSONExtract(this=items.this, expression=path)
    name = table.alias_or_name
    inner = exp.select(exp.Star(), exp.alias_(items, "__unnested")).from_(table.copy())
    if pushed:
        inner.set("where", where.pop())
    listed = exp.column("__unnested")
    outer = exp.select(
        exp.Star(except_=[listed.copy()]),
        exp.alias_(exp.Anonymous(this="UNNEST", expressions=[listed.copy()]), element),
        exp.alias_(exp.Sub(this=exp.Anonymous(this="GENERATE_SUBSCRIPTS",
                                              expressions=[listed.copy(), exp.Literal.number(1)]),
                           expression=exp.Literal.number(1)), position),
    ).from_(inner.subquery(name))
    return outer.subquery(name)


def _json_arrays(tree: exp.Expression) -> exp.Expression:
    """JSON_QUERY_ARRAY outside a lateral UNNEST (those read `p[*]`, empty for a non-array)."""
    def path(call: exp.JSONExtractArray) -> exp.Expression:
        return sqlglot.parse_one(call.expression.sql(dialect="duckdb"), read="duckdb")

    def only_for_an_array(call: exp.JSONExtractArray, answer: exp.Expression) -> exp.Expression:
        is_array = exp.EQ(this=exp.Anonymous(this="json_type", expressions=[call.this.copy(), path(call)]),
                          expression=exp.Literal.string("ARRAY"))
        return exp.Case(ifs=[exp.If(this=is_array, true=answer)])

    def replace(node):
        if isinstance(node, exp.ArraySize) and isinstance(node.this, exp.JSONExtractArray):
            call = node.this
            return only_for_an_array(call, exp.Anonymous(this="json_array_length", expressions=[call.this.copy(), path(call)]))
        if isinstance(node, exp.JSONExtractArray) and isinstance(node.expression, exp.JSONPath):
            return only_for_an_array(node, node.copy())
        return node

    return tree.transform(replace, copy=False)


def _unnest_offsets(tree: exp.Expression) -> exp.Expression:
    """`WITH OFFSET AS i` counts from 0; DuckDB's ordinality from 1. Every use of i becomes i - 1."""
    for select in list(tree.find_all(exp.Select)):
        offsets = set()
        for unnest in select.find_all(exp.Unnest):
            if unnest.parent_select is select and unnest.args.get("offset") is not None:
                offset = unnest.args["offset"]
                offsets.add(offset.name.lower() if isinstance(offset, exp.Identifier) else "offset")
        if not offsets:
            continue
        for column in list(select.find_all(exp.Column)):
            if column.table or column.name.lower() not in offsets:
                continue
            if _defined_in_nested_select(column, select, offsets):
                continue
            zero_based = exp.paren(exp.Sub(this=column.copy(), expression=exp.Literal.number(1)), copy=False)
            if column.parent is select and column.arg_key == "expressions":
                zero_based = exp.alias_(zero_based, column.name)
            column.replace(zero_based)
    return tree


def _defined_in_nested_select(column: exp.Column, outer: exp.Select, names: set[str]) -> bool:
    scope = column.parent_select
    while scope is not None and scope is not outer:
        for unnest in scope.find_all(exp.Unnest):
            offset = unnest.args.get("offset")
            if unnest.parent_select is scope and offset is not None and offset.name.lower() in names:
                return True
        scope = scope.parent_select if scope.parent is not None else None
    return False


def _numeric(tree: exp.Expression) -> exp.Expression:
    for data_type in tree.find_all(exp.DataType):
        if data_type.this in (exp.DataType.Type.DECIMAL, exp.DataType.Type.BIGDECIMAL) and not data_type.expressions:
            data_type.replace(exp.DataType.build("DECIMAL(38, 9)"))
    return tree


# A BigQuery FORMAT specifier: flags, width, precision, conversion.
_FORMAT_SPECIFIER = re.compile(r"%([-+ #0']*)(\*|\d+)?(?:\.(\*|\d+))?([a-zA-Z%])")


def _format(tree: exp.Expression) -> exp.Expression:
    def replace(node):
        if not isinstance(node, exp.Format):
            return node
        pattern, arguments = node.this, [a.copy() for a in node.expressions]
        if not (isinstance(pattern, exp.Literal) and pattern.is_string):
            return exp.Anonymous(this="printf", expressions=[pattern.copy(), *arguments])
        text, position = [], 0
        for match in _FORMAT_SPECIFIER.finditer(pattern.name):
            flags, width, precision, conversion = match.groups()
            position += (width == "*") + (precision == "*")
            if conversion in "TpP":  # SQL literals and JSON: not reproduced locally
                raise UntranslatableSQL(f"FORMAT's %{conversion}", pattern.name)
            if conversion == "t" and position < len(arguments):
                arguments[position] = exp.paren(_with_value(_PRINTABLE, arguments[position]), copy=False)
                conversion = "s"
            position += conversion != "%"
            text.append((match.span(), f"%{flags}{width or ''}{'.' + precision if precision else ''}{conversion}"))
        rewritten = pattern.name
        for (start, end), specifier in reversed(text):
            rewritten = rewritten[:start] + specifier + rewritten[end:]
        return exp.Anonymous(this="printf", expressions=[exp.Literal.string(rewritten), *arguments])

    return tree.transform(replace, copy=False)





_INTEGER_ALIASES = {exp.DataType.Type.INT, exp.DataType.Type.SMALLINT, exp.DataType.Type.TINYINT,
                    exp.DataType.Type.MEDIUMINT, exp.DataType.Type.UTINYINT}


def _integers(tree: exp.Expression) -> exp.Expression:
    for data_type in tree.find_all(exp.DataType):
        if data_type.this in _INTEGER_ALIASES:
            data_type.replace(exp.DataType.build("BIGINT"))
    return tree


# BigQuery's rules for text (ZetaSQL's StringToNumeric): an optional sign and decimal digits with
# ASCII whitespace around them, or a sign, 0x and hex digits after nothing but spaces; a bool is
# 'true' or 'false' in any case. `{cast}` is CAST or TRY_CAST; `{bad}` is what other text gives:
# NULL for SAFE_CAST, BigQuery's error for CAST. DuckDB settles the CASE on typeof(x) when it
# plans the query, so each cast keeps one branch.
_ASCII_SPACE = r"[\t\n\x0B\f\r ]"
_INT64_CAST = f"""CASE typeof(__value)
  WHEN 'VARCHAR' THEN CASE
    WHEN CAST(__value AS VARCHAR) IS NULL THEN NULL
    WHEN regexp_full_match(CAST(__value AS VARCHAR), '{_ASCII_SPACE}*[+-]?[0-9]+{_ASCII_SPACE}*')
      THEN {{cast}}(CAST(__value AS VARCHAR) AS BIGINT)
    WHEN regexp_full_match(CAST(__value AS VARCHAR), ' *[+-]?0[xX][0-9a-fA-F]+{_ASCII_SPACE}*')
      THEN {{cast}}(IF(starts_with(ltrim(CAST(__value AS VARCHAR), ' '), '-'), -1, 1)
        * {{cast}}('0x' || regexp_extract(CAST(__value AS VARCHAR), '0[xX]([0-9a-fA-F]+)', 1) AS HUGEINT) AS BIGINT)
    ELSE {{bad}}
  END
  WHEN 'DOUBLE' THEN {{cast}}(round(TRY_CAST(__value AS DOUBLE)) AS BIGINT)
  WHEN 'FLOAT' THEN {{cast}}(round(TRY_CAST(__value AS DOUBLE)) AS BIGINT)
  ELSE {{cast}}(__value AS BIGINT)
END"""
_BOOL_CAST = """CASE typeof(__value)
  WHEN 'VARCHAR' THEN CASE
    WHEN CAST(__value AS VARCHAR) IS NULL THEN NULL
    WHEN lower(CAST(__value AS VARCHAR)) = 'true' THEN TRUE
    WHEN lower(CAST(__value AS VARCHAR)) = 'false' THEN FALSE
    ELSE {bad}
  END
  ELSE {cast}(__value AS BOOLEAN)
END"""


def _cast_rule(template: str, safe: bool, kind: str) -> exp.Expression:
    bad = "NULL" if safe else f"error('Bad {kind} value: ' || CAST(__value AS VARCHAR))"
    return sqlglot.parse_one(template.format(cast="TRY_CAST" if safe else "CAST", bad=bad), read="duckdb")


# A FLOAT64 as text, as ZetaSQL's RoundTripDoubleToString writes it: %.15g, or %.17g when that
# does not read back as the same number. A NUMERIC without DuckDB's trailing zeros.
_FLOAT_TEXT = """CASE
    WHEN isnan(TRY_CAST(__value AS DOUBLE)) THEN 'nan'
    WHEN CAST(printf('%.15g', TRY_CAST(__value AS DOUBLE)) AS DOUBLE) = TRY_CAST(__value AS DOUBLE)
      THEN printf('%.15g', TRY_CAST(__value AS DOUBLE))
    ELSE printf('%.17g', TRY_CAST(__value AS DOUBLE))
  END"""
_NUMERIC_TEXT = """CASE WHEN contains(CAST(__value AS VARCHAR), '.')
    THEN rtrim(rtrim(CAST(__value AS VARCHAR), '0'), '.') ELSE CAST(__value AS VARCHAR) END"""
_STRING_CAST = f"""CASE
  WHEN typeof(__value) = 'DOUBLE' THEN {_FLOAT_TEXT}
  WHEN typeof(__value) LIKE 'DECIMAL%' THEN {_NUMERIC_TEXT}
  ELSE {{cast}}(__value AS VARCHAR)
END"""
# FORMAT's %t: 'NULL' for NULL, and a FLOAT64 or NUMERIC always with a decimal point.
_PRINTABLE = f"""CASE
  WHEN __value IS NULL THEN 'NULL'
  WHEN typeof(__value) = 'DOUBLE' THEN
    CASE WHEN regexp_full_match({_FLOAT_TEXT}, '-?[0-9]+') THEN {_FLOAT_TEXT} || '.0' ELSE {_FLOAT_TEXT} END
  WHEN typeof(__value) LIKE 'DECIMAL%' THEN
    CASE WHEN contains({_NUMERIC_TEXT}, '.') THEN {_NUMERIC_TEXT} ELSE {_NUMERIC_TEXT} || '.0' END
  ELSE CAST(__value AS VARCHAR)
END"""
_CAST_RULES = {(exp.DataType.Type.BIGINT, safe): _cast_rule(_INT64_CAST, safe, "int64") for safe in (True, False)} | {
    (exp.DataType.Type.BOOLEAN, safe): _cast_rule(_BOOL_CAST, safe, "bool") for safe in (True, False)} | {
    (exp.DataType.Type.TEXT, safe): _cast_rule(_STRING_CAST, safe, "string") for safe in (True, False)}


def _float_literals(tree: exp.Expression) -> exp.Expression:
    """A number written with a point or an exponent is a FLOAT64 in BigQuery and a DECIMAL in
    DuckDB, which changes arithmetic: 0.1 + 0.2 is 0.30000000000000004 in BigQuery, 0.3 in
    DuckDB. Typed as DOUBLE, they compute alike."""
    for literal in list(tree.find_all(exp.Literal)):
        if not literal.is_string and any(c in literal.name.lower() for c in ".e") and literal.find_ancestor(exp.DataType, exp.TableSample) is None:
            literal.replace(exp.Cast(this=literal.copy(), to=exp.DataType.build("DOUBLE")))
    return tree


def _casts(tree: exp.Expression) -> exp.Expression:
    """CAST and SAFE_CAST to INT64, BOOL or STRING by BigQuery's rules, whatever the operand's type."""
    for node in _innermost_first(tree, exp.Cast, exp.TryCast):
        if type(node) not in (exp.Cast, exp.TryCast) or node.args.get("format"):
            continue
        rule = _CAST_RULES.get((node.to.this, isinstance(node, exp.TryCast)))
        if rule is None or not _needs_rule(node.this, node.to.this):
            continue
        tree = _replace(tree, node, exp.paren(_with_value(rule, node.this), copy=False))
    return tree


def _with_value(template: str | exp.Expression, value: exp.Expression) -> exp.Expression:
    """The DuckDB expression `template` with `value` in place of each `__value`."""
    tree = sqlglot.parse_one(template, read="duckdb") if isinstance(template, str) else template.copy()
    for placeholder in list(tree.find_all(exp.Column)):
        if placeholder.name == "__value":
            placeholder.replace(value.copy())
    return tree


def _innermost_first(tree: exp.Expression, *kinds) -> list[exp.Expression]:
    """The nodes of these kinds, each after those inside it, so that nested ones are all rewritten."""
    return list(reversed(list(tree.find_all(*kinds))))


def _replace(tree: exp.Expression, node: exp.Expression, new: exp.Expression) -> exp.Expression:
    if node is tree:
        return new
    node.replace(new)
    return tree


def _needs_rule(value: exp.Expression, target: exp.DataType.Type) -> bool:
    """Whether casting `value` to `target` may differ between DuckDB and BigQuery. Operands whose
    kind is plain from the SQL (NULL, literals, concatenations, other casts) are left as they are
    where the kind casts alike, so that the SQL stays short; the rest get the rule."""
    if isinstance(value, (exp.Null, exp.Boolean)):
        return False
    if isinstance(value, exp.Literal):
        kind = "text" if value.is_string else "float" if any(c in value.name.lower() for c in ".e") else "integer"
    elif isinstance(value, (exp.Concat, exp.DPipe)):
        kind = "text"
    elif isinstance(value, (exp.Cast, exp.TryCast)):
        kind = ("text" if value.to.is_type(exp.DataType.Type.VARCHAR, exp.DataType.Type.TEXT)
                else "float" if value.to.is_type(exp.DataType.Type.DOUBLE, exp.DataType.Type.FLOAT,
                                                 exp.DataType.Type.DECIMAL, exp.DataType.Type.BIGDECIMAL)
                else "other")
    else:
        return True
    if target == exp.DataType.Type.TEXT:
        return kind == "float"
    return kind in ("text", "float")


# What BigQuery's TRIM(x) removes (Unicode's White_Space, the contract's WHITESPACE), as an RE2 class.
WHITESPACE_CLASS = "[" + "".join(f"\\x{{{ord(c):X}}}" for c in WHITESPACE) + "]"


def _trim(tree: exp.Expression) -> exp.Expression:
    """BigQuery's TRIM without characters, as a test of the ends and a rewrite only when needed.

    Besides the set of characters, this is about time: DuckDB's right-hand trim walks the whole
    string from its start, a third of a second per 100k payloads, while an end-anchored RE2
    match reads only the end. Nearly every string has no whitespace at its ends.
    """
    def replace(node):
        if not isinstance(node, exp.Trim) or node.expression is not None:
            return node
        position = (node.args.get("position") or "BOTH").upper()
        ends = [pattern for side, pattern in (("LEADING", f"^{WHITESPACE_CLASS}+"), ("TRAILING", f"{WHITESPACE_CLASS}+$"))
                if position in ("BOTH", side)]
        value = node.this

        def call(name, *args):
            return exp.Anonymous(this=name, expressions=[value.copy(), *args])

        tests = [call("regexp_matches", exp.Literal.string(pattern)) for pattern in ends]
        trimmed = call("regexp_replace", exp.Literal.string("|".join(ends)), exp.Literal.string(""), exp.Literal.string("g"))
        return exp.Case(ifs=[exp.If(this=exp.or_(*tests), true=trimmed)], default=value.copy())

    return tree.transform(replace, copy=False)


def _farm_fingerprint(tree: exp.Expression) -> exp.Expression:
    def replace(node):
        if isinstance(node, exp.FarmFingerprint):
            return exp.Anonymous(this="farm_fingerprint", expressions=node.expressions)
        return node

    return tree.transform(replace, copy=False)


_WEEKDAYS = ["SUNDAY", "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY"]


def _extract_parts(tree: exp.Expression) -> exp.Expression:
    """EXTRACT parts that DuckDB names or counts differently.

    DAYOFWEEK: DuckDB counts Sunday as 0, BigQuery as 1. WEEK and WEEK(<day>): BigQuery numbers
    weeks from 0, starting on that day (Sunday for WEEK), the days before the year's first such
    day being week 0; DuckDB's WEEK is the ISO week, which is BigQuery's ISOWEEK (a name DuckDB
    does not know)."""
    def replace(node):
        if not isinstance(node, exp.Extract):
            return node
        part, value = node.this, node.expression
        if isinstance(part, exp.WeekStart) or part.name.upper() == "WEEK":
            start = _WEEKDAYS.index(part.this.name.upper()) if isinstance(part, exp.WeekStart) else 0
            # The week's first day is `offset` days back; a week whose first day is in the year
            # before is week 0.
            offset = f"(dayofweek(__value) - {start} + 7) % 7"
            return exp.paren(_with_value(f"(dayofyear(__value) - {offset} + 6) // 7", value), copy=False)
        if part.name.upper() == "ISOWEEK":
            return exp.Extract(this=exp.var("WEEK"), expression=value)
        if part.name.upper() == "DAYOFWEEK":
            dow = exp.Extract(this=exp.var("DOW"), expression=value)
            return exp.paren(exp.Add(this=dow, expression=exp.Literal.number(1)), copy=False)
        return node

    return tree.transform(replace, copy=False)


def _timestamp_diff(tree: exp.Expression) -> exp.Expression:
    """TIMESTAMP_DIFF counts whole units (10:59 to 12:58 is 1 hour); DuckDB's date_diff, which
    sqlglot writes, counts the unit's boundaries crossed (2 hours). date_sub counts whole units."""
    def replace(node):
        if not isinstance(node, exp.TimestampDiff):
            return node
        unit = exp.Literal.string((node.unit.name if node.unit else "DAY").upper())
        return exp.Anonymous(this="date_sub", expressions=[unit, node.expression, node.this])

    return tree.transform(replace, copy=False)


def _division(tree: exp.Expression) -> exp.Expression:
    """x / y fails when y is 0, as in BigQuery; the error names the division, so that the model's
    author can find it (SAFE_DIVIDE is the BigQuery way to get NULL instead)."""
    for node in _innermost_first(tree, exp.Div):
        divisor = node.expression
        if isinstance(divisor, exp.Literal) and not divisor.is_string and float(divisor.name) != 0:
            continue
        message = exp.Literal.string(f"division by zero: {node.sql(dialect='bigquery')}")
        checked = _with_value("CASE WHEN __value = 0 THEN error(__message) ELSE __value END", divisor)
        for placeholder in list(checked.find_all(exp.Column)):
            if placeholder.name == "__message":
                placeholder.replace(message.copy())
        node.set("expression", exp.paren(checked, copy=False))
    return tree


def _ieee_divide(tree: exp.Expression) -> exp.Expression:
    def replace(node):
        if isinstance(node, exp.Anonymous) and node.name.upper() == "IEEE_DIVIDE" and len(node.expressions) == 2:
            dividend, divisor = node.expressions
            return exp.paren(exp.Div(this=exp.Cast(this=dividend, to=exp.DataType.build("DOUBLE")), expression=divisor),
                             copy=False)
        return node

    return tree.transform(replace, copy=False)


# BigQuery's DATE_TRUNC granularities as DuckDB time buckets, which keep the input's type (DuckDB's
# date_trunc makes a DATE a TIMESTAMP). A week starts on its day: 2000-01-02 was a Sunday.
_BUCKETS = {"DAY": ("1 day", None), "MONTH": ("1 month", None), "QUARTER": ("3 months", None),
            "YEAR": ("1 year", None), "WEEK": ("7 days", "2000-01-02"), "ISOWEEK": ("7 days", "2000-01-03")} | {
    f"WEEK({day})": ("7 days", f"2000-01-{2 + number:02d}") for number, day in enumerate(_WEEKDAYS)}


def _date_trunc(tree: exp.Expression) -> exp.Expression:
    def replace(node):
        if not isinstance(node, exp.DateTrunc) or node.args.get("zone"):
            return node
        unit = node.args.get("unit")
        name = f"WEEK({unit.this.name.upper()})" if isinstance(unit, exp.WeekStart) else unit.name.upper()
        if name not in _BUCKETS:
            return node  # ISOYEAR, and the time units of a DATETIME or TIMESTAMP, stay date_trunc
        width, origin = _BUCKETS[name]
        arguments = [exp.Interval(this=exp.Literal.string(width)), node.this]
        if origin:
            arguments.append(exp.Cast(this=exp.Literal.string(origin), to=exp.DataType.build("DATE")))
        return exp.Anonymous(this="time_bucket", expressions=arguments)

    return tree.transform(replace, copy=False)


def _date_arithmetic(tree: exp.Expression) -> exp.Expression:
    """BigQuery's DATE_ADD, DATE_SUB and DATE_FROM_UNIX_DATE give a DATE; DuckDB's DATE + INTERVAL
    a TIMESTAMP. The day arithmetic is the same, month ends included (Jan 31 + 1 month: Feb 29)."""
    for node in _innermost_first(tree, exp.DateAdd, exp.DateSub, exp.DateFromUnixDate):
        tree = _replace(tree, node, exp.Cast(this=node.copy(), to=exp.DataType.build("DATE")))
    return tree


_NAMESPACES_WITHOUT_COUNTERPART = {"HLL_COUNT", "KEYS", "AEAD", "DETERMINISTIC_ENCRYPT"}


def _unavailable(tree: exp.Expression) -> exp.Expression:
    """BigQuery functions the local runner does not run, named before DuckDB meets them."""
    for node in tree.walk():
        if isinstance(node, exp.NetFunc):
            inner = node.this
            name = inner.name if isinstance(inner, exp.Anonymous) else re.sub(r"(?<!^)(?=[A-Z])", "_", type(inner).__name__)
            raise UntranslatableSQL(f"NET.{name.upper()}", "BigQuery's URL and IP functions have no DuckDB counterpart here")
        if isinstance(node, exp.Dot) and node.this.name.upper() in _NAMESPACES_WITHOUT_COUNTERPART:
            raise UntranslatableSQL(f"{node.this.name.upper()}.{node.expression.name.upper()}")
        if isinstance(node, exp.GroupConcat) and isinstance(node.this, exp.Limit):
            raise UntranslatableSQL("STRING_AGG with LIMIT")
    return tree


def _byte_length(tree: exp.Expression) -> exp.Expression:
    for node in _innermost_first(tree, exp.ByteLength):
        rule = "CASE typeof(__value) WHEN 'BLOB' THEN octet_length(TRY_CAST(__value AS BLOB)) ELSE strlen(CAST(__value AS VARCHAR)) END"
        tree = _replace(tree, node, exp.paren(_with_value(rule, node.this), copy=False))
    return tree


def _array_agg_limit(tree: exp.Expression) -> exp.Expression:
    """ARRAY_AGG(x [ORDER BY ...] LIMIT n) as the first n elements of ARRAY_AGG(x [ORDER BY ...])."""
    def limited(node) -> exp.Limit | None:
        agg = node.this if isinstance(node, (exp.IgnoreNulls, exp.RespectNulls)) else node
        if isinstance(agg, exp.ArrayAgg) and isinstance(agg.this, exp.Limit):
            return agg.this
        return None

    def replace(node):
        limit = limited(node)
        if limit is None or (isinstance(node, exp.ArrayAgg) and isinstance(node.parent, (exp.IgnoreNulls, exp.RespectNulls))):
            return node
        count = limit.expression
        limit.replace(limit.this)
        return exp.Anonymous(this="list_slice", expressions=[node, exp.Literal.number(1), count])

    return tree.transform(replace, copy=False)


def register_functions(connection) -> None:
    """UDFs for BigQuery functions DuckDB lacks."""
    import farmhash

    def farm_fingerprint(value: str | None) -> int | None:
        if value is None:
            return None
        unsigned = farmhash.fingerprint64(value)
        return unsigned - (1 << 64) if unsigned >= 1 << 63 else unsigned

    connection.create_function("farm_fingerprint", farm_fingerprint, ["VARCHAR"], "BIGINT",
                               null_handling="special", side_effects=False)

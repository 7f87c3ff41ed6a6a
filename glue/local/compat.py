"""BigQuery SQL to DuckDB SQL: sqlglot, plus the fixes where its DuckDB output is wrong.

The models stay BigQuery SQL; this module is the only place that adapts them. Each fix is a
small AST rewrite named for what it corrects, and each has a test in tests/test_compat.py
that runs the BigQuery form on DuckDB and checks BigQuery's answer.

Fixes (sqlglot 30 → DuckDB 2):
- three-part names `project.dataset.table`: the project is dropped (a DuckDB schema per dataset);
- `SAFE.f(...)` became `SAFE.f(...)`: now `TRY(f(...))`, NULL on error as in BigQuery;
- `JSON_TYPE` answers in DuckDB's type names (VARCHAR, BIGINT, ...): mapped to BigQuery's
  ('string', 'number', ...);
- `UNNEST ... WITH OFFSET` became 1-based `WITH ORDINALITY`: the offset counts from 0 again;
- `NUMERIC` became DuckDB's `DECIMAL(18,3)`: now `DECIMAL(38,9)`, BigQuery's NUMERIC;
- `FARM_FINGERPRINT` has no DuckDB counterpart: a UDF with FarmHash Fingerprint64;
- `EXTRACT(DAYOFWEEK ...)`: DuckDB counts Sunday as 0, BigQuery as 1;
- scripting `DECLARE x T DEFAULT e` / `SET x = e`: DuckDB variables (`SET VARIABLE`,
  `getvariable('x')`);
- `ALTER TABLE ... SET OPTIONS` and other BigQuery-only DDL: nothing to do locally, skipped.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

_JSON_TYPE_NAMES = {
    "OBJECT": "object", "ARRAY": "array", "VARCHAR": "string", "BIGINT": "number",
    "UBIGINT": "number", "DOUBLE": "number", "HUGEINT": "number", "BOOLEAN": "boolean", "NULL": "null",
}


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


class Translator:
    """Translates the statements of one action; remembers the variables its script declared."""

    def __init__(self, file: str = ""):
        self.file = file
        self.variables: set[str] = set()

    # ------------------------------------------------------------------ entry points
    def script(self, sql: str) -> Script:
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
        for fix in (_drop_project, _safe_functions, _group_json_paths, _json_type, _filtered_arrays,
                    _unnest_offsets, _numeric,
                    _farm_fingerprint, _dayofweek, self._variables):
            tree = fix(tree)
        return tree.sql(dialect="duckdb")

    def _variables(self, tree: exp.Expression) -> exp.Expression:
        if not self.variables:
            return tree

        def replace(node):
            if (isinstance(node, exp.Column) and not node.table
                    and node.name.lower() in self.variables):
                return exp.Anonymous(this="getvariable", expressions=[exp.Literal.string(node.name)])
            return node

        return tree.transform(replace)


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
        if isinstance(node, exp.SafeFunc):
            return exp.Anonymous(this="TRY", expressions=[node.this])
        return node

    return tree.transform(replace)


def _group_json_paths(tree: exp.Expression) -> exp.Expression:
    """Parse each JSON document once per row, not once per path.

    DuckDB's JSON functions re-parse their text argument on every call, and a staging model
    reads twenty-odd paths of the same document. Within one SELECT list, the JSON_VALUE /
    JSON_QUERY calls on one column become elements of a single `col -> [path, ...]` list,
    identical everywhere it appears, so DuckDB's common-subexpression elimination evaluates
    it once per row. Each element is the JSON value at its path (NULL when absent), and
    `->> '$'` of it equals `col ->> path`, so results do not change; only the time does.
    """
    for select in list(tree.find_all(exp.Select)):
        groups: dict[str, list[exp.Expression]] = {}
        for projection in select.expressions:
            for node in projection.find_all(exp.JSONExtract, exp.JSONExtractScalar):
                if (node.parent_select is select and isinstance(node.this, exp.Column)
                        and isinstance(node.expression, exp.JSONPath)):
                    groups.setdefault(node.this.sql(dialect="duckdb"), []).append(node)
        for column, nodes in groups.items():
            paths = sorted({node.expression.sql(dialect="duckdb") for node in nodes})
            if len(paths) < 3:  # below that, one parse per path costs about the same
                continue
            listed = f"({column} -> [{', '.join(paths)}])"
            for node in nodes:
                element = f"{listed}[{paths.index(node.expression.sql(dialect='duckdb')) + 1}]"
                scalar = isinstance(node, exp.JSONExtractScalar)
                node.replace(sqlglot.parse_one(f"{element} ->> '$'" if scalar else element, read="duckdb"))
    return tree


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

    return tree.transform(replace)


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
            duck_type = exp.Anonymous(this="json_type", expressions=[node.this])
            case = exp.Case(this=duck_type)
            for duck, bigquery in _JSON_TYPE_NAMES.items():
                case = case.when(exp.Literal.string(duck), exp.Literal.string(bigquery))
            return case
        return node

    return tree.transform(replace)


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


def _farm_fingerprint(tree: exp.Expression) -> exp.Expression:
    def replace(node):
        if isinstance(node, exp.FarmFingerprint):
            return exp.Anonymous(this="farm_fingerprint", expressions=node.expressions)
        return node

    return tree.transform(replace)


def _dayofweek(tree: exp.Expression) -> exp.Expression:
    def replace(node):
        if isinstance(node, exp.Extract) and node.this.name.upper() == "DAYOFWEEK":
            dow = exp.Extract(this=exp.var("DOW"), expression=node.expression)
            return exp.paren(exp.Add(this=dow, expression=exp.Literal.number(1)), copy=False)
        return node

    return tree.transform(replace)


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

"""JSON functions, UNNEST and arrays as BigQuery has them.

- `JSON_TYPE` answers in BigQuery's names ('string', 'number', ...), not DuckDB's (VARCHAR,
  BIGINT, ...);
- `JSON_QUERY_ARRAY(x, p)` is NULL when p is not an array (a cast would fail); `ARRAY_LENGTH`
  of it counts the elements without copying them out;
- `UNNEST ... WITH OFFSET` counts from 0 (DuckDB's ordinality counts from 1);
- `ARRAY_AGG(... LIMIT n)` is the first n of the aggregate (sqlglot writes SQL DuckDB cannot parse);
- `FROM UNNEST(array of STRUCTs)` without an alias makes each field a column, as in BigQuery
  (the GA4 idiom `(SELECT value.string_value FROM UNNEST(event_params) WHERE key = 'page')`),
  where the SELECT names any (only a STRUCT array's elements can be named without an alias);
- a field or subscript of a JSON literal, `JSON '{"a": 1}'.a`, is of the JSON (sqlglot reads
  it as the field of the text inside the literal, which DuckDB refuses).
The rewrites that only make these faster are in ../speed/.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from glue.runner.translate.tree_edits import innermost_first, with_value

_JSON_TYPE_NAMES = {
    "OBJECT": "object",
    "ARRAY": "array",
    "VARCHAR": "string",
    "BIGINT": "number",
    "UBIGINT": "number",
    "DOUBLE": "number",
    "HUGEINT": "number",
    "BOOLEAN": "boolean",
    "NULL": "null",
}


def json_arrays(tree: exp.Expression) -> exp.Expression:
    """JSON_QUERY_ARRAY outside a lateral UNNEST (those read `p[*]`, empty for a non-array)."""

    def path(call: exp.JSONExtractArray) -> exp.Expression:
        return sqlglot.parse_one(call.expression.sql(dialect="duckdb"), read="duckdb")

    def only_for_an_array(call: exp.JSONExtractArray, answer: exp.Expression) -> exp.Expression:
        is_array = exp.EQ(
            this=exp.Anonymous(this="json_type", expressions=[call.this.copy(), path(call)]),
            expression=exp.Literal.string("ARRAY"),
        )
        return exp.Case(ifs=[exp.If(this=is_array, true=answer)])

    def replace(node):
        if isinstance(node, exp.ArraySize) and isinstance(node.this, exp.JSONExtractArray):
            call = node.this
            return only_for_an_array(
                call, exp.Anonymous(this="json_array_length", expressions=[call.this.copy(), path(call)])
            )
        if isinstance(node, exp.JSONExtractArray) and isinstance(node.expression, exp.JSONPath):
            return only_for_an_array(node, node.copy())
        return node

    return tree.transform(replace, copy=False)


def json_type(tree: exp.Expression) -> exp.Expression:
    def replace(node):
        if isinstance(node, exp.JSONType):
            return bigquery_type_name(exp.Anonymous(this="json_type", expressions=[node.this]))
        return node

    return tree.transform(replace, copy=False)


def bigquery_type_name(duck_type: exp.Expression) -> exp.Expression:
    """DuckDB's JSON type name (VARCHAR, BIGINT, ...) as BigQuery's JSON_TYPE says it."""
    case = exp.Case(this=duck_type)
    for duck, bigquery in _JSON_TYPE_NAMES.items():
        case = case.when(exp.Literal.string(duck), exp.Literal.string(bigquery))
    return case


def unnest_offsets(tree: exp.Expression) -> exp.Expression:
    """`WITH OFFSET AS i` counts from 0; DuckDB's ordinality from 1. Every use of i becomes i - 1.

    An UNNEST with no alias for its elements lost the offset's name too (sqlglot names the
    ordinality column only beside an element alias), so `FROM UNNEST(a) WITH OFFSET o` could not
    bind `o`; the elements are given the name BigQuery shows for them, f0_."""
    for select in list(tree.find_all(exp.Select)):
        offsets = set()
        for unnest in select.find_all(exp.Unnest):
            if unnest.parent_select is select and unnest.args.get("offset") is not None:
                offset = unnest.args["offset"]
                if unnest.args.get("alias") is None and isinstance(offset, exp.Identifier):
                    unnest.set("alias", exp.TableAlias(columns=[exp.to_identifier("f0_"), offset.copy()]))
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


def array_agg_limit(tree: exp.Expression) -> exp.Expression:
    """ARRAY_AGG(x [ORDER BY ...] LIMIT n) as the first n elements of ARRAY_AGG(x [ORDER BY ...])."""

    def limited(node) -> exp.Limit | None:
        agg = node.this if isinstance(node, (exp.IgnoreNulls, exp.RespectNulls)) else node
        if isinstance(agg, exp.ArrayAgg) and isinstance(agg.this, exp.Limit):
            return agg.this
        return None

    def replace(node):
        limit = limited(node)
        if limit is None or (
            isinstance(node, exp.ArrayAgg) and isinstance(node.parent, (exp.IgnoreNulls, exp.RespectNulls))
        ):
            return node
        count = limit.expression
        limit.replace(limit.this)
        return exp.Anonymous(this="list_slice", expressions=[node, exp.Literal.number(1), count])

    return tree.transform(replace, copy=False)


def json_literal_paths(tree: exp.Expression) -> exp.Expression:
    for literal in list(tree.find_all(exp.ParseJSON)):
        if not literal.args.get("is_literal") or not isinstance(literal.this, (exp.Dot, exp.Bracket)):
            continue
        path, innermost = literal.this, literal.this
        while isinstance(innermost.this, (exp.Dot, exp.Bracket)):
            innermost = innermost.this
        if not (isinstance(innermost.this, exp.Literal) and innermost.this.is_string):
            continue
        innermost.set("this", exp.ParseJSON(this=innermost.this.copy(), is_literal=True))
        if literal is tree:
            return path
        literal.replace(path)
    return tree


def struct_unnests(tree: exp.Expression) -> exp.Expression:
    """FROM UNNEST(array of STRUCTs), without an alias, as its fields; see the module's docstring."""
    for select in innermost_first(tree, exp.Select):
        source = select.args.get("from_")
        unnest = source.this if source is not None else None
        if (
            not isinstance(unnest, exp.Unnest)
            or unnest.args.get("alias")
            or unnest.args.get("offset")
            or select.args.get("joins")
            or len(unnest.expressions) != 1
        ):
            continue
        named = [
            column
            for column in select.find_all(exp.Column)
            if column.parent_select is select and not column.is_star and column.find_ancestor(exp.Unnest) is not unnest
        ]
        if named:
            fields = with_value("SELECT __element.* FROM (SELECT UNNEST(__value) AS __element)", unnest.expressions[0])
            source.set("this", exp.Subquery(this=fields))
    return tree

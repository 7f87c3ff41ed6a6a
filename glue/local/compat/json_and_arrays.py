"""Fixes for JSON functions, UNNEST and arrays.

- `SAFE.PARSE_JSON`-parsed documents: a model's JSON paths on one document are read in one
  parse per row and kind of answer, its values as strings gated by the types it also asks for;
- `JSON_TYPE` answers in DuckDB's type names (VARCHAR, BIGINT, ...): mapped to BigQuery's
  ('string', 'number', ...);
- `JSON_QUERY_ARRAY(x, p)` became a cast that raises when p is not an array: now NULL, as in
  BigQuery; `ARRAY_LENGTH` of it counts the elements without copying them out;
- `FROM t, UNNEST(list)` became a lateral join that DuckDB runs by hashing each row's whole
  list source: now a select-list UNNEST in a derived table, the same rows in a third of the time;
- `ARRAY(SELECT ... FROM UNNEST(list) ... WHERE x IS NOT NULL ORDER BY offset)` becomes LIST_FILTER;
- `UNNEST ... WITH OFFSET` became 1-based `WITH ORDINALITY`: the offset counts from 0 again;
- `ARRAY_AGG(... LIMIT n)` became SQL DuckDB cannot parse: now the first n of the aggregate;
- `FROM UNNEST(array of STRUCTs)` without an alias makes each field a column in BigQuery (the
  GA4 idiom `(SELECT value.string_value FROM UNNEST(event_params) WHERE key = 'page')`); in
  DuckDB the whole struct was one column and the field names did not bind. Now the fields are
  columns, where the SELECT names any (only a STRUCT array's elements can be named without an alias);
- a field or subscript of a JSON literal, `JSON '{"a": 1}'.a`, was read by sqlglot as the field
  of the text, inside the literal (`JSON('{"a": 1}'.a)`), which DuckDB refuses: now of the JSON.
"""
from __future__ import annotations

import itertools

import sqlglot
from sqlglot import exp

from glue.local.compat.json_numbers import NUMBER_TEXT_UDF, number_text
from glue.local.compat.tree_edits import innermost_first, with_value


_JSON_TYPE_NAMES = {
    "OBJECT": "object", "ARRAY": "array", "VARCHAR": "string", "BIGINT": "number",
    "UBIGINT": "number", "DOUBLE": "number", "HUGEINT": "number", "BOOLEAN": "boolean", "NULL": "null",
}


def group_json_paths(tree: exp.Expression) -> exp.Expression:
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
        listed = _answered(kind, _listed(kind, column, paths))
        for node, path in nodes:
            node.replace(exp.Anonymous(this="list_extract",
                                       expressions=[listed.copy(), exp.Literal.number(paths.index(path) + 1)]))


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
        listed = _answered(kind, _listed(kind, column, paths))
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


def _answered(kind: str, listed: exp.Expression) -> exp.Expression:
    """Each answer of a grouped call mapped, once, as the single-path function gives it."""
    if kind == "json_extract":
        return listed
    answer = exp.Lambda(this=_answer(kind, exp.column("a")), expressions=[exp.to_identifier("a")])
    return exp.Anonymous(this="list_transform", expressions=[listed, answer])


def _element(name: str, position: int) -> exp.Expression:
    return exp.Anonymous(this="list_extract", expressions=[exp.column(name), exp.Literal.number(position)])


def _gated_value(strings: str, position: int, types: str, type_position: int) -> exp.Expression:
    """JSON_VALUE from a list of json_extract_string answers: NULL for an object or array, a
    number as BigQuery writes it (json_numbers.py)."""
    kind = _element(types, type_position)
    is_scalar = exp.Not(this=exp.In(this=kind, expressions=[exp.Literal.string("object"), exp.Literal.string("array")]))
    is_number = exp.EQ(this=kind.copy(), expression=exp.Literal.string("number"))
    value = exp.Case(ifs=[exp.If(this=is_number, true=exp.Anonymous(
        this=NUMBER_TEXT_UDF, expressions=[_element(strings, position)]))], default=_element(strings, position))
    return exp.Case(ifs=[exp.If(this=is_scalar, true=value)])


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
        value = exp.JSONExtractScalar(this=element, expression=exp.JSONPath(expressions=[exp.JSONPathRoot()]))
        value.meta["bq_number_text"] = True  # written as BigQuery writes numbers here, not again later
        return number_text(value, exp.Anonymous(this="json_type", expressions=[element.copy()]))
    return element


def json_arrays(tree: exp.Expression) -> exp.Expression:
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


def json_type(tree: exp.Expression) -> exp.Expression:
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


def lateral_unnests(tree: exp.Expression) -> exp.Expression:
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


def filtered_arrays(tree: exp.Expression) -> exp.Expression:
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
        if limit is None or (isinstance(node, exp.ArrayAgg) and isinstance(node.parent, (exp.IgnoreNulls, exp.RespectNulls))):
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
        if (not isinstance(unnest, exp.Unnest) or unnest.args.get("alias") or unnest.args.get("offset")
                or select.args.get("joins") or len(unnest.expressions) != 1):
            continue
        named = [column for column in select.find_all(exp.Column)
                 if column.parent_select is select and not column.is_star and column.find_ancestor(exp.Unnest) is not unnest]
        if named:
            fields = with_value("SELECT __element.* FROM (SELECT UNNEST(__value) AS __element)", unnest.expressions[0])
            source.set("this", exp.Subquery(this=fields))
    return tree

"""UNNEST shapes DuckDB runs slowly, rewritten to shapes it streams, with the same rows."""

from __future__ import annotations

from sqlglot import exp


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
    if (
        not isinstance(unnest, exp.Unnest)
        or len(unnest.expressions) != 1
        or join.args.get("on")
        or join.args.get("using")
        or join.side
        or (join.kind or "CROSS") != "CROSS"
    ):
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
        exp.alias_(
            exp.Sub(
                this=exp.Anonymous(this="GENERATE_SUBSCRIPTS", expressions=[listed.copy(), exp.Literal.number(1)]),
                expression=exp.Literal.number(1),
            ),
            position,
        ),
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
        keep = exp.Lambda(
            this=exp.Not(this=exp.Is(this=exp.to_identifier(variable), expression=exp.Null())),
            expressions=[exp.to_identifier(variable)],
        )
        filtered = exp.ArrayFilter(this=items.copy(), expression=keep)
        projection = select.expressions[0].unalias()
        if isinstance(projection, exp.Column) and projection.name == variable and not projection.table:
            return filtered
        return exp.Transform(
            this=filtered, expression=exp.Lambda(this=projection.copy(), expressions=[exp.to_identifier(variable)])
        )

    return tree.transform(replace, copy=False)


def _filtered_unnest_variable(select: exp.Select) -> str | None:
    """The element name if `select` is exactly the filter-and-keep-order shape, else None."""
    source = select.args.get("from_")
    unnest = source.this if source else None
    if (
        not isinstance(unnest, exp.Unnest)
        or len(unnest.expressions) != 1
        or len(select.expressions) != 1
        or select.args.get("joins")
        or select.args.get("group")
        or select.args.get("limit")
        or select.args.get("having")
        or select.args.get("distinct")
    ):
        return None
    alias, offset = unnest.args.get("alias"), unnest.args.get("offset")
    if alias is None or len(alias.columns) != 1 or not isinstance(offset, exp.Identifier):
        return None
    variable, position = alias.columns[0].name, offset.name
    where = select.args.get("where")
    condition = where.this if where else None
    if not (
        isinstance(condition, exp.Not)
        and isinstance(condition.this, exp.Is)
        and isinstance(condition.this.this, exp.Column)
        and condition.this.this.name == variable
        and isinstance(condition.this.expression, exp.Null)
    ):
        return None
    order = select.args.get("order")
    ordered = order.expressions if order else []
    if not (
        len(ordered) == 1
        and isinstance(ordered[0].this, exp.Column)
        and ordered[0].this.name == position
        and not ordered[0].args.get("desc")
    ):
        return None
    if any(c.name == position for c in select.expressions[0].find_all(exp.Column)):
        return None
    return variable

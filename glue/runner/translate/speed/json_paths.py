"""One parse of a JSON document per row, for all the paths a SELECT asks of it.

DuckDB's JSON functions parse their text argument again on every call, and a staging model
asks twenty-odd questions of the same document. `group_json_paths` turns the calls of one kind
on one column into a single call with a list of paths, and reads each answer from that list.
Each answer is mapped as the single-path BigQuery function gives it, so results do not change.

    SELECT JSON_VALUE(doc, '$.a') AS a, JSON_VALUE(doc, '$.b') AS b FROM t

becomes, when the SELECT reads one relation,

    SELECT list_extract(__json_value_1, 1) AS a, list_extract(__json_value_1, 2) AS b
    FROM (SELECT *, list_transform(json_value(doc, ['$.a', '$.b']), a -> <as BigQuery>) AS __json_value_1
          FROM t) AS t

and, when it joins several, each call repeats the identical list for DuckDB's
common-subexpression elimination.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import sqlglot
from sqlglot import exp

from glue.runner.translate.bigquery.json_and_unnest import bigquery_type_name
from glue.runner.translate.bigquery.json_numbers import NUMBER_TEXT_UDF, number_text

# A group: the calls of one kind on one column, {(kind, column sql): (column, [(call, path), ...])}.
Groups = dict[tuple[str, str], tuple[exp.Column, list[tuple[exp.Expression, str]]]]


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
    answer. There, a column's values
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


def _json_groups(select: exp.Select) -> Groups:
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
    return exp.Anonymous(
        this=kind,
        expressions=[column.copy(), exp.Array(expressions=[sqlglot.parse_one(path, read="duckdb") for path in paths])],
    )


def _inline_json_lists(groups: Groups) -> None:
    for (kind, _), (column, nodes) in groups.items():
        paths = sorted({path for _, path in nodes})
        listed = _answered(kind, _listed(kind, column, paths))
        for node, path in nodes:
            node.replace(
                exp.Anonymous(
                    this="list_extract", expressions=[listed.copy(), exp.Literal.number(paths.index(path) + 1)]
                )
            )


def _hoist_json_lists(select: exp.Select, source: exp.Expression, groups: Groups, numbers) -> None:
    """Compute each group's list once, as a hidden column of a derived table around the SELECT's
    one source, and read every call from its column."""
    hidden = _hidden_columns(groups, numbers)
    _wrap_source(source, hidden)
    _exclude_from_stars(select, [column.alias for column in hidden])


@dataclass
class _TypeList:
    """A column's hidden json_type list: its name and the paths it answers, in order."""

    name: str
    paths: list[str]


def _hidden_columns(groups: Groups, numbers) -> list[exp.Alias]:
    """One hidden column per group, each call of the group replaced by an element of it.

    Type groups come first: a column's JSON_VALUE calls whose paths all have their types
    listed too are then read as plain strings in the same parse, gated by those types.
    """
    hidden, type_lists = [], {}
    for (kind, column_sql), (column, calls) in sorted(groups.items(), key=lambda group: group[0][0] != "json_type"):
        name, paths = f"__{kind}_{next(numbers)}", sorted({path for _, path in calls})
        types = type_lists.get(column_sql) if kind == "json_value" else None
        if types is not None and set(paths) <= set(types.paths):
            hidden.append(exp.alias_(_listed("json_extract_string", column, paths), name))
            for call, path in calls:
                call.replace(_gated_value(name, paths.index(path) + 1, types.name, types.paths.index(path) + 1))
            continue
        hidden.append(exp.alias_(_answered(kind, _listed(kind, column, paths)), name))
        for call, path in calls:
            call.replace(_element(name, paths.index(path) + 1))
        if kind == "json_type":
            type_lists[column_sql] = _TypeList(name, paths)
    return hidden


def _wrap_source(source: exp.Expression, hidden: list[exp.Alias]) -> None:
    """`FROM t AS a` becomes `FROM (SELECT *, <hidden columns> FROM t AS a) AS a`."""
    inner = exp.select(exp.Star(), *hidden).from_(source.copy())
    source.replace(exp.Subquery(this=inner, alias=exp.TableAlias(this=exp.to_identifier(source.alias_or_name))))


def _exclude_from_stars(select: exp.Select, names: list[str]) -> None:
    """`*` and `a.*` in the SELECT list leave the hidden columns out (`* EXCLUDE (...)`)."""
    for projection in select.expressions:
        star = (
            projection
            if isinstance(projection, exp.Star)
            else (
                projection.this
                if isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star)
                else None
            )
        )
        if star is not None:
            star.set("except_", [*(star.args.get("except_") or []), *(exp.column(name) for name in names)])


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
    value = exp.Case(
        ifs=[
            exp.If(this=is_number, true=exp.Anonymous(this=NUMBER_TEXT_UDF, expressions=[_element(strings, position)]))
        ],
        default=_element(strings, position),
    )
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
        return bigquery_type_name(element)
    if kind == "json_value":  # DuckDB's json_value gives the scalar as JSON (or NULL): unquote it
        value = exp.JSONExtractScalar(this=element, expression=exp.JSONPath(expressions=[exp.JSONPathRoot()]))
        value.meta["bq_number_text"] = True  # written as BigQuery writes numbers here, not again later
        return number_text(value, exp.Anonymous(this="json_type", expressions=[element.copy()]))
    return element

"""BigQuery's JSON converters, `INT64`, `FLOAT64`, `BOOL` and `STRING` of a JSON value.

Each takes one JSON type and fails on any other, JSON null included; SQL NULL gives NULL. As
BigQuery documents them:
- `INT64`: a number with no fractional part in INT64's range (10.0 is 10); `INT64(JSON '10.5')`
  and `INT64(JSON '"10"')` fail, where a cast would answer 10;
- `FLOAT64`: any number; with the default `wide_number_mode => 'exact'`, an integer that a
  FLOAT64 cannot hold exactly (beyond 2^53) fails, with 'round' it is rounded;
- `BOOL`: true or false; `STRING`: a string, unquoted (`STRING(JSON '"b"')` is 'b', not '"b"').
sqlglot writes INT64 and STRING as casts and has no DuckDB name for the other two, so each is
written out here. `STRING(timestamp)`, BigQuery's other STRING, stays a cast, which writes it
as BigQuery does.
"""

from __future__ import annotations

from sqlglot import exp

from glue.runner.translate.tree_edits import innermost_first, replace_node, with_value

# DuckDB's json_type names for a JSON number.
_NUMBER = "('BIGINT', 'UBIGINT', 'HUGEINT', 'DOUBLE')"


def _fails(function: str, what: str) -> str:
    # Under SAFE. (TRY), errors_under_try makes this NULL.
    return f"error('{function}: the JSON value is not {what}: ' || CAST(__value AS VARCHAR))"


# Casts in the conditions are TRY_CASTs: DuckDB may evaluate a condition on rows of other types.
_INT64 = f"""CASE WHEN __value IS NULL THEN NULL
  WHEN json_type(__value) IN ('BIGINT', 'UBIGINT') AND TRY_CAST(__value AS BIGINT) IS NOT NULL
    THEN TRY_CAST(__value AS BIGINT)
  WHEN json_type(__value) = 'DOUBLE' AND TRY_CAST(__value AS DOUBLE) = trunc(TRY_CAST(__value AS DOUBLE))
    AND abs(TRY_CAST(__value AS DOUBLE)) < 9223372036854775808.0 THEN CAST(TRY_CAST(__value AS DOUBLE) AS BIGINT)
  WHEN json_type(__value) IN {_NUMBER} THEN {_fails("INT64", "an INT64")}
  ELSE {_fails("INT64", "a number")} END"""

_FLOAT64_EXACT = f"""CASE WHEN __value IS NULL THEN NULL
  WHEN json_type(__value) IN ('BIGINT', 'UBIGINT', 'HUGEINT')
    AND TRY_CAST(TRY_CAST(TRY_CAST(__value AS DOUBLE) AS HUGEINT) AS VARCHAR) IS DISTINCT FROM CAST(__value AS VARCHAR)
    THEN {_fails("FLOAT64", "a FLOAT64 without rounding")}
  WHEN json_type(__value) IN {_NUMBER} THEN TRY_CAST(__value AS DOUBLE)
  ELSE {_fails("FLOAT64", "a number")} END"""

_FLOAT64_ROUND = f"""CASE WHEN __value IS NULL THEN NULL
  WHEN json_type(__value) IN {_NUMBER} THEN TRY_CAST(__value AS DOUBLE)
  ELSE {_fails("FLOAT64", "a number")} END"""

_BOOL = f"""CASE WHEN __value IS NULL THEN NULL
  WHEN json_type(__value) = 'BOOLEAN' THEN TRY_CAST(__value AS BOOLEAN)
  ELSE {_fails("BOOL", "a boolean")} END"""

# The JSON branch reads CAST(__value AS JSON), which binds for any type, so that the CASE binds
# whatever STRING was given; only JSON rows reach it.
_STRING = f"""CASE WHEN typeof(__value) <> 'JSON' THEN CAST(__value AS VARCHAR)
  WHEN __value IS NULL THEN NULL
  WHEN json_type(CAST(__value AS JSON)) = 'VARCHAR' THEN CAST(__value AS JSON) ->> '$'
  ELSE {_fails("STRING", "a string")} END"""


def json_converters(tree: exp.Expression) -> exp.Expression:
    for node in innermost_first(tree, exp.Int64, exp.Float64, exp.JSONBool, exp.String):
        if isinstance(node, exp.String) and node.args.get("zone") is not None:
            continue
        rule = _rule(node)
        tree = replace_node(tree, node, exp.paren(with_value(rule, node.this), copy=False))
    return tree


def _rule(node: exp.Expression) -> str:
    if isinstance(node, exp.Int64):
        return _INT64
    if isinstance(node, exp.JSONBool):
        return _BOOL
    if isinstance(node, exp.String):
        return _STRING
    mode = node.expression
    if isinstance(mode, exp.Kwarg):
        mode = mode.expression
    if mode is not None and mode.name.lower() == "round":
        return _FLOAT64_ROUND
    return _FLOAT64_EXACT

"""`PARSE_JSON` as BigQuery parses, and JSON numbers as BigQuery writes them.

BigQuery keeps a JSON number as INT64, UINT64 or FLOAT64 (json_number_text.py). DuckDB's JSON
keeps every number as written and is more lenient, so documents parsed locally that BigQuery
refuses, and numbers read back as other text. Fixed here:

- wide_number_mode: in the default 'exact', a number FLOAT64 would change makes PARSE_JSON fail
  (`SAFE.PARSE_JSON` NULL); in 'round' it is rounded to the FLOAT64. In both, a number beyond
  FLOAT64's range fails;
- `NaN`, `Infinity` and trailing commas (`[1, 2,]`), which DuckDB reads, are not JSON to BigQuery;
- a byte-order mark at the very start is skipped, as BigQuery skips it;
- in 'round', an integer beyond INT64 and UINT64 becomes the FLOAT64 it rounds to, in the parsed
  document too (its JSON text, and what JSON_QUERY returns of it);
- `JSON_VALUE` of a number is BigQuery's text of it: an integer of INT64 or UINT64 range as its
  digits ('-0' is '0'), any other number as its FLOAT64 written by Grisu2 (203.20214 reads
  '203.20214000000001', 123456789012345678901 '1.2345678901234568e+20').

Only a document whose text may hold something BigQuery refuses (SUSPECT, per mode) is read by
the UDF `bq_json_problem`; the others parse as DuckDB parses them.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache

import pyarrow as pa
from sqlglot import exp

from glue.local.compat.json_number_text import float_text, is_integer_token, number_problem

_NOT_JSON = r"NaN|Infinity|,\s*[\]}]"
SUSPECT = {
    # Any number with a fraction or exponent may be refused: Grisu2 writes one in two thousand
    # short decimals with more digits (203.20214 as 203.20214000000001), which 'exact' refuses.
    "exact": rf"[0-9][.eE]|[0-9]{{20}}|{_NOT_JSON}",
    "round": rf"[eE][+-]?[0-9]{{3}}|[0-9]{{309}}|{_NOT_JSON}",
}
PROBLEM_UDF, NUMBER_TEXT_UDF, ROUNDED_UDF = "bq_json_problem", "bq_json_number_text", "bq_json_rounded"
_LONG_INTEGER = "[0-9]{20}|-[0-9]{19}"  # beyond UINT64: 20 digits or more; below INT64: 19 and a minus
BOM = "\ufeff"


def _mode(node: exp.ParseJSON) -> str:
    argument = node.args.get("expression")
    if isinstance(argument, exp.Kwarg) and argument.this.name.lower() == "wide_number_mode":
        mode = argument.expression
        if isinstance(mode, exp.Literal) and mode.is_string and mode.name.lower() in ("exact", "round"):
            return mode.name.lower()
        raise ValueError(f"wide_number_mode must be 'exact' or 'round', not {mode.sql('bigquery')}")
    return "exact"


def _without_bom(text: exp.Expression) -> exp.Expression:
    starts = exp.Anonymous(this="starts_with", expressions=[text.copy(), exp.Literal.string(BOM)])
    rest = exp.Substring(this=text.copy(), start=exp.Literal.number(2))
    return exp.Case(ifs=[exp.If(this=starts, true=rest)], default=text.copy())


def parse_json_numbers(tree: exp.Expression) -> exp.Expression:
    def replace(node):
        safe = isinstance(node, exp.SafeFunc) and isinstance(node.this, exp.ParseJSON)
        call = node.this if safe else node
        if not isinstance(call, exp.ParseJSON) or call.args.get("is_literal") or (
                not safe and isinstance(node.parent, exp.SafeFunc)):
            return node
        mode = _mode(call)
        text = exp.paren(_without_bom(call.this), copy=False)
        if mode == "round":
            long_integer = exp.RegexpLike(this=text.copy(), expression=exp.Literal.string(_LONG_INTEGER))
            text = exp.paren(exp.Case(ifs=[exp.If(this=long_integer, true=exp.Anonymous(
                this=ROUNDED_UDF, expressions=[text.copy()]))], default=text.copy()), copy=False)
        problem = exp.Anonymous(this=PROBLEM_UDF, expressions=[text.copy(), exp.Literal.string(mode)])
        suspect = exp.RegexpLike(this=text.copy(), expression=exp.Literal.string(SUSPECT[mode]))
        refused = exp.and_(suspect, exp.Not(this=exp.Is(this=problem, expression=exp.Null())))
        if safe:  # NULL for the same texts as TRY(JSON(x)), without re-serialising each document
            parsed, otherwise = exp.TryCast(this=text.copy(), to=exp.DataType.build("JSON")), exp.Null()
        else:
            parsed = exp.ParseJSON(this=text.copy())
            otherwise = exp.Anonymous(this="error", expressions=[exp.DPipe(
                this=exp.Literal.string("Invalid input to PARSE_JSON: "), expression=problem.copy())])
        return exp.Case(ifs=[exp.If(this=refused, true=otherwise)], default=parsed)

    return tree.transform(replace, copy=False)


def number_text(value: exp.Expression, duckdb_type: exp.Expression) -> exp.Expression:
    """JSON_VALUE's answer `value` (text), as BigQuery writes it when the JSON value is a number."""
    is_number = exp.In(this=duckdb_type, expressions=[exp.Literal.string(t) for t in
                                                      ("BIGINT", "UBIGINT", "DOUBLE", "HUGEINT")])
    return exp.Case(ifs=[exp.If(this=is_number, true=exp.Anonymous(this=NUMBER_TEXT_UDF, expressions=[value.copy()]))],
                    default=value)


def json_value_numbers(tree: exp.Expression) -> exp.Expression:
    """JSON_VALUE calls left single (not grouped by group_json_paths): numbers as BigQuery writes them."""
    def replace(node):
        if isinstance(node, exp.JSONExtractScalar) and not node.meta.get("bq_number_text"):
            node.meta["bq_number_text"] = True
            kind = exp.Anonymous(this="json_type", expressions=[node.this.copy(), node.expression.copy()])
            return number_text(node, kind)
        return node

    return tree.transform(replace, copy=False)


class _Refused(ValueError):
    pass


def _constant(name: str):
    raise _Refused(f"{name} is not a JSON number")


def document_problem(text: str | None, mode: str) -> str | None:
    """Why BigQuery's PARSE_JSON refuses this document, or None when it parses it. Read strictly
    as JSON: NaN, Infinity and trailing commas are refused, as BigQuery refuses them."""
    if text is None:
        return None
    found: list[str] = []

    def check(token: str):
        problem = number_problem(token, mode)
        if problem and not found:
            found.append(problem)
        return 0

    try:
        json.loads(text, parse_float=check, parse_int=check, parse_constant=_constant)
    except _Refused as error:
        return str(error)
    except RecursionError:
        return None  # deeper than Python reads: DuckDB's parser judges
    except ValueError as error:
        return f"not JSON: {error}"
    return found[0] if found else None


_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?')


def rounded_document(text: str | None) -> str | None:
    """The document with each integer beyond INT64 and UINT64 written as the FLOAT64 it rounds to."""
    if text is None:
        return None

    def swap(match: re.Match) -> str:
        token = match.group(0)
        if token.startswith('"') or not is_integer_token(token) or -(1 << 63) <= int(token) < (1 << 64):
            return token
        return float_text(float(token))

    return _TOKENS.sub(swap, text)


@lru_cache(maxsize=1 << 16)
def bigquery_number_text(token: str) -> str:
    if is_integer_token(token) and -(1 << 63) <= int(token) < (1 << 64):
        return str(int(token))
    return float_text(float(token))


def _number_texts(tokens: pa.Array) -> pa.Array:
    return pa.array([None if t is None else bigquery_number_text(t) for t in tokens.to_pylist()], pa.string())


def register(connection) -> None:
    connection.create_function(PROBLEM_UDF, document_problem, ["VARCHAR", "VARCHAR"], "VARCHAR",
                               null_handling="special", side_effects=False)
    connection.create_function(ROUNDED_UDF, rounded_document, ["VARCHAR"], "VARCHAR",
                               null_handling="special", side_effects=False)
    connection.create_function(NUMBER_TEXT_UDF, _number_texts, ["VARCHAR"], "VARCHAR", type="arrow",
                               side_effects=False)

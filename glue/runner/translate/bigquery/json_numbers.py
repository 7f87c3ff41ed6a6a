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
- `JSON_VALUE` of a STRING that is not JSON is NULL, as in BigQuery (DuckDB fails on it);
- `JSON_VALUE` of a number is BigQuery's text of it: an integer of INT64 or UINT64 range as its
  digits ('-0' is '0'), any other number as its FLOAT64 written by Grisu2 (203.20214 reads
  '203.20214000000001', 123456789012345678901 '1.2345678901234568e+20').

Only a document whose text may hold one of these (SUSPECT, per mode) is read in Python, by the
UDF `bq_json_prepare`: NULL when BigQuery refuses it, else the text for DuckDB to parse. The
others parse as DuckDB parses them.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache

from sqlglot import exp

from glue.runner.translate.bigquery.json_number_text import float_text, is_integer_token, number_problem

# Text that may hold something BigQuery reads otherwise than DuckDB: in 'round', an integer
# beyond INT64/UINT64, a three-digit exponent, NaN, Infinity, a trailing comma, a leading
# byte-order mark; in 'exact' also any number with a fraction or exponent (Grisu2 writes one
# short decimal in two thousand with more digits, 203.20214 as 203.20214000000001, and 'exact'
# refuses it). One regular expression per document; only what it matches goes to Python.
# A number is a value: first, or after a colon, a bracket or a comma, which keeps out digits in
# strings such as the user agent "Mobile/15E148".
_VALUE = r"(^|[:\[,])\s*"
_ALWAYS = (
    rf"{_VALUE}(-?[0-9]{{20}}|-[0-9]{{19}}|-?[0-9.]+[eE][+-]?[0-9]{{3}}|-?NaN|-?Infinity)"
    r"|,\s*[\]}]|^\x{FEFF}"
)
SUSPECT = {"round": _ALWAYS, "exact": _ALWAYS + rf"|{_VALUE}-?[0-9]+[.eE]"}
PREPARE_UDF, PROBLEM_UDF, NUMBER_TEXT_UDF = "bq_json_prepare", "bq_json_problem", "bq_json_number_text"
BOM = "\ufeff"


def _mode(node: exp.ParseJSON) -> str:
    argument = node.args.get("expression")
    if isinstance(argument, exp.Kwarg) and argument.this.name.lower() == "wide_number_mode":
        mode = argument.expression
        if isinstance(mode, exp.Literal) and mode.is_string and mode.name.lower() in ("exact", "round"):
            return mode.name.lower()
        raise ValueError(f"wide_number_mode must be 'exact' or 'round', not {mode.sql('bigquery')}")
    return "exact"


def parse_json_numbers(tree: exp.Expression) -> exp.Expression:
    def replace(node):
        safe = isinstance(node, exp.SafeFunc) and isinstance(node.this, exp.ParseJSON)
        call = node.this if safe else node
        if (
            not isinstance(call, exp.ParseJSON)
            or call.args.get("is_literal")
            or (not safe and isinstance(node.parent, exp.SafeFunc))
        ):
            return node
        mode, text = _mode(call), call.this
        suspect = exp.RegexpLike(this=text.copy(), expression=exp.Literal.string(SUSPECT[mode]))
        prepared = exp.Anonymous(this=PREPARE_UDF, expressions=[text.copy(), exp.Literal.string(mode)])
        if safe:  # NULL for the same texts as TRY(JSON(x)), without re-serialising each document
            return exp.Case(
                ifs=[exp.If(this=suspect, true=exp.TryCast(this=prepared, to=exp.DataType.build("JSON")))],
                default=exp.TryCast(this=text.copy(), to=exp.DataType.build("JSON")),
            )
        problem = exp.Anonymous(this=PROBLEM_UDF, expressions=[text.copy(), exp.Literal.string(mode)])
        refused = exp.Anonymous(
            this="error",
            expressions=[exp.DPipe(this=exp.Literal.string("Invalid input to PARSE_JSON: "), expression=problem)],
        )
        checked = exp.Case(
            ifs=[exp.If(this=exp.Is(this=prepared.copy(), expression=exp.Null()), true=refused)],
            default=exp.ParseJSON(this=prepared),
        )
        return exp.Case(ifs=[exp.If(this=suspect, true=checked)], default=exp.ParseJSON(this=text.copy()))

    return tree.transform(replace, copy=False)


def number_text(value: exp.Expression, duckdb_type: exp.Expression) -> exp.Expression:
    """JSON_VALUE's answer `value` (text), as BigQuery writes it when the JSON value is a number."""
    is_number = exp.In(
        this=duckdb_type, expressions=[exp.Literal.string(t) for t in ("BIGINT", "UBIGINT", "DOUBLE", "HUGEINT")]
    )
    return exp.Case(
        ifs=[exp.If(this=is_number, true=exp.Anonymous(this=NUMBER_TEXT_UDF, expressions=[value.copy()]))],
        default=value,
    )


def json_value_numbers(tree: exp.Expression) -> exp.Expression:
    """JSON_VALUE calls left single (not grouped by group_json_paths): numbers as BigQuery writes them."""

    def replace(node):
        if isinstance(node, exp.JSONExtractScalar) and not node.meta.get("bq_number_text"):
            node.meta["bq_number_text"] = True
            kind = exp.Anonymous(this="json_type", expressions=[node.this.copy(), node.expression.copy()])
            # A STRING that is not JSON answers NULL in BigQuery; DuckDB's functions would fail on it.
            valid = exp.Anonymous(this="json_valid", expressions=[node.this.copy()])
            return exp.Case(ifs=[exp.If(this=valid, true=number_text(node, kind))])
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
        json.loads(text.removeprefix(BOM), parse_float=check, parse_int=check, parse_constant=_constant)
    except _Refused as error:
        return str(error)
    except RecursionError:
        return None  # deeper than Python reads: DuckDB's parser judges
    except ValueError as error:
        return f"not JSON: {error}"
    return found[0] if found else None


def prepared_document(text: str | None, mode: str) -> str | None:
    """The text DuckDB should parse as BigQuery parses this document: None when BigQuery refuses
    it; without a leading byte-order mark; in 'round' with each integer beyond INT64 and UINT64
    written as the FLOAT64 it rounds to."""
    if text is None or document_problem(text, mode) is not None:
        return None
    text = text.removeprefix(BOM)
    return rounded_document(text) if mode == "round" else text


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


def _number_texts(tokens):  # a pyarrow Array in and out; no annotations: DuckDB evaluates them
    import pyarrow as pa  # loaded by the first query that calls it: a check never does

    return pa.array([None if t is None else bigquery_number_text(t) for t in tokens.to_pylist()], pa.string())


def register(connection) -> None:
    connection.create_function(
        PREPARE_UDF, prepared_document, ["VARCHAR", "VARCHAR"], "VARCHAR", null_handling="special", side_effects=False
    )
    connection.create_function(
        PROBLEM_UDF, document_problem, ["VARCHAR", "VARCHAR"], "VARCHAR", null_handling="special", side_effects=False
    )
    connection.create_function(NUMBER_TEXT_UDF, _number_texts, ["VARCHAR"], "VARCHAR", type="arrow", side_effects=False)

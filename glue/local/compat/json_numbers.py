"""`PARSE_JSON`'s wide_number_mode, as BigQuery applies it to the numbers of a document.

BigQuery keeps a JSON number as INT64, UINT64 or FLOAT64. In the default mode, 'exact', a
number that FLOAT64 would change (json_number_text.py says which) makes PARSE_JSON fail, and
`SAFE.PARSE_JSON` NULL; in 'round' it is rounded to the FLOAT64. In both, a number beyond
FLOAT64's range fails. DuckDB's JSON keeps every number as written, so such a document parsed
locally and not on BigQuery.

Most documents hold no number that could be refused: only one with a run of 16 or more digits
and points, or a three-digit exponent, can be (a number of up to 15 significant digits within
FLOAT64's range is always kept). Only those are handed to the UDF `bq_json_number_problem`,
which reads the document's numbers and says why BigQuery refuses one, or NULL.
"""
from __future__ import annotations

import json

from sqlglot import exp

from glue.local.compat.json_number_text import number_problem

# Text that may hold a number BigQuery refuses in some mode; the UDF decides.
SUSPECT = r"[0-9.]{16,}|[eE][+-]?[0-9]{3}"
UDF = "bq_json_number_problem"


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
        if not isinstance(call, exp.ParseJSON) or call.args.get("is_literal") or (
                not safe and isinstance(node.parent, exp.SafeFunc)):
            return node
        text, mode = call.this, _mode(call)
        problem = exp.Anonymous(this=UDF, expressions=[text.copy(), exp.Literal.string(mode)])
        suspect = exp.RegexpLike(this=text.copy(), expression=exp.Literal.string(SUSPECT))
        refused = exp.and_(suspect, exp.Not(this=exp.Is(this=problem, expression=exp.Null())))
        if safe:  # NULL for the same texts as TRY(JSON(x)), without re-serialising each document
            parsed, otherwise = exp.TryCast(this=text.copy(), to=exp.DataType.build("JSON")), exp.Null()
        else:
            parsed = exp.ParseJSON(this=text.copy())
            otherwise = exp.Anonymous(this="error", expressions=[exp.DPipe(
                this=exp.Literal.string("Invalid input to PARSE_JSON: "), expression=problem.copy())])
        return exp.Case(ifs=[exp.If(this=refused, true=otherwise)], default=parsed)

    return tree.transform(replace, copy=False)


def document_number_problem(text: str | None, mode: str) -> str | None:
    """Why BigQuery's PARSE_JSON refuses a number of this document, or None (also for text that
    is not JSON at all: the JSON parser judges that)."""
    if text is None:
        return None
    found: list[str] = []

    def check(token: str):
        problem = number_problem(token, mode)
        if problem and not found:
            found.append(problem)
        return 0

    try:
        json.loads(text, parse_float=check, parse_int=check, parse_constant=lambda _: 0)
    except (ValueError, RecursionError):
        return None
    return found[0] if found else None


def register(connection) -> None:
    connection.create_function(UDF, document_number_problem, ["VARCHAR", "VARCHAR"], "VARCHAR",
                               null_handling="special", side_effects=False)

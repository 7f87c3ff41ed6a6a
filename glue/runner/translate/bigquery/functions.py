"""Names and functions as BigQuery has them.

- three-part names `project.dataset.table` drop the project: each dataset is a DuckDB schema;
- `SAFE.f(...)` is `TRY(f(...))`, NULL on error as in BigQuery (`SAFE.PARSE_JSON(x)` is
  `TRY_CAST(x AS JSON)`, the same answer without re-serialising);
- `TRIM(x)` / `LTRIM(x)` / `RTRIM(x)` without characters remove all Unicode whitespace, as
  BigQuery's do (DuckDB's remove spaces only, not tabs, CR or LF);
- `FARM_FINGERPRINT` is a UDF with FarmHash Fingerprint64, which DuckDB lacks;
- `BYTE_LENGTH(string)` is the UTF-8 length (DuckDB's octet_length takes BLOBs only);
- `COUNTIF(x)` over no rows (an empty table, a window frame before the first row) is 0, as in
  BigQuery; DuckDB's count_if gives NULL there. It is counted as `COUNT(CASE WHEN x THEN 1 END)`;
- `SUBSTR(s, 0, n)` and a position before the start begin at the first character, as in
  BigQuery ('he' for SUBSTR('hello', 0, 2)); a negative length fails;
- under `SAFE.` (DuckDB's `TRY`), the errors the other rewrites raise (`error(...)`) are NULL,
  although DuckDB refuses `error` inside `TRY` (a volatile function). BigQuery's `SAFE.` turns
  only the function's own errors into NULL: an argument that fails (`SAFE.ROUND(x / 0)`) fails
  the query. So arguments other than columns and literals are evaluated once outside the `TRY`
  too (`CASE WHEN hash(args) IS NOT NULL THEN TRY(f(args)) END`), where their errors stand;
- `SAFE_ADD`, `SAFE_SUBTRACT`, `SAFE_MULTIPLY` and `SAFE_NEGATE` are the operator inside `TRY`,
  NULL where BigQuery's gives NULL (an INT64 overflow);
- `x / 0` fails with BigQuery's "division by zero" error, naming the division (DuckDB gives
  infinity or NaN); `IEEE_DIVIDE(x, y)` is DuckDB's own division;
- `STRING_AGG(... LIMIT n)` and the NET., HLL_COUNT., KEYS. and AEAD. functions, which have no
  counterpart here, are reported by name (DuckDB would fail on the SQL, or try to download an
  extension).
"""

from __future__ import annotations

import re

from sqlglot import exp

from glue.contract import WHITESPACE
from glue.runner.translate.errors import UntranslatableSQL
from glue.runner.translate.tree_edits import innermost_first, replace_node, with_value


def drop_project(tree: exp.Expression) -> exp.Expression:
    for table in tree.find_all(exp.Table):
        if table.args.get("catalog") is not None:
            table.set("catalog", None)
    for column in tree.find_all(exp.Column):
        if column.args.get("catalog") is not None:
            column.set("catalog", None)
    return tree


def safe_functions(tree: exp.Expression) -> exp.Expression:
    def replace(node):
        if isinstance(node, exp.SafeFunc) and isinstance(node.this, exp.ParseJSON) and not node.this.expressions:
            # NULL for the same inputs as TRY(JSON(x)) (tested), without re-serialising each
            # document: a third of the cost, on every payload staging parses.
            return exp.TryCast(this=node.this.this, to=exp.DataType.build("JSON"))
        if isinstance(node, exp.SafeFunc):
            attempt = exp.Anonymous(this="TRY", expressions=[node.this])
            arguments = [
                a
                for a in node.this.iter_expressions()
                if not isinstance(a, (exp.Column, exp.Literal, exp.Null, exp.Kwarg))
            ]
            if not arguments:
                return attempt
            evaluated = exp.Not(
                this=exp.Is(
                    this=exp.Anonymous(this="hash", expressions=[a.copy() for a in arguments]), expression=exp.Null()
                )
            )
            return exp.Case(ifs=[exp.If(this=evaluated, true=attempt)])
        return node

    return tree.transform(replace, copy=False)


def errors_under_try(tree: exp.Expression) -> exp.Expression:
    for attempt in list(tree.find_all(exp.Try, exp.Anonymous)):
        if isinstance(attempt, exp.Anonymous) and attempt.name.upper() != "TRY":
            continue
        for call in list(attempt.find_all(exp.Anonymous)):
            if call.name.upper() == "ERROR":
                call.replace(exp.Null())
    return tree


_SAFE_OPERATORS = {exp.SafeAdd: exp.Add, exp.SafeSubtract: exp.Sub, exp.SafeMultiply: exp.Mul}


def safe_arithmetic(tree: exp.Expression) -> exp.Expression:
    def replace(node):
        if type(node) in _SAFE_OPERATORS:
            operation = _SAFE_OPERATORS[type(node)](this=exp.paren(node.this), expression=exp.paren(node.expression))
            return exp.Anonymous(this="TRY", expressions=[operation])
        if isinstance(node, exp.SafeNegate):
            return exp.Anonymous(this="TRY", expressions=[exp.Neg(this=exp.paren(node.this))])
        return node

    return tree.transform(replace, copy=False)


_NAMESPACES_WITHOUT_COUNTERPART = {"HLL_COUNT", "KEYS", "AEAD", "DETERMINISTIC_ENCRYPT"}


def unavailable(tree: exp.Expression) -> exp.Expression:
    """BigQuery functions the local runner does not run, named before DuckDB meets them."""
    for node in tree.walk():
        if isinstance(node, exp.NetFunc):
            inner = node.this
            name = (
                inner.name
                if isinstance(inner, exp.Anonymous)
                else re.sub(r"(?<!^)(?=[A-Z])", "_", type(inner).__name__)
            )
            raise UntranslatableSQL(
                f"NET.{name.upper()}", "BigQuery's URL and IP functions have no DuckDB counterpart here"
            )
        if isinstance(node, exp.Dot) and node.this.name.upper() in _NAMESPACES_WITHOUT_COUNTERPART:
            raise UntranslatableSQL(f"{node.this.name.upper()}.{node.expression.name.upper()}")
        if isinstance(node, exp.GroupConcat) and isinstance(node.this, exp.Limit):
            raise UntranslatableSQL("STRING_AGG with LIMIT")
    return tree


# What BigQuery's TRIM(x) removes (Unicode's White_Space, the contract's WHITESPACE), as an RE2 class.
WHITESPACE_CLASS = "[" + "".join(f"\\x{{{ord(c):X}}}" for c in WHITESPACE) + "]"


def trim(tree: exp.Expression) -> exp.Expression:
    """BigQuery's TRIM without characters, as a test of the ends and a rewrite only when needed.

    Besides the set of characters, this is about time: DuckDB's right-hand trim walks the whole
    string from its start, a third of a second per 100k payloads, while an end-anchored RE2
    match reads only the end. Nearly every string has no whitespace at its ends.
    """

    def replace(node):
        if not isinstance(node, exp.Trim) or node.expression is not None:
            return node
        position = (node.args.get("position") or "BOTH").upper()
        ends = [
            pattern
            for side, pattern in (("LEADING", f"^{WHITESPACE_CLASS}+"), ("TRAILING", f"{WHITESPACE_CLASS}+$"))
            if position in ("BOTH", side)
        ]
        value = node.this

        def call(name, *args):
            return exp.Anonymous(this=name, expressions=[value.copy(), *args])

        tests = [call("regexp_matches", exp.Literal.string(pattern)) for pattern in ends]
        trimmed = call(
            "regexp_replace", exp.Literal.string("|".join(ends)), exp.Literal.string(""), exp.Literal.string("g")
        )
        return exp.Case(ifs=[exp.If(this=exp.or_(*tests), true=trimmed)], default=value.copy())

    return tree.transform(replace, copy=False)


def farm_fingerprint_udf(tree: exp.Expression) -> exp.Expression:
    def replace(node):
        if isinstance(node, exp.FarmFingerprint):
            return exp.Anonymous(this="farm_fingerprint", expressions=node.expressions)
        return node

    return tree.transform(replace, copy=False)


def countif(tree: exp.Expression) -> exp.Expression:
    def replace(node):
        if isinstance(node, exp.CountIf):
            return exp.Count(this=exp.Case(ifs=[exp.If(this=node.this, true=exp.Literal.number(1))]))
        return node

    return tree.transform(replace, copy=False)


def byte_length(tree: exp.Expression) -> exp.Expression:
    for node in innermost_first(tree, exp.ByteLength):
        rule = "CASE typeof(__value) WHEN 'BLOB' THEN octet_length(TRY_CAST(__value AS BLOB)) ELSE strlen(CAST(__value AS VARCHAR)) END"
        tree = replace_node(tree, node, exp.paren(with_value(rule, node.this), copy=False))
    return tree


def division(tree: exp.Expression) -> exp.Expression:
    """x / y fails when y is 0, as in BigQuery; the error names the division, so that the model's
    author can find it (SAFE_DIVIDE is the BigQuery way to get NULL instead)."""
    for node in innermost_first(tree, exp.Div):
        divisor = node.expression
        if isinstance(divisor, exp.Literal) and not divisor.is_string and float(divisor.name) != 0:
            continue
        message = exp.Literal.string(f"division by zero: {node.sql(dialect='bigquery')}")
        checked = with_value("CASE WHEN __value = 0 THEN error(__message) ELSE __value END", divisor, message=message)
        node.set("expression", exp.paren(checked, copy=False))
    return tree


def ieee_divide(tree: exp.Expression) -> exp.Expression:
    def replace(node):
        if isinstance(node, exp.Anonymous) and node.name.upper() == "IEEE_DIVIDE" and len(node.expressions) == 2:
            dividend, divisor = node.expressions
            return exp.paren(
                exp.Div(this=exp.Cast(this=dividend, to=exp.DataType.build("DOUBLE")), expression=divisor), copy=False
            )
        return node

    return tree.transform(replace, copy=False)


# SUBSTR's position as BigQuery takes it: 0, or a negative one reaching before the start, is 1.
_SUBSTR_START = """CASE WHEN __value = 0 OR __value < -length(CAST(__string AS VARCHAR)) THEN 1 ELSE __value END"""
_SUBSTR_LENGTH = """CASE WHEN __value < 0 THEN error('SUBSTR: the length is negative: ' || CAST(__value AS VARCHAR))
  ELSE __value END"""


def substrings(tree: exp.Expression) -> exp.Expression:
    """SUBSTR's position and length; see the module's docstring. A position written as a positive
    number and a length written as a number are kept as they are: those DuckDB takes alike."""
    for node in innermost_first(tree, exp.Substring):
        start, length = node.args.get("start"), node.args.get("length")
        if start is not None and not _positive_number(start):
            node.set("start", exp.paren(with_value(_SUBSTR_START, start, string=node.this), copy=False))
        if length is not None and not (isinstance(length, exp.Literal) and not length.is_string):
            node.set("length", exp.paren(with_value(_SUBSTR_LENGTH, length), copy=False))
    return tree


def _positive_number(value: exp.Expression) -> bool:
    return isinstance(value, exp.Literal) and not value.is_string and value.name.isdigit() and int(value.name) > 0


def register_functions(connection) -> None:
    """UDFs for BigQuery functions DuckDB lacks."""
    import farmhash

    def farm_fingerprint(value: str | None) -> int | None:
        if value is None:
            return None
        unsigned = farmhash.fingerprint64(value)
        return unsigned - (1 << 64) if unsigned >= 1 << 63 else unsigned

    connection.create_function(
        "farm_fingerprint", farm_fingerprint, ["VARCHAR"], "BIGINT", null_handling="special", side_effects=False
    )
    from glue.runner.translate.bigquery import json_numbers

    json_numbers.register(connection)

"""Types, casts and FORMAT as BigQuery has them, where DuckDB's rules differ.

- `NUMERIC` is `DECIMAL(38,9)`, BigQuery's NUMERIC (sqlglot writes DuckDB's `DECIMAL(18,3)`);
- `INTEGER`, `INT`, `SMALLINT`, `TINYINT` and `BYTEINT` are all INT64 in BigQuery: `BIGINT`
  (sqlglot writes DuckDB's 32-, 16- and 8-bit integers);
- a number with a point or exponent (2.5, 1e3) is a FLOAT64, so a DOUBLE (DuckDB: a DECIMAL),
  and arithmetic on it rounds as BigQuery's does;
- `CAST` / `SAFE_CAST` to INT64 and BOOL follow BigQuery's rules, which accept less than
  DuckDB's: '1.5', '1e2', '1_000' and '0b101' are not integers, only 'true' and 'false' are
  booleans ('t', 'yes', '1' are not), a FLOAT64 halfway case rounds away from zero (DuckDB: to
  even), and '-0x1F' is -31 (DuckDB fails);
- a FLOAT64 cast to STRING is written as BigQuery writes it (%.15g, or %.17g when that does not
  read back the same): '1', not DuckDB's '1.0'; '1e+15', not '1000000000000000.0'; a NUMERIC
  without DuckDB's trailing zeros: '2.5', not '2.500000000';
- `FORMAT('%d items', n)` runs as printf, which reads BigQuery's specifiers (DuckDB's format()
  takes {} placeholders); %t (a value's text, 'NULL' for NULL) is %s of that text; %T, %p and
  %P are reported as not run locally.
"""

from __future__ import annotations

import re

import sqlglot
from sqlglot import exp

from glue.runner.translate.errors import UntranslatableSQL
from glue.runner.translate.tree_edits import innermost_first, replace_node, with_value


def numeric(tree: exp.Expression) -> exp.Expression:
    for data_type in tree.find_all(exp.DataType):
        if data_type.this in (exp.DataType.Type.DECIMAL, exp.DataType.Type.BIGDECIMAL) and not data_type.expressions:
            data_type.replace(exp.DataType.build("DECIMAL(38, 9)"))
    return tree


_INTEGER_ALIASES = {
    exp.DataType.Type.INT,
    exp.DataType.Type.SMALLINT,
    exp.DataType.Type.TINYINT,
    exp.DataType.Type.MEDIUMINT,
    exp.DataType.Type.UTINYINT,
}


def integers(tree: exp.Expression) -> exp.Expression:
    for data_type in tree.find_all(exp.DataType):
        if data_type.this in _INTEGER_ALIASES:
            data_type.replace(exp.DataType.build("BIGINT"))
    return tree


def float_literals(tree: exp.Expression) -> exp.Expression:
    """A number written with a point or an exponent is a FLOAT64 in BigQuery and a DECIMAL in
    DuckDB, which changes arithmetic: 0.1 + 0.2 is 0.30000000000000004 in BigQuery, 0.3 in
    DuckDB. Typed as DOUBLE, they compute alike."""
    for literal in list(tree.find_all(exp.Literal)):
        if (
            not literal.is_string
            and any(c in literal.name.lower() for c in ".e")
            and literal.find_ancestor(exp.DataType, exp.TableSample) is None
        ):
            literal.replace(exp.Cast(this=literal.copy(), to=exp.DataType.build("DOUBLE")))
    return tree


# BigQuery's rules for text (ZetaSQL's StringToNumeric): an optional sign and decimal digits with
# ASCII whitespace around them, or a sign, 0x and hex digits after nothing but spaces; a bool is
# 'true' or 'false' in any case. `{cast}` is CAST or TRY_CAST; `{bad}` is what other text gives:
# NULL for SAFE_CAST, BigQuery's error for CAST. DuckDB settles the CASE on typeof(x) when it
# plans the query, so each cast keeps one branch.
_ASCII_SPACE = r"[\t\n\x0B\f\r ]"


_INT64_CAST = f"""CASE typeof(__value)
  WHEN 'VARCHAR' THEN CASE
    WHEN CAST(__value AS VARCHAR) IS NULL THEN NULL
    WHEN regexp_full_match(CAST(__value AS VARCHAR), '{_ASCII_SPACE}*[+-]?[0-9]+{_ASCII_SPACE}*')
      THEN {{cast}}(CAST(__value AS VARCHAR) AS BIGINT)
    WHEN regexp_full_match(CAST(__value AS VARCHAR), ' *[+-]?0[xX][0-9a-fA-F]+{_ASCII_SPACE}*')
      THEN {{cast}}(IF(starts_with(ltrim(CAST(__value AS VARCHAR), ' '), '-'), -1, 1)
        * {{cast}}('0x' || regexp_extract(CAST(__value AS VARCHAR), '0[xX]([0-9a-fA-F]+)', 1) AS HUGEINT) AS BIGINT)
    ELSE {{bad}}
  END
  WHEN 'DOUBLE' THEN {{cast}}(round(TRY_CAST(__value AS DOUBLE)) AS BIGINT)
  WHEN 'FLOAT' THEN {{cast}}(round(TRY_CAST(__value AS DOUBLE)) AS BIGINT)
  ELSE {{cast}}(__value AS BIGINT)
END"""


_BOOL_CAST = """CASE typeof(__value)
  WHEN 'VARCHAR' THEN CASE
    WHEN CAST(__value AS VARCHAR) IS NULL THEN NULL
    WHEN lower(CAST(__value AS VARCHAR)) = 'true' THEN TRUE
    WHEN lower(CAST(__value AS VARCHAR)) = 'false' THEN FALSE
    ELSE {bad}
  END
  ELSE {cast}(__value AS BOOLEAN)
END"""


# Text to TIMESTAMP, where BigQuery and DuckDB read differently: BigQuery's years run from 0001
# (DuckDB reads year 0000 as 1 BC); a leap second, :60, is the first second of the next minute
# (DuckDB refuses it); an offset must lie within -14:00..+14:00 with minutes below 60 (DuckDB
# took -58:94); a lowercase z is UTC and an offset's hour may have one digit (DuckDB refuses both).
_OFFSET = r"[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]*)?)?\s*([+-])([0-9]{1,2})(:?([0-9]{2}))?\s*$"
_TEXT = "CAST(__value AS VARCHAR)"
_OFFSET_MINUTE = f"COALESCE(TRY_CAST(regexp_extract({_TEXT}, '{_OFFSET}', 6) AS INTEGER), 0)"
_TIMESTAMP_TEXT = (
    rf"regexp_replace(regexp_replace(regexp_replace({_TEXT}, '[zZ](\s*)$', 'Z\1'), "
    rf"'([+-])([0-9])(:[0-9]{{2}}\s*)$', '\10\2\3'), ':60((\.[0-9]*)?([^0-9.]|$))', ':59\1')"
)
# Text none of that can apply to (most timestamps) is cast directly: one test instead of six.
_TIMESTAMP_SPECIAL = r":60|[zZ]\s*$|[+-][0-9]{1,2}(:?[0-9]{2})?\s*$|^\s*0000-"
_TIMESTAMP_CAST = f"""CASE typeof(__value)
  WHEN 'VARCHAR' THEN CASE
    WHEN {_TEXT} IS NULL THEN NULL
    WHEN NOT regexp_matches({_TEXT}, '{_TIMESTAMP_SPECIAL}') THEN {{cast}}({_TEXT} AS TIMESTAMPTZ)
    WHEN regexp_matches({_TEXT}, '^\\s*0000-') THEN {{bad}}
    WHEN regexp_matches({_TEXT}, '{_OFFSET}') AND ({_OFFSET_MINUTE} >= 60
      OR CAST(regexp_extract({_TEXT}, '{_OFFSET}', 4) AS INTEGER) * 60 + {_OFFSET_MINUTE} > 840) THEN {{bad}}
    WHEN regexp_matches({_TEXT}, ':60(\\.[0-9]*)?([^0-9.]|$)')
      THEN {{cast}}({_TIMESTAMP_TEXT} AS TIMESTAMPTZ) + INTERVAL 1 SECOND
    ELSE {{cast}}({_TIMESTAMP_TEXT} AS TIMESTAMPTZ)
  END
  ELSE {{cast}}(__value AS TIMESTAMPTZ)
END"""


def _cast_rule(template: str, safe: bool, kind: str) -> exp.Expression:
    bad = "NULL" if safe else f"error('Bad {kind} value: ' || CAST(__value AS VARCHAR))"
    # str.replace, not format: the templates hold regular expressions with braces of their own.
    sql = template.replace("{cast}", "TRY_CAST" if safe else "CAST").replace("{bad}", bad)
    return sqlglot.parse_one(sql, read="duckdb")


# A FLOAT64 as text, as ZetaSQL's RoundTripDoubleToString writes it: %.15g, or %.17g when that
# does not read back as the same number. A NUMERIC without DuckDB's trailing zeros.
_FLOAT_TEXT = """CASE
    WHEN isnan(TRY_CAST(__value AS DOUBLE)) THEN 'nan'
    WHEN CAST(printf('%.15g', TRY_CAST(__value AS DOUBLE)) AS DOUBLE) = TRY_CAST(__value AS DOUBLE)
      THEN printf('%.15g', TRY_CAST(__value AS DOUBLE))
    ELSE printf('%.17g', TRY_CAST(__value AS DOUBLE))
  END"""


_NUMERIC_TEXT = """CASE WHEN contains(CAST(__value AS VARCHAR), '.')
    THEN rtrim(rtrim(CAST(__value AS VARCHAR), '0'), '.') ELSE CAST(__value AS VARCHAR) END"""


_STRING_CAST = f"""CASE
  WHEN typeof(__value) = 'DOUBLE' THEN {_FLOAT_TEXT}
  WHEN typeof(__value) LIKE 'DECIMAL%' THEN {_NUMERIC_TEXT}
  ELSE {{cast}}(__value AS VARCHAR)
END"""


# FORMAT's %t: 'NULL' for NULL, a FLOAT64 always with a decimal point (1.0), a NUMERIC as its
# STRING cast writes it (120, 2.5), as BigQuery's reference evaluator gives them.
_PRINTABLE = f"""CASE
  WHEN __value IS NULL THEN 'NULL'
  WHEN typeof(__value) = 'DOUBLE' THEN
    CASE WHEN regexp_full_match({_FLOAT_TEXT}, '-?[0-9]+') THEN {_FLOAT_TEXT} || '.0' ELSE {_FLOAT_TEXT} END
  WHEN typeof(__value) LIKE 'DECIMAL%' THEN {_NUMERIC_TEXT}
  ELSE CAST(__value AS VARCHAR)
END"""


_CAST_RULES = (
    {(exp.DataType.Type.BIGINT, safe): _cast_rule(_INT64_CAST, safe, "int64") for safe in (True, False)}
    | {(exp.DataType.Type.BOOLEAN, safe): _cast_rule(_BOOL_CAST, safe, "bool") for safe in (True, False)}
    | {(exp.DataType.Type.TEXT, safe): _cast_rule(_STRING_CAST, safe, "string") for safe in (True, False)}
    | {(exp.DataType.Type.TIMESTAMPTZ, safe): _cast_rule(_TIMESTAMP_CAST, safe, "timestamp") for safe in (True, False)}
)


def casts(tree: exp.Expression) -> exp.Expression:
    """CAST and SAFE_CAST to INT64, BOOL, STRING or TIMESTAMP by BigQuery's rules, whatever the operand's type."""
    for node in innermost_first(tree, exp.Cast, exp.TryCast):
        if type(node) not in (exp.Cast, exp.TryCast) or node.args.get("format"):
            continue
        rule = _CAST_RULES.get((node.to.this, isinstance(node, exp.TryCast)))
        if rule is None or not _needs_rule(node.this, node.to.this):
            continue
        tree = replace_node(tree, node, exp.paren(with_value(rule, node.this), copy=False))
    return tree


def _needs_rule(value: exp.Expression, target: exp.DataType.Type) -> bool:
    """Whether casting `value` to `target` may differ between DuckDB and BigQuery. Operands whose
    kind is plain from the SQL (NULL, literals, concatenations, other casts) are left as they are
    where the kind casts alike, so that the SQL stays short; the rest get the rule."""
    if isinstance(value, (exp.Null, exp.Boolean)):
        return False
    if target == exp.DataType.Type.TIMESTAMPTZ and isinstance(value, (exp.Subquery, exp.Select)):
        # A script's `DECLARE t TIMESTAMP DEFAULT (SELECT MAX(ts) ...)`: a TIMESTAMP already, and
        # the rule would repeat the subquery a dozen times.
        return False
    if isinstance(value, exp.Literal):
        kind = "text" if value.is_string else "float" if any(c in value.name.lower() for c in ".e") else "integer"
    elif isinstance(value, (exp.Concat, exp.DPipe)):
        kind = "text"
    elif isinstance(value, (exp.Cast, exp.TryCast)):
        kind = (
            "text"
            if value.to.is_type(exp.DataType.Type.VARCHAR, exp.DataType.Type.TEXT)
            else "float"
            if value.to.is_type(
                exp.DataType.Type.DOUBLE,
                exp.DataType.Type.FLOAT,
                exp.DataType.Type.DECIMAL,
                exp.DataType.Type.BIGDECIMAL,
            )
            else "other"
        )
    else:
        return True
    if target == exp.DataType.Type.TEXT:
        return kind == "float"
    return kind in ("text", "float")


# A BigQuery FORMAT specifier: flags, width, precision, conversion.
_FORMAT_SPECIFIER = re.compile(r"%([-+ #0']*)(\*|\d+)?(?:\.(\*|\d+))?([a-zA-Z%])")


def format_calls(tree: exp.Expression) -> exp.Expression:
    def replace(node):
        if not isinstance(node, exp.Format):
            return node
        pattern, arguments = node.this, [a.copy() for a in node.expressions]
        if not (isinstance(pattern, exp.Literal) and pattern.is_string):
            return exp.Anonymous(this="printf", expressions=[pattern.copy(), *arguments])
        text, position = [], 0
        for match in _FORMAT_SPECIFIER.finditer(pattern.name):
            flags, width, precision, conversion = match.groups()
            position += (width == "*") + (precision == "*")
            if conversion in "TpP":  # SQL literals and JSON: not reproduced locally
                raise UntranslatableSQL(f"FORMAT's %{conversion}", pattern.name)
            if conversion == "t" and position < len(arguments):
                arguments[position] = exp.paren(with_value(_PRINTABLE, arguments[position]), copy=False)
                conversion = "s"
            position += conversion != "%"
            text.append((match.span(), f"%{flags}{width or ''}{'.' + precision if precision else ''}{conversion}"))
        rewritten = pattern.name
        for (start, end), specifier in reversed(text):
            rewritten = rewritten[:start] + specifier + rewritten[end:]
        return exp.Anonymous(this="printf", expressions=[exp.Literal.string(rewritten), *arguments])

    return tree.transform(replace, copy=False)

"""BigQuery's scripting `ASSERT expression [AS 'description']`, which sqlglot does not parse.

On BigQuery the statement fails, with the description as its message, when the expression is
FALSE or NULL. Locally it runs as `SELECT CASE WHEN (expression) IS NOT TRUE THEN error(...) END`,
which fails alike. `script_pieces` splits a script so that each ASSERT is translated here and
every other statement by sqlglot (which would read `ASSERT (...) AS 'x'` as a function call).
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from glue.dataform import statement_tokens
from glue.runner.translate.tree_edits import with_value


def script_pieces(sql: str) -> list[tuple[str, bool]]:
    """The script's statements in order, as text, each marked True when it is an ASSERT; one
    piece, unmarked, when there is no ASSERT (the common case, parsed as it always was)."""
    statements = statement_tokens(sql)
    if not any(s[0].text.upper() == "ASSERT" for s in statements):
        return [(sql, False)]
    return [(sql[s[0].start : s[-1].end + 1], s[0].text.upper() == "ASSERT") for s in statements]


def assert_query(statement: str) -> exp.Expression:
    """The SELECT that fails as the ASSERT statement does."""
    body = statement.strip()[len("ASSERT") :]
    [checked] = sqlglot.parse_one(f"SELECT {body}", read="bigquery").expressions
    if isinstance(checked, exp.Alias):
        condition, message = checked.this, checked.alias
    else:
        condition, message = checked, f"Assertion failed: {checked.sql(dialect='bigquery')}"
    rule = "SELECT CASE WHEN (__value) IS NOT TRUE THEN error(__message) END AS assertion"
    return with_value(sqlglot.parse_one(rule, read="bigquery"), condition, message=exp.Literal.string(message))

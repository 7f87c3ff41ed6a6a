"""The statements of a BigQuery script as Dataform compiles one (pre-operations, a model, an
assertion), found with BigQuery's own tokenizer so that semicolons in strings and comments stay put."""

from __future__ import annotations

import sqlglot
from sqlglot.tokens import TokenType


def statement_tokens(sql: str) -> list[list]:
    """BigQuery's tokens of each statement of a script, split at top-level semicolons (those in
    strings and comments are inside tokens); each token knows its offsets in `sql`."""
    statements, current = [], []
    for token in sqlglot.Dialect.get_or_raise("bigquery").tokenize(sql):
        if token.token_type == TokenType.SEMICOLON:
            statements.append(current)
            current = []
        else:
            current.append(token)
    statements.append(current)
    return [s for s in statements if s]

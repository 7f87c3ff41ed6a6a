"""Select-list items that are two bare names, `a b`: BigQuery reads column a named b.

Written on purpose it is legal; more often it is a comma dropped between two columns, which
then fails somewhere else (the column b is missing from the table) or not at all. The check
warns at the line, and `AS` makes the intent plain.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlglot
from sqlglot.tokens import TokenType

# Tokens that may open a select list's first item without being part of it.
_MODIFIERS = {TokenType.DISTINCT, TokenType.ALL}


@dataclass
class ImplicitAlias:
    offset: int  # of the first name, in the SQL
    column: str
    alias: str


def implicit_aliases(sql: str) -> list[ImplicitAlias]:
    """Every select-list item of `sql` that is exactly two plain names."""
    found, lists = [], []  # lists: the paren depth of each open select list, and its current item
    depth = 0
    for token in sqlglot.Dialect.get_or_raise("bigquery").tokenize(sql):
        kind = token.token_type
        if kind == TokenType.L_PAREN:
            if lists and lists[-1][0] == depth:
                lists[-1][1].append(token)  # a call or subquery: the item is more than names
            depth += 1
        elif kind == TokenType.R_PAREN:
            depth -= 1
            while lists and lists[-1][0] > depth:
                _close(lists.pop(), found)
        elif kind == TokenType.SELECT:
            lists.append((depth, []))
        elif lists and lists[-1][0] == depth and kind in (TokenType.COMMA, TokenType.FROM):
            _close(lists[-1], found)
            if kind == TokenType.FROM:
                lists.pop()
            else:
                lists[-1][1].clear()
        elif lists and lists[-1][0] == depth and not (kind in _MODIFIERS and not lists[-1][1]):
            lists[-1][1].append(token)
    while lists:
        _close(lists.pop(), found)
    return found


def _close(select_list: tuple[int, list], found: list[ImplicitAlias]) -> None:
    item = select_list[1]
    if len(item) == 2 and all(t.token_type == TokenType.VAR for t in item):
        found.append(ImplicitAlias(item[0].start, item[0].text, item[1].text))

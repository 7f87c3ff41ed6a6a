"""Small edits of sqlglot trees that several fixes share."""

from __future__ import annotations

import sqlglot
from sqlglot import exp


def with_value(template: str | exp.Expression, value: exp.Expression, **others: exp.Expression) -> exp.Expression:
    """The DuckDB expression `template` with `value` in place of each `__value`, and each of
    `others` in place of `__<its name>`."""
    tree = sqlglot.parse_one(template, read="duckdb") if isinstance(template, str) else template.copy()
    values = {"__value": value} | {f"__{name}": other for name, other in others.items()}
    for placeholder in list(tree.find_all(exp.Column)):
        if placeholder.name in values:
            placeholder.replace(values[placeholder.name].copy())
    return tree


def innermost_first(tree: exp.Expression, *kinds) -> list[exp.Expression]:
    """The nodes of these kinds, each after those inside it, so that nested ones are all rewritten."""
    return list(reversed(list(tree.find_all(*kinds))))


def replace_node(tree: exp.Expression, node: exp.Expression, new: exp.Expression) -> exp.Expression:
    if node is tree:
        return new
    node.replace(new)
    return tree

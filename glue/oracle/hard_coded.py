"""A table of the project written as `dataset.table` in an action's SQL instead of `${ref()}`.

Dataform then knows nothing of the dependency: it may run the action before the table is built,
and it names the table as written in every environment (a developer's run reads production's
dataset rather than its own). Each such name is found among the compiled SQL's tokens, so that
names in strings and comments are not taken for one, and shown where the SQLX writes it.
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlglot.tokens import TokenType

from glue.dataform import Action, Problem, statement_tokens
from glue.dataform.sqlx_lines import blocks, sqlx_line

_NAMES = (TokenType.VAR, TokenType.IDENTIFIER)


def _part(token) -> bool:
    """A part of a dotted name after its first: a name, or a keyword used as one."""
    return token.token_type != TokenType.STRING and re.fullmatch(r"\w+", token.text) is not None


def _written(sql: str) -> list[tuple[str, int]]:
    """Every dotted name of the SQL (a.b, `a.b`, a.b.c) as (name, its line)."""
    found = []
    try:
        statements = statement_tokens(sql)
    except Exception:  # a statement sqlglot cannot tokenize: the analysis reports it
        return []
    for tokens in statements:
        i = 0
        while i < len(tokens):
            token, parts, j = tokens[i], [tokens[i].text], i + 1
            while j + 1 < len(tokens) and tokens[j].text == "." and _part(tokens[j + 1]):
                parts.append(tokens[j + 1].text)
                j += 2
            after_dot = i > 0 and tokens[i - 1].text == "."
            if token.token_type in _NAMES and not after_dot:
                found.append((".".join(parts), sql.count("\n", 0, token.start) + 1))
            i = j
    return found


def _reference(name: str, action: Action, tables: set[str]) -> str:
    """What to write instead: ${self()} for the action's own table, else ${ref()} of the table's
    name, with its dataset when another dataset has a table of that name."""
    if name == action.name:
        return "${self()}"
    dataset, table = name.split(".")
    same = [n for n in tables if n.split(".")[1] == table]
    return f'${{ref("{table}")}}' if len(same) == 1 else f'${{ref("{dataset}", "{table}")}}'


def hard_coded(root: Path, action: Action, tables: set[str]) -> list[Problem]:
    """Each place the action's SQLX names a table of the project (`tables`: the actions'
    dataset.table names) as text rather than through ${ref()}."""
    path = root / action.file
    if not action.file.endswith(".sqlx") or not path.exists():
        return []
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    parts = {
        "body": [action.query, action.incremental_query, *action.queries],
        "pre_operations": [*action.pre_ops, *action.incremental_pre_ops],
        "post_operations": [*action.post_ops, *action.incremental_post_ops],
    }
    problems, seen = [], set()
    for block, scripts in parts.items():
        for sql in filter(None, scripts):
            for written, line in _written(sql):
                name = ".".join(written.split(".")[-2:])
                pattern = _pattern(written)
                if name not in tables or not pattern.search(text):  # a ${ref()} or a helper wrote it
                    continue
                message = f"{name} is a table of the project: use {_reference(name, action, tables)}"
                message += " so that Dataform runs what makes it first, and names it as each environment does"
                problem = _at(root, action, sql, line, block, pattern, message, lines)
                if problem and (problem.line, problem.column) not in seen:
                    seen.add((problem.line, problem.column))
                    problems.append(problem)
    return problems


def _pattern(written: str) -> re.Pattern:
    """The name as the SQLX may write it: a.b, `a.b`, `a`.`b`."""
    return re.compile(r"(?<![\w.`])`?" + r"`?\.`?".join(map(re.escape, written.split("."))) + r"`?(?![\w`])")


def _at(root: Path, action: Action, sql: str, line: int, block: str, pattern: re.Pattern, message: str, lines):
    """At the SQLX line the compiled line came from, else at the first line outside the config
    block that writes the name; None when the SQLX does not write it (an includes/ helper does)."""
    what = "query" if block == "body" else block
    number = sqlx_line(root, action.file, sql, line, block)
    config = {n for first, last in blocks("\n".join(lines)).get("config", []) for n in range(first - 1, last + 2)}
    candidates = ([number] if number is not None else []) + [n for n in range(1, len(lines) + 1) if n not in config]
    for number in candidates:
        found = pattern.search(lines[number - 1])
        if found:
            return Problem(action.name, action.file, number, found.start() + 1, message, what, lines[number - 1])
    return None

"""A BigQuery script's IF blocks: which statements run under which condition.

    IF condition THEN statements [ELSEIF condition THEN statements]... [ELSE statements] END IF;

Top-level semicolons split a script into statements (glue/dataform/tokens.py), so `IF c THEN s1;`
is one of them and `END IF` another. `blocks` puts them back together as a tree of Statement and
If, each knowing its offsets in the script: the runner runs a branch when its condition holds, and
the check analyzes every condition and statement where it stands in the SQLX.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlglot.tokens import TokenType

from glue.dataform.tokens import statement_tokens

_IF_WORD = re.compile(r"\bIF\b(?!\s*\()", re.I)


class ScriptError(ValueError):
    """An IF block that is not closed, or an END IF / ELSE with no IF."""


@dataclass
class Statement:
    start: int  # offsets in the script
    end: int
    text: str


@dataclass
class Branch:
    condition: Statement | None  # None for ELSE
    body: list = field(default_factory=list)  # of Statement and If


@dataclass
class If:
    start: int
    branches: list[Branch] = field(default_factory=list)


def has_blocks(script: str) -> bool:
    """Whether any statement of the script starts with IF. A script whose only IFs are the
    function IF(...) is passed over without tokenizing it."""
    if not _IF_WORD.search(script):
        return False
    return any(s[0].text.upper() == "IF" for s in statement_tokens(script))


def _statement(script: str, tokens: list) -> Statement:
    start, end = tokens[0].start, tokens[-1].end + 1
    return Statement(start, end, script[start:end])


def _then(tokens: list) -> int:
    depth = 0
    for index, token in enumerate(tokens):
        depth += token.token_type == TokenType.L_PAREN
        depth -= token.token_type == TokenType.R_PAREN
        if depth == 0 and token.text.upper() == "THEN":
            return index
    raise ScriptError("IF without THEN")


def _elseif_tokens(script: str, tokens: list) -> list:
    """The tokens of an ELSEIF statement: BigQuery's tokenizer reads ELSEIF as a command and the
    rest as one string, so the statement is tokenized again as IF, at the same offsets."""
    start, end = tokens[0].start, tokens[-1].end + 1
    again = statement_tokens(" " * start + "IF    " + script[start + len("ELSEIF") : end])[0]
    again[0].text = "ELSEIF"
    return again


def blocks(script: str) -> list:
    """The script as a list of Statement and If, in order."""
    top: list = []
    open_ifs: list[If] = []

    def body() -> list:
        return open_ifs[-1].branches[-1].body if open_ifs else top

    def start_branch(tokens: list, has_condition: bool) -> None:
        if has_condition:
            then = _then(tokens)
            branch = Branch(_statement(script, tokens[1:then]))
            rest = tokens[then + 1 :]
        else:
            branch, rest = Branch(None), tokens[1:]
        open_ifs[-1].branches.append(branch)
        if rest:
            add(rest)

    def add(tokens: list) -> None:
        first = tokens[0].text.upper()
        if first == "ELSEIF":
            tokens = _elseif_tokens(script, tokens)
        if first == "IF":
            block = If(tokens[0].start)
            body().append(block)
            open_ifs.append(block)
            start_branch(tokens, True)
        elif first in ("ELSEIF", "ELSE"):
            if not open_ifs:
                raise ScriptError(f"{first} without IF")
            start_branch(tokens, first == "ELSEIF")
        elif first == "END" and len(tokens) > 1 and tokens[1].text.upper() == "IF":
            if not open_ifs:
                raise ScriptError("END IF without IF")
            open_ifs.pop()
        else:
            body().append(_statement(script, tokens))

    for tokens in statement_tokens(script):
        add(tokens)
    if open_ifs:
        raise ScriptError("IF without END IF")
    return top

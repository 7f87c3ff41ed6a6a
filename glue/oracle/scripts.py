"""A BigQuery script as statements, each kept at its place in the script's text.

ZetaSQL's analyzer takes one statement and reports an error's line and column in the text it
was given. Each statement is therefore sent as the whole script with everything else blanked
(newlines kept), so that the position it reports is the position in the script.
A `DECLARE names TYPE DEFAULT expr` is read into its parts: the analyzer has no scripting, so
the check analyzes the default as a query and declares the names as typed constants. A
`SET name = expr` likewise: its value is analyzed as a query, of the variable's type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from glue.dataform import statement_tokens


@dataclass
class Statement:
    start: int  # character offsets in the script
    end: int
    text: str


@dataclass
class Declare:
    names: list[str]
    type: str | None
    default_start: int | None  # offset of the default expression in the script, if there is one
    default_end: int | None


def split(script: str) -> list[Statement]:
    """The script's statements in order, split at top-level semicolons (not those in strings)."""
    return [Statement(s[0].start, s[-1].end + 1, script[s[0].start : s[-1].end + 1]) for s in statement_tokens(script)]


def blanked(script: str, start: int, end: int, prefix: str = "", prefix_at: int | None = None) -> str:
    """The script with everything outside [start, end) turned to spaces, newlines kept; `prefix`
    is written at offset `prefix_at` (before `start`, where the script has that many characters
    before a newline: over the DECLARE keyword, when its default is analyzed as a SELECT)."""
    kept = re.sub(r"[^\n]", " ", script[:start]) + script[start:end] + re.sub(r"[^\n]", " ", script[end:])
    if prefix:
        at = start - len(prefix) if prefix_at is None else prefix_at
        if at < 0 or "\n" in kept[at : at + len(prefix)]:
            raise ValueError("no room for the prefix")
        kept = kept[:at] + prefix + kept[at + len(prefix) :]
    return kept


@dataclass
class Assignment:
    name: str
    value_start: int  # offset of the value expression in the script
    value_end: int


_SET = re.compile(r"SET\s+(?P<name>[A-Za-z_]\w*)\s*=\s*", re.I)


def assignment(statement) -> Assignment | None:
    """The parts of a `SET name = expr` statement; None for any other statement."""
    match = _SET.match(statement.text)
    if not match:
        return None
    return Assignment(match["name"], statement.start + match.end(), statement.end)


_DECLARE = re.compile(r"DECLARE\s+(?P<names>[A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s*(?P<rest>.*)", re.S | re.I)


def declare(statement: Statement) -> Declare | None:
    """The parts of a DECLARE statement; None for any other statement."""
    match = _DECLARE.match(statement.text)
    if not match:
        return None
    names = [n.strip() for n in match["names"].split(",")]
    rest, rest_at = match["rest"], statement.start + match.start("rest")
    default = re.search(r"(?:^|\s)DEFAULT\s", rest, re.I)
    kind = (rest[: default.start()] if default else rest).strip() or None
    if not default:
        return Declare(names, kind, None, None)
    return Declare(names, kind, rest_at + default.end(), statement.end)

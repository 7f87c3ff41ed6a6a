"""A problem the check found, placed in the analyst's own SQLX file: line, column and a caret."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from glue.dataform import Action
from glue.dataform.sqlx_lines import blocks, sqlx_line


@dataclass
class Problem:
    action: str
    file: str
    line: int | None  # in the SQLX file
    column: int | None
    message: str  # BigQuery's (ZetaSQL's) own words
    what: str  # the statement analyzed: query, incremental query, pre_operations, ...
    text: str = ""  # the SQLX line

    def format(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        where += f":{self.column}" if self.line and self.column else ""
        out = f"{where}: {self.message} ({self.action}, {self.what})"
        if self.line and self.text:
            out += f"\n  {self.line:>4} | {self.text}"
            if self.column:
                out += "\n       | " + " " * (self.column - 1) + "^"
        return out


def _word_at(line: str, column: int) -> str:
    match = re.match(r"[`'\"]?[\w.]+", line[column - 1 :]) if 0 < column <= len(line) else None
    return match.group(0) if match else ""


def _config_line(sqlx: str) -> int:
    for first, _ in blocks(sqlx).get("config", []):
        return max(1, first - 1)
    return 1


def locate(
    root: Path, action: Action, message: str, what: str, compiled: str, line: int | None, column: int | None, block: str
) -> Problem:
    """The problem at compiled SQL (line, column), moved to the SQLX line it came from. A
    statement Dataform generates (an inline assertion) or a fault in what it writes around
    the query points at the config block."""
    path = root / action.file
    sqlx = path.read_text(encoding="utf-8") if action.file.endswith(".sqlx") and path.exists() else ""
    if not sqlx:
        return Problem(action.name, action.file, line, column, message, what)
    lines = sqlx.split("\n")
    generated = action.kind == "assertion" and action.parent is not None
    if generated or line is None:
        number = _config_line(sqlx)
        return Problem(action.name, action.file, number, None, message, what, lines[number - 1])
    number = sqlx_line(root, action.file, compiled, line, block)
    if number is None:
        return Problem(action.name, action.file, None, None, f"{message} (line {line} of the compiled SQL)", what)
    text = lines[number - 1]
    sqlx_column = None
    if column:
        word = _word_at(compiled.split("\n")[line - 1], column)
        found = text.find(word) if word else -1
        sqlx_column = found + 1 if found >= 0 else None
    return Problem(action.name, action.file, number, sqlx_column, message, what, text)


def stray_description(root: Path, action: Action, name: str, outputs: list[str]) -> Problem:
    """A column description naming no column the action outputs, at its line in the config block.

    Dataform would drop it without a word, and the data dictionary with it."""
    from glue.dataform.graph import did_you_mean

    message = f"a description of column {name!r}, which {action.name} does not output{did_you_mean(name, outputs)}"
    path = root / action.file
    sqlx = path.read_text(encoding="utf-8") if action.file.endswith(".sqlx") and path.exists() else ""
    lines = sqlx.split("\n")
    pattern = re.compile(rf"""^(\s*)["']?{re.escape(name)}["']?\s*:""")
    for first, last in blocks(sqlx).get("config", []):
        for number in range(first, last + 1):
            found = pattern.match(lines[number - 1])
            if found:
                return Problem(
                    action.name, action.file, number, len(found.group(1)) + 1, message, "config", lines[number - 1]
                )
    return Problem(action.name, action.file, None, None, message, "config")


# ZetaSQL's messages that name something it could not find, without saying what was meant.
_NOT_FOUND = (
    re.compile(r"^Name (\w+) not found inside \w+$"),
    re.compile(r"^Table not found: `?([\w.-]+?)`?$"),
    re.compile(r"^Unrecognized name: (\w+)$"),
)


def with_suggestion(message: str, statement: str, known: set[str]) -> str:
    """BigQuery's message, with "did you mean" when it names something not found and a name in
    the statement or the catalog (`known`) is close to it."""
    from glue.dataform.graph import did_you_mean

    for pattern in _NOT_FOUND:
        found = pattern.match(message)
        if found:
            name = found.group(1)
            candidates = (set(re.findall(r"\b[A-Za-z_]\w*\b", statement)) | known) - {name}
            bare = name.rsplit(".", 1)[-1]
            return message + did_you_mean(bare, sorted(c.rsplit(".", 1)[-1] for c in candidates if c != bare))
    return message


def named_in_sqlx(root: Path, action: Action, name: str, message: str) -> Problem | None:
    """The problem at the first line of the action's SQLX, outside its config block, that holds
    `name` as a word: where an engine that gives no position (DuckDB's binder) met it."""
    path = root / action.file
    if not action.file.endswith(".sqlx") or not path.exists():
        return None
    sqlx = path.read_text(encoding="utf-8")
    config = {n for first, last in blocks(sqlx).get("config", []) for n in range(first - 1, last + 2)}
    word = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)")
    for number, text in enumerate(sqlx.split("\n"), start=1):
        found = word.search(text) if number not in config else None
        if found:
            return Problem(action.name, action.file, number, found.start() + 1, message, "query", text)
    return None

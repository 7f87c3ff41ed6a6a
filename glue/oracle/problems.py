"""What the check reports beyond BigQuery's own messages: a column description that names no
output column, an output column with no description, and "did you mean" for a name BigQuery
could not find."""

from __future__ import annotations

import re
from pathlib import Path

from glue.dataform import Action, did_you_mean
from glue.dataform.sqlx_lines import Problem, blocks


def _in_config(root: Path, action: Action, pattern: re.Pattern, message: str, opening: bool = False) -> Problem:
    """The problem at the first line of the config block that `pattern` matches (its group 1 the
    indent), else at the `config {` line when `opening`, else at the file only."""
    path = root / action.file
    sqlx = path.read_text(encoding="utf-8") if action.file.endswith(".sqlx") and path.exists() else ""
    lines = sqlx.split("\n")
    for first, last in blocks(sqlx).get("config", []):
        for number in range(first, last + 1):
            found = pattern.match(lines[number - 1])
            if found:
                return Problem(
                    action.name, action.file, number, len(found.group(1)) + 1, message, "config", lines[number - 1]
                )
        if opening:
            return Problem(action.name, action.file, first - 1, 1, message, "config", lines[first - 2])
    return Problem(action.name, action.file, None, None, message, "config")


def stray_description(root: Path, action: Action, name: str, outputs: list[str]) -> Problem:
    """A column description naming no column the action outputs, at its line in the config block.

    Dataform would drop it without a word, and the data dictionary with it."""
    message = f"a description of column {name!r}, which {action.name} does not output{did_you_mean(name, outputs)}"
    return _in_config(root, action, re.compile(rf"""^(\s*)["']?{re.escape(name)}["']?\s*:"""), message)


def undescribed_column(root: Path, action: Action, name: str) -> Problem:
    """An output column with no description, at the config block's `columns:` (or its first line):
    the README asks for a description of every column, and the data dictionary shows it."""
    where = "to the config block's columns" if action.columns else "to the config block, in columns: { ... }"
    message = f'column {name!r} has no description: add {name}: "..." {where}'
    return _in_config(root, action, re.compile(r"^(\s*)columns\s*:"), message, opening=True)


# ZetaSQL's messages that name something it could not find, without saying what was meant.
_NOT_FOUND = (
    re.compile(r"^Name (\w+) not found inside \w+$"),
    re.compile(r"^Table not found: `?([\w.-]+?)`?$"),
    re.compile(r"^Unrecognized name: (\w+)$"),
)


def with_suggestion(message: str, statement: str, known: set[str]) -> str:
    """BigQuery's message, with "did you mean" when it names something not found and a name in
    the statement or the catalog (`known`) is close to it."""
    for pattern in _NOT_FOUND:
        found = pattern.match(message)
        if found:
            candidates = sorted(set(re.findall(r"\b[A-Za-z_]\w*\b", statement)) | known)
            return message + did_you_mean(found.group(1), candidates)
    return message

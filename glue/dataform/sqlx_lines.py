"""Where a line of compiled SQL came from in its SQLX file, and a problem shown there (`Problem`:
file, line, column, the line and a caret), for the check, the runner and the analyst alike.

Dataform drops the config and other blocks and expands `${...}`, so the compiled SQL's line
numbers are not the file's. The compiled lines are aligned, in order, with the lines of the
block they came from (the SQL body, or pre_operations / post_operations), with every `${...}` in
the SQLX standing for any text, and so does the JavaScript at either end of a multi-line
template string (the `${when(incremental(),` and backtick before the SQL, the backtick and
`,` or `)}` after it). A line holding only a placeholder matches anything and may expand to
several lines (an includes/ helper's SQL); a line with text of its own that matches is surer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from glue.dataform.graph import Action

_BLOCK = re.compile(r"^(config|js|pre_operations|post_operations)\s*\{", re.M)


def _closing_brace(text: str, opening: int) -> int:
    depth = 0
    for i in range(opening, len(text)):
        depth += text[i] == "{"
        depth -= text[i] == "}"
        if depth == 0:
            return i
    return len(text) - 1


def blocks(text: str) -> dict[str, list[tuple[int, int]]]:
    """{block name: [(first line, last line)]}, 1-based; the SQL body is 'body'."""
    found: dict[str, list[tuple[int, int]]] = {}
    covered = []
    for match in _BLOCK.finditer(text):
        end = _closing_brace(text, match.end() - 1)
        first, last = text.count("\n", 0, match.start()) + 1, text.count("\n", 0, end) + 1
        found.setdefault(match[1], []).append((first + 1, last - 1))
        covered.append((first, last))
    lines = text.count("\n") + 1
    body, start = [], 1
    for first, last in sorted(covered):
        if first > start:
            body.append((start, first - 1))
        start = last + 1
    if start <= lines:
        body.append((start, lines))
    found["body"] = body
    return found


def _placeholders_removed(line: str) -> tuple[str, bool]:
    out, i, had = [], 0, False
    while i < len(line):
        if line.startswith("${", i):
            end = _closing_brace(line, i + 1)
            out.append("\0")
            had, i = True, end + 1
        else:
            out.append(line[i])
            i += 1
    return "".join(out), had


def _template_edge(line: str) -> str:
    """A line that opens or closes a multi-line `...` template inside ${...}: the JavaScript around
    the SQL (`${when(incremental(),` before, `,` or `)}` after) stands for any text."""
    if line.count("`") != 1:
        return line
    before, after = line.split("`")
    if before.strip() == "" or before.rstrip().endswith(("(", ",")):
        return "${}" + after
    return before + "${}"


def _pattern(line: str) -> tuple[re.Pattern, bool]:
    text, _ = _placeholders_removed(_template_edge(line.strip()))
    literal = text.replace("\0", "").strip() != ""
    parts = [re.escape(" ".join(p.split())) for p in text.split("\0")]
    return re.compile(r"\s*" + r".*".join(parts) + r"\s*", re.S), literal


def line_map(sqlx: str, compiled: str, block: str = "body") -> dict[int, int]:
    """{compiled line: SQLX line}, 1-based, for the compiled lines that could be placed."""
    sqlx_lines = sqlx.split("\n")
    candidates = [n for first, last in blocks(sqlx).get(block, []) for n in range(first, last + 1)]
    order = [n for n in candidates if sqlx_lines[n - 1].strip()]
    patterns = [_pattern(sqlx_lines[n - 1]) for n in order]
    lines = [(number, " ".join(line.split())) for number, line in enumerate(compiled.split("\n"), start=1)]
    placed = _align([text for _, text in lines if text], patterns)
    numbers = [number for number, text in lines if text]
    return {numbers[i]: order[j] for i, j in placed.items()}


# Scores of the alignment: a compiled line matched by a SQLX line with text of its own is
# surer than one matched by a line that is only a placeholder; one left unplaced costs.
_LITERAL, _PLACEHOLDER, _UNPLACED = 2, 1, -1


def _align(lines: list[str], patterns: list[tuple[re.Pattern, bool]]) -> dict[int, int]:
    """The best monotone placing of compiled lines on SQLX lines: {line index: pattern index}.

    A SQLX line may produce no compiled line (JavaScript, a branch not taken) and a line that
    is only a placeholder may produce several (a `${...}` that expands to many lines), so the
    two sides are aligned as a whole, by dynamic programming, rather than line by line: a
    literal line further on cannot capture a line that its placeholder produced.
    """
    rows, columns = len(lines), len(patterns)
    best = [[0] * (columns + 1) for _ in range(rows + 1)]
    move = [[""] * (columns + 1) for _ in range(rows + 1)]
    for i in range(rows - 1, -1, -1):
        best[i][columns], move[i][columns] = best[i + 1][columns] + _UNPLACED, "unplaced"
        for j in range(columns - 1, -1, -1):
            pattern, literal = patterns[j]
            options = [(best[i][j + 1], "no output"), (best[i + 1][j] + _UNPLACED, "unplaced")]
            if pattern.fullmatch(lines[i]):
                gain = _LITERAL if literal else _PLACEHOLDER
                options.append((best[i + 1][j + 1] + gain, "placed"))
                if not literal:
                    options.append((best[i + 1][j] + gain, "placed, more follow"))
            best[i][j], move[i][j] = max(options, key=lambda option: option[0])
    placed, i, j = {}, 0, 0
    while i < rows:
        step = move[i][j]
        if step.startswith("placed"):
            placed[i] = j
        i += step != "no output"
        j += step in ("no output", "placed")
    return placed


def sqlx_line(root: Path, file: str, compiled: str, line: int, block: str = "body") -> int | None:
    """The SQLX line of compiled line `line`, or None when it cannot be placed."""
    path = root / file
    if not file.endswith(".sqlx") or not path.exists():
        return None
    mapping = line_map(path.read_text(encoding="utf-8"), compiled, block)
    if line in mapping:
        return mapping[line]
    earlier = [n for n in mapping if n < line]
    return mapping[max(earlier)] if earlier else None


@dataclass
class Problem:
    action: str
    file: str
    line: int | None  # in the SQLX file
    column: int | None
    message: str  # what is wrong, in the engine's own words (BigQuery's, or DuckDB's for the runner)
    what: str  # the statement analyzed: query, incremental query, pre_operations, ...
    text: str = ""  # the SQLX line

    def format(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        where += f":{self.column}" if self.line and self.column else ""
        out = f"{where}: {self.message}" + (f" ({self.action}, {self.what})" if self.action or self.what else "")
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

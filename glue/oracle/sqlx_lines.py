"""Where a line of compiled SQL came from in its SQLX file.

Dataform drops the config and other blocks and expands `${...}`, so the compiled SQL's line
numbers are not the file's. Each compiled line is matched, in order, against the lines of the
block it came from (the SQL body, or pre_operations / post_operations), with every `${...}` in
the SQLX standing for any text, and so does the JavaScript at either end of a multi-line
template string (the `${when(incremental(),` and backtick before the SQL, the backtick and
`,` or `)}` after it). A line holding only a placeholder matches anything, so a line
with text of its own that matches is preferred, looking ahead a few lines.
"""
from __future__ import annotations

import re
from pathlib import Path

_BLOCK = re.compile(r"^(config|js|pre_operations|post_operations)\s*\{", re.M)
LOOKAHEAD = 40


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
    patterns = {n: _pattern(sqlx_lines[n - 1]) for n in candidates if sqlx_lines[n - 1].strip()}
    order = [n for n in candidates if n in patterns]
    mapping, cursor = {}, 0
    for number, line in enumerate(compiled.split("\n"), start=1):
        normal = " ".join(line.split())
        if not normal:
            continue
        window = order[cursor:cursor + LOOKAHEAD]
        hits = [i for i, n in enumerate(window) if patterns[n][0].fullmatch(normal)]
        literal = [i for i in hits if patterns[window[i]][1]]
        chosen = literal[0] if literal else (hits[0] if hits else None)
        if chosen is not None:
            mapping[number] = window[chosen]
            # A placeholder line can expand to several lines: stay on it unless text moved on.
            cursor += chosen + (1 if patterns[window[chosen]][1] else 0)
    return mapping


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

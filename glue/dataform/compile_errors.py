"""Dataform's compilation errors shown at the analyst's own text: the file, line and column, the
line with a caret, and what to do.

- A JavaScript syntax error (in a config block, a `${...}`, a js block or includes/): Node names
  the line of the JavaScript Dataform makes of the file, and shows that line as written; it is
  found in the file by its text, with a hint for the usual slips (a comma missing, say).
- A dependency on no action (`${ref("sesions")}`, a `dependencies` entry): at each place the file
  names it, with the closest name among the actions compiled.
- A name the JavaScript does not know (`colums.category`): at its first use, with the closest
  include; an error an includes/ helper throws for a config key (a column of no class of
  personal data): at that key.
- Errors that only follow from another (the actions of a file that did not compile, the helpers
  of an include that did not, the same unknown name reported again) are left out and counted.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from glue.dataform.sqlx_lines import Problem, blocks

_SYNTAX = re.compile(r"^(?P<path>[^\n]+?):(?P<line>\d+)\n(?P<code>[^\n]*)\n(?P<carets> *\^+)\s*\n\s*\n\w*Error: ")
_MISSING = re.compile(r'^Missing dependency detected: Action "[^"]+" depends on "(\{.*\})" which does not exist')
_CONSEQUENCES = (  # errors that name an action another error lost, or the same unknown name again
    re.compile(r'^Could not resolve (\{.*\}|"[^"]*")$'),
    re.compile(r"^Dataset (\{.*\}) could not be found\.$"),
    re.compile(r'^Input for dataset "(\{.*\})" has not been provided\.'),
)
_KINDS = ("tables", "assertions", "operations", "declarations")
_NOT_DEFINED = re.compile(r"^(\w+) is not defined$")
_BUILTINS = ("ref", "resolve", "self", "name", "when", "incremental", "schema", "database", "dataform", "ctx")

# Hints for JavaScript's syntax errors: (the message's start, the hint).
_HINTS = (
    ("Unexpected end of input", "a `}`, `)` or `]` not closed?"),
    ("missing ) after argument list", "a `)` missing, or a comma between two arguments?"),
    ("Invalid or unexpected token", "a quote not closed, or a character JavaScript does not allow?"),
    ("Unterminated string constant", "a quote not closed?"),
    ("Unterminated template", "a backtick not closed?"),
)
_SQL_WORDS = (
    "SELECT",
    "WITH",
    "FROM",
    "INSERT",
    "MERGE",
    "CREATE",
    "DECLARE",
    "DELETE",
    "UPDATE",
    "SET",
    "IF",
    "BEGIN",
)
_VALUES = ("Unexpected identifier", "Unexpected string", "Unexpected number", "Unexpected template string")


@dataclass
class _Error:
    file: str
    message: str
    stack: str


def _name(target: str) -> str:
    """The action name in Dataform's rendering of a target: {"schema":..,"name":..} or "name"."""
    try:
        value = json.loads(target)
    except json.JSONDecodeError:
        return target.strip('"')
    return value.get("name", "") if isinstance(value, dict) else str(value)


def _read(root: Path, file: str) -> str:
    path = root / file
    return path.read_text(encoding="utf-8") if file and path.is_file() else ""


def explain(root: Path, compiled: dict) -> tuple[list[Problem], int]:
    """The problems of a failed compilation, each placed in its file, and how many errors that
    only follow from them were left out."""
    errors = [
        _Error(e.get("fileName", "?"), e.get("message", ""), e.get("stack", ""))
        for e in compiled.get("graphErrors", {}).get("compilationErrors", [])
    ]
    made = [item for kind in _KINDS for item in compiled.get(kind, [])]
    # The files that made no action for an error of their own (not for an action another lost).
    files = {item.get("fileName") for item in made} | {"index.js"}
    broken = {e.file for e in errors if e.file not in files and not _follows(e.message)}
    lost_includes = {Path(f).stem for f in broken if f.startswith("includes/")}
    lost = {Path(f).stem for f in broken if not f.startswith("includes/")}
    actions = sorted({item["target"]["name"] for item in made if "target" in item} | lost)
    unknown = {_name(m[1]) for e in errors if (m := _MISSING.match(e.message))}
    problems, seen, left_out = [], set(), 0
    for error in errors:
        missing = _MISSING.match(error.message)
        consequence = next((m for p in _CONSEQUENCES if (m := p.match(error.message))), None)
        not_defined = _NOT_DEFINED.match(error.message)
        if missing and _name(missing[1]) in lost:
            left_out += 1
        elif consequence and _name(consequence[1]) in lost | unknown:
            left_out += 1
        elif not_defined and not_defined[1] in lost_includes:
            left_out += 1
        elif missing:
            name = _name(missing[1])
            if (error.file, name) in seen:
                continue
            seen.add((error.file, name))
            problems += _unknown_action(root, error.file, name, actions)
        else:
            problems.append(_placed(root, error, [*(p.stem for p in (root / "includes").glob("*.js")), *_BUILTINS]))
    if not problems:  # nothing recognized as a cause: every error as Dataform wrote it
        return [Problem("", e.file, None, None, e.message.split("\n")[0], "") for e in errors], 0
    return problems, left_out


def _follows(message: str) -> bool:
    return bool(_MISSING.match(message) or any(p.match(message) for p in _CONSEQUENCES))


def _closest(name: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(name, [c for c in candidates if c != name], n=1)
    return f'; did you mean "{close[0]}"?' if close else ""


_CALL = re.compile(r"\b(?:ref|resolve)\(\s*(?:\{[^}]*\}|[\"'][^\"']*[\"'](?:\s*,\s*[\"'][^\"']*[\"'])?)\s*\)")


def _unknown_action(root: Path, file: str, name: str, actions: list[str]) -> list[Problem]:
    """A dependency on no action, at each call (or `dependencies` entry) of the file naming it."""
    text = _read(root, file)
    lines = text.split("\n")
    config = {n for first, last in blocks(text).get("config", []) for n in range(first, last + 1)}
    quoted = re.compile(rf"[\"']{re.escape(name)}[\"']")
    found = []
    for number, line in enumerate(lines, start=1):
        calls = [c for c in _CALL.finditer(line) if quoted.search(c.group(0))]
        for call in calls:
            found.append((number, call.start() + 1, f"{call.group(0)} names no action"))
        entry = quoted.search(line) if not calls and number in config else None
        if entry:
            found.append((number, entry.start() + 1, f"the dependency {entry.group(0)} names no action"))
    hint = _closest(name, actions)
    if not found:
        return [Problem("", file, None, None, f'a dependency on "{name}", which names no action{hint}', "")]
    return [Problem("", file, n, column, message + hint, "", lines[n - 1]) for n, column, message in found]


def _placed(root: Path, error: _Error, known: list[str]) -> Problem:
    """An error at the line Node shows for it (a syntax error), at the name it says is not
    defined, or at the config key it names; otherwise at its file only, in Dataform's words."""
    message = error.message.split("\n")[0]
    text = _read(root, error.file)
    lines = text.split("\n")
    syntax = _SYNTAX.match(error.stack)
    if syntax and text:
        number = _line_of(lines, syntax["code"], int(syntax["line"]))
        if number is not None:
            column = len(syntax["carets"]) - len(syntax["carets"].lstrip(" ")) + 1
            token = syntax["carets"].strip()
            token = lines[number - 1][column - 1 : column - 1 + len(token)]
            where = _where(text, number, column) if error.file.endswith(".sqlx") else ""
            if token and not message.endswith("'") and message.startswith("Unexpected"):
                message += f" {token!r}"
            hint = _hint(message, lines, number, column, token, where)
            return Problem(
                "", error.file, number, column, message + where + (f": {hint}" if hint else ""), "", lines[number - 1]
            )
    not_defined = _NOT_DEFINED.match(message)
    if not_defined and text:
        word = re.compile(rf"(?<![\w.]){re.escape(not_defined[1])}\b")
        for number, line in enumerate(lines, start=1):
            found = word.search(line)
            if found:
                hint = _closest(not_defined[1], known)
                return Problem("", error.file, number, found.start() + 1, message + hint, "", line)
    return _at_named_key(error.file, text, message)


_KEY = re.compile(r"""^(\s*)["']?(\w+)["']?\s*:""")


def _at_named_key(file: str, text: str, message: str) -> Problem:
    """An error of the config's JavaScript (an includes/ helper's, say) at the one key of the
    config block that the message names, if one; otherwise at the file only."""
    words, lines, named = set(re.findall(r"\w+", message)), text.split("\n"), []
    for first, last in blocks(text).get("config", []):
        for number in range(first, last + 1):
            key = _KEY.match(lines[number - 1])
            if key and key[2] in words:
                named.append((number, len(key[1]) + 1))
    if len(named) != 1:
        return Problem("", file, None, None, message, "")
    number, column = named[0]
    return Problem("", file, number, column, message, "", lines[number - 1])


def _line_of(lines: list[str], code: str, javascript_line: int) -> int | None:
    """The file's line that Node showed: of the lines that read so, the last one at or before
    the line Node named (the JavaScript Dataform makes of a SQLX has lines added above each part)."""
    matches = [n for n, line in enumerate(lines, start=1) if line.rstrip() == code.rstrip()]
    before = [n for n in matches if n <= javascript_line]
    return before[-1] if before else (matches[0] if matches else None)


def _where(text: str, number: int, column: int) -> str:
    for block, spans in blocks(text).items():
        if block != "body" and any(first <= number <= last for first, last in spans):
            return f" in the {block} block"
    line = text.split("\n")[number - 1]
    return " in a ${...}" if "${" in line[:column] else ""


def _hint(message: str, lines: list[str], number: int, column: int, token: str, where: str) -> str:
    for start, hint in _HINTS:
        if message.startswith(start):
            return hint
    if not message.startswith(_VALUES):
        return ""
    if where.startswith(" in the ") and token.upper() in _SQL_WORDS:
        return f"a `}}` missing above, so that{where.removeprefix(' in')} runs on into the SQL?"
    line = lines[number - 1]
    if line[: column - 1].strip():
        return "a comma or an operator missing before it?"
    previous = next((p for p in reversed(lines[: number - 1]) if p.strip() and not p.strip().startswith("//")), "")
    if previous.rstrip().endswith((",", "{", "[", "(")):
        return ""
    after = line[column - 1 + len(token) :].lstrip()
    return f"a comma missing after the previous {'property' if after.startswith(':') else 'item'}?"

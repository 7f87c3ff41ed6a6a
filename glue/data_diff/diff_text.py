"""A TableDiff as text for a terminal: the row counts, the schema changes, the changed rows per
column and a few sample rows of each kind, as aligned tables."""

from __future__ import annotations

import textwrap

from glue.data_diff.table_diff import RowSample, TableDiff
from glue.text_tables import table_lines

# A value longer than this is cut in the samples; `--format json` keeps every character.
MAX_WIDTH = 40
WRAP = 100  # notes are wrapped at this width


def render(diff: TableDiff, samples: int = 3) -> str:
    """The diff as lines of text, with at most `samples` rows of each kind."""
    keyed = f"rows matched on {', '.join(diff.key)}" if diff.key else "rows compared whole"
    lines = [f"{diff.before} -> {diff.after} ({keyed})"]
    lines += [textwrap.fill(note, WRAP, initial_indent="  note: ", subsequent_indent="    ") for note in diff.notes]
    lines += ["", "rows:", *_indent(_counts(diff))]
    schema = _schema(diff)
    lines += ["", "columns:", *_indent(schema)] if schema else ["", "columns: the same names and types"]
    if diff.changed:
        lines += ["", f"values changed, of {diff.matched:,} matched rows:"]
        lines += _indent(table_lines(["column", "rows changed"], [(c.name, c.changed) for c in diff.column_changes]))
    for change in diff.column_changes:
        if change.changed and change.samples and samples:
            shown = change.samples[:samples]
            lines += ["", f"{change.name}: {_count(change.changed, 'row')} changed{_first(len(shown), change.changed)}"]
            rows = [(*key, old, new) for key, old, new in shown]
            lines += _indent(table_lines([*diff.key, "before", "after"], rows, max_width=MAX_WIDTH))
    lines += _sample("added", diff.added, diff.added_rows, samples)
    lines += _sample("removed", diff.removed, diff.removed_rows, samples)
    return "\n".join(lines)


def _counts(diff: TableDiff) -> list[str]:
    header = ["before", "after", "added", "removed"]
    row = [diff.before_rows, diff.after_rows, diff.added, diff.removed]
    if diff.changed is not None:
        header, row = [*header, "changed", "unchanged"], [*row, diff.changed, diff.unchanged]
    return table_lines(header, [row])


def _schema(diff: TableDiff) -> list[str]:
    rows = [("added", name, kind) for name, kind in diff.added_columns]
    rows += [("dropped", name, kind) for name, kind in diff.dropped_columns]
    rows += [("retyped", name, f"{old} -> {new}") for name, old, new in diff.retyped_columns]
    return table_lines(["change", "column", "type"], rows) if rows else []


def _sample(kind: str, count: int, sample: RowSample | None, samples: int) -> list[str]:
    if not count or sample is None or not sample.rows or not samples:
        return []
    shown = sample.rows[:samples]
    title = f"{kind}: {_count(count, 'row')}{_first(len(shown), count)}"
    return ["", title, *_indent(table_lines(sample.columns, shown, max_width=MAX_WIDTH))]


def _first(shown: int, total: int) -> str:
    return f", the first {shown}" if shown < total else ""


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _indent(lines: list[str]) -> list[str]:
    return [f"  {line}" for line in lines]

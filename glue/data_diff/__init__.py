"""Data diffs: what a change to a model does to its rows.

`compare` reads two relations in one DuckDB connection and returns a `TableDiff`: rows added,
removed and changed (matched on a key, or compared whole when there is none; `inferred_key`
finds one for a model that declares none), how many rows
changed in each column with sample rows, and the columns added, dropped or retyped. `render`
writes it for a terminal, `TableDiff.as_json` as plain JSON values. `build_both` builds a model at
a git ref and in the working copy on the same inputs, for `clickstream local diff`.
"""

from glue.data_diff.diff_text import render
from glue.data_diff.keys import inferred_key
from glue.data_diff.model_builds import BuildError, Builds, build_both
from glue.data_diff.table_diff import ColumnChange, DiffError, RowSample, TableDiff, columns_of, compare

__all__ = [
    "BuildError",
    "Builds",
    "ColumnChange",
    "DiffError",
    "RowSample",
    "TableDiff",
    "build_both",
    "columns_of",
    "compare",
    "inferred_key",
    "render",
]

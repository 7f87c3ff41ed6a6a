"""Two versions of a relation compared in SQL on DuckDB: rows added, removed and changed, by key.

Rows are matched on the key with a FULL OUTER JOIN (NULL keys match each other); each column the
two versions share is compared with IS DISTINCT FROM, so the work stays in DuckDB however many
rows there are. A renamed column is one dropped and one added (the key still matches the rows); a
retyped column is compared with the old values cast to the new type. With no key, rows are
compared whole, as multisets over the shared columns (EXCEPT ALL): added and removed, no "changed".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from glue.text_tables import cell


class DiffError(ValueError):
    """A comparison that cannot be made as asked: a key column missing, or a key that is not unique."""


@dataclass
class ColumnChange:
    """A column both versions have, with the matched rows whose value differs and a few of them."""

    name: str
    changed: int
    samples: list[tuple[tuple, object, object]] = field(default_factory=list)  # (key values, before, after)


@dataclass
class RowSample:
    """Rows only one version has: the first few, in key order, under their column names."""

    columns: list[str]
    rows: list[tuple]


@dataclass
class TableDiff:
    before: str
    after: str
    key: list[str] | None  # None: rows compared whole
    before_columns: list[tuple[str, str]]  # (name, DuckDB type), in the relation's order
    after_columns: list[tuple[str, str]]
    before_rows: int
    after_rows: int
    added: int
    removed: int
    changed: int | None  # None when rows are compared whole
    column_changes: list[ColumnChange] = field(default_factory=list)
    added_rows: RowSample | None = None
    removed_rows: RowSample | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def added_columns(self) -> list[tuple[str, str]]:
        before = dict(self.before_columns)
        return [(name, kind) for name, kind in self.after_columns if name not in before]

    @property
    def dropped_columns(self) -> list[tuple[str, str]]:
        after = dict(self.after_columns)
        return [(name, kind) for name, kind in self.before_columns if name not in after]

    @property
    def retyped_columns(self) -> list[tuple[str, str, str]]:
        """(name, type before, type after) of the columns both have with different types."""
        before = dict(self.before_columns)
        return [(n, before[n], kind) for n, kind in self.after_columns if n in before and before[n] != kind]

    @property
    def matched(self) -> int:
        return self.after_rows - self.added

    @property
    def unchanged(self) -> int | None:
        return None if self.changed is None else self.matched - self.changed

    @property
    def identical(self) -> bool:
        schema_same = not (self.added_columns or self.dropped_columns or self.retyped_columns)
        return schema_same and not (self.added or self.removed or self.changed)

    def as_json(self) -> dict:
        """The diff as plain JSON values: counts, schema changes, per-column counts and samples."""

        def rows(sample: RowSample | None) -> list[dict]:
            return [] if sample is None else [_row(sample.columns, row) for row in sample.rows]

        return {
            "before": self.before,
            "after": self.after,
            "key": self.key,
            "rows": {
                "before": self.before_rows,
                "after": self.after_rows,
                "added": self.added,
                "removed": self.removed,
                "changed": self.changed,
                "unchanged": self.unchanged,
            },
            "columns": {
                "added": [{"name": n, "type": t} for n, t in self.added_columns],
                "dropped": [{"name": n, "type": t} for n, t in self.dropped_columns],
                "retyped": [{"name": n, "before": b, "after": a} for n, b, a in self.retyped_columns],
            },
            "changed_columns": [
                {
                    "name": change.name,
                    "changed": change.changed,
                    "samples": [
                        {"key": _row(self.key or [], key), "before": _value(old), "after": _value(new)}
                        for key, old, new in change.samples
                    ],
                }
                for change in self.column_changes
            ],
            "samples": {"added": rows(self.added_rows), "removed": rows(self.removed_rows)},
            "notes": list(self.notes),
        }


def compare(connection, before: str, after: str, key: list[str] | None, samples: int = 3) -> TableDiff:
    """The difference between the relations `before` and `after`, both readable in the DuckDB
    `connection`, with up to `samples` rows of each kind. `key` matches rows; None compares them whole."""
    before_columns, after_columns = columns_of(connection, before), columns_of(connection, after)
    before_types, after_types = dict(before_columns), dict(after_columns)
    key = list(key) if key else None
    for name in key or []:
        for relation, types in ((before, before_types), (after, after_types)):
            if name not in types:
                raise DiffError(f"the key column {name!r} is not in {relation} (its columns: {', '.join(types)})")
    for relation in (before, after):
        if key:
            _check_unique(connection, relation, key)
    # Shared columns, in the after's order; the before's values cast to the after's type where it changed.
    shared = [n for n, _ in after_columns if n in before_types and n not in (key or [])]

    def old(name: str, alias: str = "") -> str:
        """The before's column, cast to the after's type when that changed."""
        reference = f"{alias}.{_quote(name)}" if alias else _quote(name)
        if before_types[name] == after_types[name]:
            return reference
        return f"TRY_CAST({reference} AS {after_types[name]})"

    counts = [_count(connection, before), _count(connection, after)]
    diff = TableDiff(before, after, key, before_columns, after_columns, *counts, 0, 0, None)
    if key:
        _compare_keyed(connection, diff, shared, old, samples)
    else:
        _compare_whole(connection, diff, shared, old, samples)
    return diff


def columns_of(connection, relation: str) -> list[tuple[str, str]]:
    """(name, DuckDB type) of each column of the relation, in order."""
    return [(row[0], row[1]) for row in connection.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()]


def _compare_keyed(connection, diff: TableDiff, shared: list[str], old, samples: int) -> None:
    key, before, after = diff.key, diff.before, diff.after
    b_cols = [f"{old(k)} AS k{i}" for i, k in enumerate(key)] + [f"{old(c)} AS c{i}" for i, c in enumerate(shared)]
    a_cols = [f"{_quote(k)} AS k{i}" for i, k in enumerate(key)] + [
        f"{_quote(c)} AS c{i}" for i, c in enumerate(shared)
    ]
    on = " AND ".join(f"b.k{i} IS NOT DISTINCT FROM a.k{i}" for i in range(len(key)))
    keys = ", ".join(f"COALESCE(a.k{i}, b.k{i}) AS k{i}" for i in range(len(key)))
    values = "".join(f", b.c{i} AS b{i}, a.c{i} AS a{i}" for i in range(len(shared)))
    joined = (
        f"WITH b AS (SELECT {', '.join(b_cols)}, TRUE AS present FROM {before}), "
        f"a AS (SELECT {', '.join(a_cols)}, TRUE AS present FROM {after}), "
        f"j AS (SELECT b.present AS b_in, a.present AS a_in, {keys}{values} FROM b FULL OUTER JOIN a ON {on}) "
    )
    distinct = [f"b{i} IS DISTINCT FROM a{i}" for i in range(len(shared))]
    both = "b_in AND a_in"
    tallies = [
        "COUNT(*) FILTER (WHERE a_in IS NULL)",
        "COUNT(*) FILTER (WHERE b_in IS NULL)",
        f"COUNT(*) FILTER (WHERE {both} AND ({' OR '.join(distinct) or 'FALSE'}))",
        *(f"COUNT(*) FILTER (WHERE {both} AND {d})" for d in distinct),
    ]
    removed, added, changed, *per_column = connection.execute(f"{joined}SELECT {', '.join(tallies)} FROM j").fetchone()
    diff.added, diff.removed, diff.changed = added, removed, changed
    order = ", ".join(f"k{i}" for i in range(len(key)))
    key_values = ", ".join(f"k{i}" for i in range(len(key)))
    for i, (name, count) in enumerate(zip(shared, per_column)):
        found = []
        if count and samples:
            found = connection.execute(
                f"{joined}SELECT {key_values}, b{i}, a{i} FROM j WHERE {both} AND {distinct[i]} "
                f"ORDER BY {order} LIMIT {samples}"
            ).fetchall()
        diff.column_changes.append(ColumnChange(name, count, [(tuple(r[: len(key)]), r[-2], r[-1]) for r in found]))
    diff.added_rows = _only_in(connection, after, before, key, old, samples, added, flip=True)
    diff.removed_rows = _only_in(connection, before, after, key, old, samples, removed, flip=False)


def _only_in(connection, relation: str, other: str, key: list[str], old, samples: int, count: int, flip: bool):
    """The first rows of `relation` whose key `other` does not have (`flip`: `relation` is the after)."""
    names = [name for name, _ in columns_of(connection, relation)]
    if not count or not samples:
        return RowSample(names, [])
    if flip:  # the after's rows; the before's keys cast to the after's types
        match = " AND ".join(f"{old(k, 'o')} IS NOT DISTINCT FROM r.{_quote(k)}" for k in key)
    else:  # the before's rows, cast to meet the after's keys
        match = " AND ".join(f"o.{_quote(k)} IS NOT DISTINCT FROM {old(k, 'r')}" for k in key)
    order = ", ".join(f"r.{_quote(k)}" for k in key)
    rows = connection.execute(
        f"SELECT r.* FROM {relation} AS r WHERE NOT EXISTS (SELECT 1 FROM {other} AS o WHERE {match}) "
        f"ORDER BY {order} LIMIT {samples}"
    ).fetchall()
    return RowSample(names, rows)


def _compare_whole(connection, diff: TableDiff, shared: list[str], old, samples: int) -> None:
    diff.notes.append(
        "no unique key: rows are compared whole, over the columns both versions have (added and removed "
        "only; a changed row is one removed and one added); --key matches rows by key"
    )
    if not shared:
        diff.added, diff.removed = diff.after_rows, diff.before_rows
        diff.added_rows, diff.removed_rows = RowSample([], []), RowSample([], [])
        return
    b_side = f"SELECT {', '.join(f'{old(c)} AS {_quote(c)}' for c in shared)} FROM {diff.before}"
    a_side = f"SELECT {', '.join(_quote(c) for c in shared)} FROM {diff.after}"
    only_after, only_before = f"({a_side} EXCEPT ALL {b_side})", f"({b_side} EXCEPT ALL {a_side})"
    diff.added, diff.removed = connection.execute(
        f"SELECT (SELECT COUNT(*) FROM {only_after}), (SELECT COUNT(*) FROM {only_before})"
    ).fetchone()

    def first(rows: str, count: int) -> RowSample:
        if not count or not samples:
            return RowSample(shared, [])
        return RowSample(shared, connection.execute(f"SELECT * FROM {rows} ORDER BY ALL LIMIT {samples}").fetchall())

    diff.added_rows, diff.removed_rows = first(only_after, diff.added), first(only_before, diff.removed)


def _check_unique(connection, relation: str, key: list[str]) -> None:
    columns = ", ".join(_quote(k) for k in key)
    repeated = connection.execute(
        f"SELECT COUNT(*) OVER (), * FROM (SELECT {columns} FROM {relation} GROUP BY ALL HAVING COUNT(*) > 1) "
        "ORDER BY ALL LIMIT 1"
    ).fetchone()
    if repeated:
        example = ", ".join(f"{k} = {cell(v)}" for k, v in zip(key, repeated[1:]))
        raise DiffError(
            f"the key ({', '.join(key)}) is not unique in {relation}: {repeated[0]:,} "
            f"{'key appears' if repeated[0] == 1 else 'keys appear'} more than once (e.g. {example}); pass another --key"
        )


def _count(connection, relation: str) -> int:
    return connection.execute(f"SELECT COUNT(*) FROM {relation}").fetchone()[0]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _row(columns: list[str], values: tuple) -> dict:
    return {name: _value(value) for name, value in zip(columns, values)}


def _value(value):
    """A JSON value: numbers, strings, booleans, null and lists and objects of them as they are;
    NUMERIC, times and dates as BigQuery writes them."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return [_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _value(v) for k, v in value.items()}
    return cell(value)

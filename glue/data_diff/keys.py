"""Which columns match a model's rows across two versions: its uniqueKey, or, when it declares
none (a view, a mart), its first column when that is never NULL and never repeated in either
version (page_url, device_type, visit_id)."""

from __future__ import annotations

from glue.data_diff.table_diff import columns_of


def inferred_key(connection, before: str, after: str) -> list[str] | None:
    """[the first column] when it is in both relations and unique in each; None otherwise."""
    columns = [[name for name, _ in columns_of(connection, relation)] for relation in (before, after)]
    first = columns[1][0] if columns[1] else None
    if first is None or first not in columns[0]:
        return None
    quoted = '"' + first.replace('"', '""') + '"'
    for relation in (before, after):
        rows, distinct = connection.execute(f"SELECT COUNT(*), COUNT(DISTINCT {quoted}) FROM {relation}").fetchone()
        if rows != distinct:  # NULLs are not counted as distinct, so a NULL fails here too
            return None
    return [first]

"""Personal data as a reader sees it, locally, by the rules BigQuery's data policies apply.

On BigQuery each personal column carries its class's policy tag (includes/privacy.js) and each
tag a data masking policy (`governance apply`): a reader with the fine-grained reader role on
the tags sees the values, a masked reader sees each class's masking rule applied, as
clickstream.yaml's `privacy` section declares. Here the same rules are views: the warehouse is
attached read-only, and every table and view of it is shown through a view of the same name
whose personal columns are masked. The rules, as BigQuery documents them:

- SHA256: the SHA-256 of the value, of the column's own type: for a STRING, its base64;
- ALWAYS_NULL: NULL;
- DEFAULT_MASKING_VALUE: the type's default ('' , 0, FALSE, ...).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from glue.dataform import did_you_mean
from glue.settings import Settings

READERS_WITH_RAW_VALUES = "raw"  # the reader name that sees every value (the tags' fine-grained readers)
_RULES = {
    "SHA256": "to_base64(unhex(sha256(CAST({column} AS VARCHAR))))",
    "ALWAYS_NULL": "CAST(NULL AS {type})",
    "DEFAULT_MASKING_VALUE": "CAST(CASE WHEN {column} IS NULL THEN NULL ELSE {default} END AS {type})",
}
_DEFAULTS = {"VARCHAR": "''", "BOOLEAN": "FALSE"}


class UnknownReader(ValueError):
    pass


def column_masks(settings: Settings, reader: str) -> dict[str, str]:
    """{column name: masking rule} for `reader`; empty for the reader of raw values."""
    readers = settings.privacy["readers"]
    if reader not in readers:
        raise UnknownReader(
            f"no reader {reader!r}{did_you_mean(reader, list(readers))} in clickstream.yaml (privacy.readers): "
            f"{', '.join(readers)}"
        )
    if reader == READERS_WITH_RAW_VALUES:
        return {}
    rules = {name: spec["masking"] for name, spec in settings.privacy["classes"].items()}
    return {column: rules[kind] for column, kind in settings.column_classes().items() if kind in rules}


def masked_connection(warehouse: Path, reader: str, settings: Settings) -> duckdb.DuckDBPyConnection:
    """An in-memory connection where every relation of `warehouse` has its name, seen as `reader`."""
    masks = column_masks(settings, reader)
    if not Path(warehouse).exists():
        raise FileNotFoundError(f"no warehouse at {warehouse}: run `make demo` or `clickstream local run` first")
    from glue.runner import connect  # here: the stack's sink imports this package, and the runner the stack

    connection = connect(":memory:")
    connection.execute(f"ATTACH '{warehouse}' AS warehouse (READ_ONLY)")
    relations = connection.execute(
        "SELECT table_schema, table_name FROM information_schema.tables WHERE table_catalog = 'warehouse'"
    ).fetchall()
    for schema, name in relations:
        columns = connection.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_catalog = 'warehouse' AND table_schema = ? AND table_name = ? ORDER BY ordinal_position",
            [schema, name],
        ).fetchall()
        shown = ", ".join(_shown(column, kind, masks.get(column)) for column, kind in columns)
        connection.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        connection.execute(f'CREATE VIEW "{schema}"."{name}" AS SELECT {shown} FROM warehouse."{schema}"."{name}"')
    return connection


def _shown(column: str, kind: str, rule: str | None) -> str:
    quoted = f'"{column}"'
    if rule is None:
        return quoted
    default = _DEFAULTS.get(kind, "0")
    return f"{_RULES[rule].format(column=quoted, type=kind, default=default)} AS {quoted}"

"""BigQuery's type names shared by the local runner and the oracle: a DuckDB column type in
BigQuery's name for it (`from_duckdb`), and a type list split at its top-level commas
(`split_top_level`)."""

from __future__ import annotations

import re


def split_top_level(text: str) -> list[str]:
    """The comma-separated parts of a type list, split outside <>: `a INT64, b ARRAY<STRUCT<x, y>>`."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += char == "<"
        depth -= char == ">"
        if char == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    parts.append(text[start:].strip())
    return [p for p in parts if p]


_DUCKDB = {
    "VARCHAR": "STRING",
    "BIGINT": "INT64",
    "INTEGER": "INT64",
    "SMALLINT": "INT64",
    "TINYINT": "INT64",
    "HUGEINT": "INT64",
    "UBIGINT": "INT64",
    "DOUBLE": "FLOAT64",
    "FLOAT": "FLOAT64",
    "BOOLEAN": "BOOL",
    "DATE": "DATE",
    "TIMESTAMP WITH TIME ZONE": "TIMESTAMP",
    "TIMESTAMPTZ": "TIMESTAMP",
    "TIMESTAMP": "DATETIME",
    "TIME": "TIME",
    "BLOB": "BYTES",
    "JSON": "JSON",
    "INTERVAL": "INTERVAL",
}


def from_duckdb(duckdb_type: str) -> str:
    """DuckDB's name of a column type as the BigQuery type the runner means by it.

    DECIMAL(38, 9) is NUMERIC and DECIMAL(76, 38) BIGNUMERIC (the runner's casts); any other
    DECIMAL is reported as written, so that a comparison with BigQuery's type fails visibly.
    """
    text = str(duckdb_type).strip()
    if text.endswith("[]"):
        return f"ARRAY<{from_duckdb(text[:-2])}>"
    if text.upper().startswith("STRUCT(") and text.endswith(")"):
        fields = []
        for part in split_top_level(text[7:-1].replace("(", "<").replace(")", ">")):
            field_name, field_type = part.split(None, 1)
            fields.append(f"{field_name.strip(chr(34))} {from_duckdb(field_type.replace('<', '(').replace('>', ')'))}")
        return f"STRUCT<{', '.join(fields)}>"
    decimal = re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", text.upper())
    if decimal:
        return {("38", "9"): "NUMERIC", ("76", "38"): "BIGNUMERIC"}.get(decimal.groups(), text)
    return _DUCKDB.get(text.upper(), text)

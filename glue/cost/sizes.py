"""BigQuery's data-size rules (https://cloud.google.com/bigquery/pricing#data) as DuckDB SQL.

A value's logical size: INT64, FLOAT64, DATE, DATETIME, TIME and TIMESTAMP 8 bytes; BOOL 1;
NUMERIC 16; BIGNUMERIC 32; STRING and BYTES 2 + their length in bytes (UTF-8 for STRING);
JSON the UTF-8 length of its text; an ARRAY the sum of its elements; a STRUCT the sum of its
fields; NULL 0. The local tables hold the same values BigQuery would, so summing these over
their rows gives the bytes BigQuery would store and read for each column.
"""

from __future__ import annotations

_FIXED = {
    "INT64": 8,
    "FLOAT64": 8,
    "DATE": 8,
    "DATETIME": 8,
    "TIME": 8,
    "TIMESTAMP": 8,
    "BOOL": 1,
    "NUMERIC": 16,
    "BIGNUMERIC": 32,
    "INTERVAL": 16,
}


def _split_fields(inner: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in inner:
        if char == "<":
            depth += 1
        elif char == ">":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    if current.strip():
        parts.append(current.strip())
    return parts


def size_sql(value: str, kind: str) -> str:
    """A DuckDB expression for the logical bytes of `value`, a value of BigQuery type `kind`."""
    kind = kind.strip().upper()
    if kind in _FIXED:
        return f"CASE WHEN {value} IS NULL THEN 0 ELSE {_FIXED[kind]} END"
    if kind in ("STRING", "BYTES"):
        return (
            f"COALESCE(2 + octet_length(CAST({value} AS BLOB)), 0)"
            if kind == "BYTES"
            else f"COALESCE(2 + strlen({value}), 0)"
        )
    if kind == "JSON":
        return f"COALESCE(strlen(CAST({value} AS VARCHAR)), 0)"
    if kind.startswith("ARRAY<"):
        element = kind[len("ARRAY<") : -1]
        return f"COALESCE(list_sum(list_transform({value}, lambda x: {size_sql('x', element)})), 0)"
    if kind.startswith("STRUCT<"):
        fields = _split_fields(kind[len("STRUCT<") : -1])
        sizes = [size_sql(f'{value}."{f.split(" ", 1)[0]}"', f.split(" ", 1)[1]) for f in fields]
        return f"CASE WHEN {value} IS NULL THEN 0 ELSE {' + '.join(sizes) or '0'} END"
    raise ValueError(f"no BigQuery size rule for type {kind}")

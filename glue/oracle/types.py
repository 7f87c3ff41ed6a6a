"""BigQuery's type names as ZetaSQL TypeProtos and back.

BigQuery's names are the common language: the analyzer's types are written in them
(`ARRAY<STRUCT<name STRING, value INT64>>`), and so are the local tables' DuckDB types when the
two engines are compared (glue/bigquery_types.py).
"""

from __future__ import annotations

import re

from glue.bigquery_types import split_top_level

SCALARS = {
    "INT64": "TYPE_INT64",
    "BOOL": "TYPE_BOOL",
    "FLOAT64": "TYPE_DOUBLE",
    "STRING": "TYPE_STRING",
    "BYTES": "TYPE_BYTES",
    "DATE": "TYPE_DATE",
    "TIMESTAMP": "TYPE_TIMESTAMP",
    "TIME": "TYPE_TIME",
    "DATETIME": "TYPE_DATETIME",
    "NUMERIC": "TYPE_NUMERIC",
    "BIGNUMERIC": "TYPE_BIGNUMERIC",
    "JSON": "TYPE_JSON",
    "INTERVAL": "TYPE_INTERVAL",
    "GEOGRAPHY": "TYPE_GEOGRAPHY",
}
ALIASES = {
    "INTEGER": "INT64",
    "INT": "INT64",
    "BIGINT": "INT64",
    "SMALLINT": "INT64",
    "TINYINT": "INT64",
    "BYTEINT": "INT64",
    "BOOLEAN": "BOOL",
    "FLOAT": "FLOAT64",
    "DOUBLE": "FLOAT64",
    "DECIMAL": "NUMERIC",
    "BIGDECIMAL": "BIGNUMERIC",
}
_NAMES = {kind: name for name, kind in SCALARS.items()}


def to_proto(name: str, pb):
    """A BigQuery type name as a zetasql.TypeProto (pb: the loaded stub modules)."""
    text = name.strip()
    upper = text.upper()
    if upper.startswith("ARRAY<") and upper.endswith(">"):
        return pb.type.TypeProto(
            type_kind=pb.type.TYPE_ARRAY, array_type=pb.type.ArrayTypeProto(element_type=to_proto(text[6:-1], pb))
        )
    if upper.startswith("STRUCT<") and upper.endswith(">"):
        fields = []
        for part in split_top_level(text[7:-1]):
            field_name, field_type = part.split(None, 1)
            fields.append(
                pb.type.StructFieldProto(field_name=field_name.strip("`"), field_type=to_proto(field_type, pb))
            )
        return pb.type.TypeProto(type_kind=pb.type.TYPE_STRUCT, struct_type=pb.type.StructTypeProto(field=fields))
    base = re.sub(r"\(.*\)$", "", upper).strip()  # NUMERIC(10, 2), STRING(20): parameters are not types
    base = ALIASES.get(base, base)
    if base not in SCALARS:
        raise ValueError(f"unknown BigQuery type {name!r}")
    return pb.type.TypeProto(type_kind=getattr(pb.type, SCALARS[base]))


def to_name(proto, pb) -> str:
    """A zetasql.TypeProto as BigQuery writes the type."""
    kind = pb.type.TypeKind.Name(proto.type_kind)
    if proto.type_kind == pb.type.TYPE_ARRAY:
        return f"ARRAY<{to_name(proto.array_type.element_type, pb)}>"
    if proto.type_kind == pb.type.TYPE_STRUCT:
        fields = ", ".join(f"{f.field_name} {to_name(f.field_type, pb)}" for f in proto.struct_type.field)
        return f"STRUCT<{fields}>"
    return _NAMES.get(kind, kind.removeprefix("TYPE_"))

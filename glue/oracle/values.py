"""Python values as ZetaSQL ValueProtos and back, typed by BigQuery type names.

The Python side is what DuckDB returns for the runner's tables: str, int, float, Decimal,
bool, tz-aware datetime (TIMESTAMP), date, list (ARRAY), dict (STRUCT), and JSON as its text.
NUMERIC travels as ZetaSQL serialises it: the value times 10^9 as a little-endian two's
complement integer of the fewest bytes.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, timezone
from decimal import Context, Decimal

from glue.bigquery_types import split_top_level

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
EPOCH_DATE = date(1970, 1, 1)
_SCALES = {"NUMERIC": 9, "BIGNUMERIC": 38}


_WIDE = Context(prec=100)  # BIGNUMERIC has 76 digits; the default context keeps 28


def _scaled_bytes(value: Decimal, scale: int) -> bytes:
    number = int(Decimal(value).scaleb(scale, _WIDE).to_integral_value(context=_WIDE))
    length = max(1, (number + (number < 0)).bit_length() // 8 + 1)
    return number.to_bytes(length, "little", signed=True)


def _scaled_decimal(data: bytes, scale: int) -> Decimal:
    number = int.from_bytes(data, "little", signed=True) if data else 0
    return Decimal(number).scaleb(-scale, _WIDE).normalize(_WIDE) if number else Decimal(0)


def _struct_fields(type_name: str) -> list[tuple[str, str]]:
    return [tuple(part.split(None, 1)) for part in split_top_level(type_name.strip()[7:-1])]


def to_proto(value, type_name: str, pb):
    """A ValueProto of this BigQuery type; None is NULL (an empty ValueProto)."""
    proto = pb.value.ValueProto()
    if value is None:
        return proto
    upper = type_name.strip().upper()
    if upper.startswith("ARRAY<"):
        element = type_name.strip()[6:-1]
        proto.array_value.element.extend(to_proto(v, element, pb) for v in value)
        proto.array_value.SetInParent()
    elif upper.startswith("STRUCT<"):
        fields = _struct_fields(type_name)
        items = list(value.values()) if isinstance(value, dict) else list(value)
        proto.struct_value.field.extend(to_proto(v, t, pb) for v, (_, t) in zip(items, fields))
        proto.struct_value.SetInParent()
    elif upper == "INT64":
        proto.int64_value = int(value)
    elif upper == "BOOL":
        proto.bool_value = bool(value)
    elif upper == "FLOAT64":
        proto.double_value = float(value)
    elif upper == "STRING":
        proto.string_value = str(value)
    elif upper == "BYTES":
        proto.bytes_value = bytes(value)
    elif upper in _SCALES:
        setattr(proto, f"{upper.lower()}_value", _scaled_bytes(value, _SCALES[upper]))
    elif upper == "DATE":
        proto.date_value = (value - EPOCH_DATE).days
    elif upper == "TIMESTAMP":
        moment = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        micros = (moment - EPOCH) // timedelta(microseconds=1)
        proto.timestamp_value.seconds, rest = divmod(micros, 1_000_000)
        proto.timestamp_value.nanos = rest * 1000
    elif upper == "JSON":
        proto.json_value = value if isinstance(value, str) else json.dumps(value)
    else:
        raise ValueError(f"no conversion of {type_name} values to ZetaSQL")
    return proto


def from_proto(proto, type_name: str):
    """The Python value of a ValueProto of this BigQuery type (None for NULL)."""
    kind = proto.WhichOneof("value")
    if kind is None:
        return None
    upper = type_name.strip().upper()
    if kind == "array_value":
        element = type_name.strip()[6:-1]
        return [from_proto(v, element) for v in proto.array_value.element]
    if kind == "struct_value":
        return {name: from_proto(v, t) for v, (name, t) in zip(proto.struct_value.field, _struct_fields(type_name))}
    if kind in ("numeric_value", "bignumeric_value"):
        return _scaled_decimal(getattr(proto, kind), _SCALES[upper])
    if kind == "timestamp_value":
        stamp = proto.timestamp_value
        return EPOCH + timedelta(seconds=stamp.seconds, microseconds=stamp.nanos // 1000)
    if kind == "date_value":
        return EPOCH_DATE + timedelta(days=proto.date_value)
    if kind == "datetime_value":  # year:14 month:4 day:5 hour:5 minute:6 second:6, nanos beside
        packed, nanos = proto.datetime_value.bit_field_datetime_seconds, proto.datetime_value.nanos
        return datetime(packed >> 26, (packed >> 22) & 15, (packed >> 17) & 31, *_clock(packed), nanos // 1000)
    if kind == "time_value":  # hour:5 minute:6 second:6 above 30 bits of nanoseconds
        packed = proto.time_value
        return time(*_clock(packed >> 30), (packed & ((1 << 30) - 1)) // 1000)
    return getattr(proto, kind)


def _clock(packed: int) -> tuple[int, int, int]:
    return (packed >> 12) & 31, (packed >> 6) & 63, packed & 63

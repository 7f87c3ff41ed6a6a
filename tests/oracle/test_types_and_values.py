"""Types, values and numbers as BigQuery's engine has them, checked against the engine itself."""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from decimal import Decimal

import pytest

from glue.bigquery_types import from_duckdb
from glue.oracle import Catalog, Table
from glue.oracle.types import to_name, to_proto

TYPED_VALUES = [
    ("INT64", -(1 << 63)),
    ("BOOL", True),
    ("FLOAT64", 0.1),
    ("STRING", "é\n"),
    ("NUMERIC", Decimal("-4189.9")),
    ("NUMERIC", Decimal("99999999999999999999999999999.999999999")),
    ("DATE", date(1, 1, 1)),
    ("TIMESTAMP", datetime(2024, 7, 1, 9, 0, 0, 123456, tzinfo=timezone.utc)),
    ("JSON", '{"a":[1,"x"]}'),
    ("ARRAY<STRING>", ["a", "b"]),
    ("STRUCT<name STRING, n INT64>", {"name": "x", "n": 2}),
    ("ARRAY<STRUCT<k STRING, v FLOAT64>>", [{"k": "a", "v": 1.5}]),
]


@pytest.mark.parametrize("kind, value", TYPED_VALUES)
def test_a_value_goes_to_the_evaluator_and_back_unchanged(oracle, kind, value):
    catalog = Catalog({"ds.t": Table([("v", kind)])})
    # Rows are attached to the table as the compiled SQL names it: `dataset.table`, in backticks.
    columns, rows = oracle.evaluate("SELECT v FROM `ds.t`", catalog, {"ds.t": [(value,), (None,)]})
    assert columns == [("v", kind)]
    assert rows == [(value,), (None,)]


def test_datetime_and_time_values_are_decoded(oracle):
    _, [row] = oracle.evaluate("SELECT DATETIME '2024-07-01 09:08:07.5', TIME '23:59:58.25'", Catalog(), {})
    assert row == (datetime(2024, 7, 1, 9, 8, 7, 500000), time(23, 59, 58, 250000))


def test_type_names_round_trip_and_duckdb_types_read_as_bigquery_names(oracle):
    for name in ("INT64", "ARRAY<STRUCT<a STRING, b ARRAY<NUMERIC>>>", "TIMESTAMP", "JSON"):
        assert to_name(to_proto(name, oracle.pb), oracle.pb) == name
    assert to_name(to_proto("INTEGER", oracle.pb), oracle.pb) == "INT64"
    assert [
        from_duckdb(t)
        for t in (
            "VARCHAR",
            "HUGEINT",
            "DECIMAL(38,9)",
            "TIMESTAMP WITH TIME ZONE",
            "VARCHAR[]",
            "STRUCT(k VARCHAR, v DOUBLE)[]",
            "DECIMAL(38,2)",
        )
    ] == [
        "STRING",
        "INT64",
        "NUMERIC",
        "TIMESTAMP",
        "ARRAY<STRING>",
        "ARRAY<STRUCT<k STRING, v FLOAT64>>",
        "DECIMAL(38,2)",
    ]

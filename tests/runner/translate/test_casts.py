"""glue/runner/translate/bigquery/casts.py: types, casts and FORMAT as BigQuery has them."""

import json
from decimal import Decimal

import duckdb
import pytest

from glue.runner.translate import Translator, UntranslatableSQL
from tests.runner.translate.support import run


def test_numeric_is_bigquery_numeric_not_decimal_18_3(db):
    [(value,)] = run(db, "SELECT CAST('379.940000001' AS NUMERIC)")
    assert value == Decimal("379.940000001")
    assert run(db, "SELECT ROUND(SAFE_CAST('239.96999999999997' AS NUMERIC), 2)") == [(Decimal("239.97"),)]


def test_every_bigquery_integer_type_is_int64(db):
    # INTEGER, SMALLINT, TINYINT and BYTEINT are aliases of INT64 in BigQuery; DuckDB's are 32, 16 and 8 bits.
    assert run(
        db,
        "SELECT CAST(3000000000 AS INTEGER), CAST(70000 AS SMALLINT), CAST(300 AS TINYINT), "
        "CAST(300 AS BYTEINT), CAST(3000000000 AS INT)",
    ) == [(3000000000, 70000, 300, 300, 3000000000)]


# What BigQuery's documentation and its reference implementation (ZetaSQL's StringToNumeric) say
# SAFE_CAST(text AS INT64) gives; DuckDB's own TRY_CAST gives an integer for every None here.
@pytest.mark.parametrize(
    "text, integer",
    [
        ("12", 12),
        (" 12 ", 12),
        ("\t+7\n", 7),
        ("-0", 0),
        ("007", 7),
        ("0x123", 291),
        ("-0x123", -291),
        ("  0X1f ", 31),
        ("9223372036854775807", 9223372036854775807),
        ("-0x8000000000000000", -9223372036854775808),
        ("1.5", None),
        ("1e2", None),
        ("1_000", None),
        ("0b101", None),
        ("1.", None),
        (".5", None),
        ("9223372036854775808", None),
        ("0x", None),
        ("", None),
        ("\t0x10", None),
        ("١٢", None),
    ],
)
def test_safe_cast_of_text_to_int64_accepts_what_bigquery_accepts(db, text, integer):
    assert run(db, f"SELECT SAFE_CAST({json.dumps(text)} AS INT64)") == [(integer,)]


def test_cast_of_text_that_is_no_int64_fails_as_in_bigquery(db):
    assert run(db, "SELECT CAST(x AS INT64) FROM UNNEST(['1', NULL, '-0x10']) AS x WITH OFFSET o ORDER BY o") == [
        (1,),
        (None,),
        (-16,),
    ]
    with pytest.raises(duckdb.InvalidInputException, match="Bad int64 value: 1.5"):
        run(db, "SELECT CAST('1.5' AS INT64)")


def test_float64_halfway_cases_round_away_from_zero_when_cast_to_int64(db):
    # DuckDB rounds a DOUBLE's halfway cases to even: 2 and -2 for 2.5 and -2.5, 0 for 0.5.
    assert run(
        db,
        "SELECT CAST(x AS INT64), SAFE_CAST(x AS INT64) FROM UNNEST([2.5, -2.5, 0.5, -0.5, 1.4]) AS x "
        "WITH OFFSET o ORDER BY o",
    ) == [(3, 3), (-3, -3), (1, 1), (-1, -1), (1, 1)]
    assert run(db, "SELECT SAFE_CAST(CAST('NaN' AS FLOAT64) AS INT64), CAST(CAST(2.5 AS NUMERIC) AS INT64)") == [
        (None, 3)
    ]


@pytest.mark.parametrize(
    "text, value",
    [
        ("true", True),
        ("FALSE", False),
        ("True", True),
        ("t", None),
        ("yes", None),
        ("1", None),
        ("0", None),
        ("no", None),
        (" true", None),
        ("", None),
    ],
)
def test_safe_cast_of_text_to_bool_accepts_only_true_and_false(db, text, value):
    assert run(db, f"SELECT SAFE_CAST({json.dumps(text)} AS BOOL)") == [(value,)]


def test_cast_of_text_that_is_no_bool_fails_and_numbers_still_cast(db):
    assert run(db, "SELECT CAST(0 AS BOOL), CAST(5 AS BOOL), CAST(CAST(NULL AS STRING) AS BOOL)") == [
        (False, True, None)
    ]
    with pytest.raises(duckdb.InvalidInputException, match="Bad bool value: yes"):
        run(db, "SELECT CAST('yes' AS BOOL)")


def test_an_int64_variable_declared_from_a_subquery_is_cast_by_bigquerys_rules(db):
    assert run(
        db,
        "DECLARE n INT64 DEFAULT (SELECT MAX(x) FROM UNNEST([1, 5]) AS x); "
        "DECLARE h INT64 DEFAULT (SELECT ' 0x1f '); SELECT n, h",
    ) == [(5, 31)]


def test_format_reads_bigquerys_printf_specifiers(db):
    # DuckDB's format() wants {} placeholders: FORMAT('%d items', 3) came back as '%d items'.
    assert run(
        db,
        "SELECT FORMAT('%d items', 3), FORMAT('%.2f', 3.14159), FORMAT('%s-%s', 'a', 'b'), "
        "FORMAT('%5d|%-3s|', 42, 'x'), FORMAT('%*d|', 4, 7), FORMAT('100%%'), FORMAT('%i', NULL)",
    ) == [("3 items", "3.14", "a-b", "   42|x  |", "   7|", "100%", None)]


def test_format_t_writes_values_as_bigquery_documents_it(db):
    # FLOAT64 and NUMERIC always with a decimal point; NULL as NULL.
    assert run(
        db,
        "SELECT FORMAT('%t|%t|%t|%t|%t|%t', CAST(1 AS FLOAT64), CAST(1e20 AS FLOAT64), "
        "CAST(120 AS NUMERIC), CAST(2.5 AS NUMERIC), 'abc', 7), FORMAT('00-%t-00', NULL)",
    ) == [("1.0|1e+20|120|2.5|abc|7", "00-NULL-00")]


def test_format_t_upper_is_reported_as_not_run_locally():
    with pytest.raises(UntranslatableSQL, match="FORMAT's %T"):
        Translator("definitions/x.sqlx").query("SELECT FORMAT('%T', 'a')")


@pytest.mark.parametrize(
    "expression, text",
    [
        ("CAST(1 AS FLOAT64)", "1"),
        ("CAST(1e15 AS FLOAT64)", "1e+15"),
        ("CAST(123456 AS FLOAT64)", "123456"),
        ("0.1 + 0.2", "0.30000000000000004"),
        ("CAST(123456789012345678 AS FLOAT64)", "1.2345678901234568e+17"),
        ("CAST('nan' AS FLOAT64)", "nan"),
        ("CAST('-inf' AS FLOAT64)", "-inf"),
        ("1e-7", "1e-07"),
        ("CAST(2.5 AS NUMERIC)", "2.5"),
        ("CAST(120 AS NUMERIC)", "120"),
        ("CAST(0 AS NUMERIC)", "0"),
        ("12", "12"),
        ("'x'", "x"),
        ("CAST(NULL AS FLOAT64)", None),
    ],
)
def test_numbers_cast_to_string_are_written_as_bigquery_writes_them(db, expression, text):
    # ZetaSQL writes a FLOAT64 with %.15g (%.17g if that does not read back); DuckDB wrote '1.0',
    # '1000000000000000.0' and NUMERIC's nine decimals ('2.500000000').
    assert run(db, f"SELECT CAST({expression} AS STRING), SAFE_CAST({expression} AS STRING)") == [(text, text)]


def test_a_number_with_a_point_is_a_float64(db):
    # BigQuery types 0.1 as FLOAT64; DuckDB typed it DECIMAL, and 0.1 + 0.2 came to exactly 0.3.
    assert run(db, "SELECT 0.1 + 0.2, 1e3, -2.5, CAST(999.99 AS NUMERIC)") == [
        (0.30000000000000004, 1000.0, -2.5, Decimal("999.99"))
    ]

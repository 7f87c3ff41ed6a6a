"""The JSON rewrites of glue/runner/translate/bigquery/: PARSE_JSON, JSON_TYPE, JSON_QUERY_ARRAY, converters, numbers."""

import random
import struct

import duckdb
import pytest
from sqlglot import exp

from glue.oracle import Catalog
from glue.runner.translate.bigquery.json_number_text import number_problem
from glue.runner.translate.bigquery.json_numbers import bigquery_number_text
from tests.runner.translate.support import run


@pytest.mark.parametrize(
    "text, valid",
    [
        ("", False),
        ("  ", False),
        ('{"a": 1} x', False),
        ("{'a': 1}", False),
        ('{"a": 1}{"b": 2}', False),
        ("/*c*/{}", False),
        ('{"a": .5}', False),
        ("[1, 2]", True),
        ("null", True),
        ('"s"', True),
        ('  {"a": 1}  ', True),
        ('{"a": {"b": [1, "x", null]}}', True),
    ],
)
def test_safe_parse_json_is_null_exactly_for_text_that_is_not_json(db, text, valid):
    literal = exp.Literal.string(text).sql(dialect="bigquery")
    [(parsed, json_type)] = run(
        db, f"SELECT SAFE.PARSE_JSON(t) IS NOT NULL, JSON_TYPE(SAFE.PARSE_JSON(t)) FROM (SELECT {literal} AS t)"
    )
    assert parsed is valid and (json_type is not None) is valid


def test_json_type_speaks_bigquery(db):
    sql = (
        "SELECT JSON_TYPE(PARSE_JSON('{}')), JSON_TYPE(PARSE_JSON('[1]')), JSON_TYPE(PARSE_JSON('\"s\"')), "
        "JSON_TYPE(PARSE_JSON('1')), JSON_TYPE(PARSE_JSON('1.5')), JSON_TYPE(PARSE_JSON('true')), "
        "JSON_TYPE(PARSE_JSON('null'))"
    )
    assert run(db, sql) == [("object", "array", "string", "number", "number", "boolean", "null")]


@pytest.mark.parametrize(
    "value, elements",
    [
        ('[1, {"a": 2}, "x"]', ["1", '{"a":2}', '"x"']),
        ("[]", []),
        ("3", None),
        ('{"a": [1]}', None),
        ('"[1]"', None),
        ("null", None),
    ],
)
def test_json_query_array_is_null_for_anything_but_an_array(db, value, elements):
    doc = exp.Literal.string(f'{{"e": {value}}}').sql(dialect="bigquery")
    [(listed, length, missing, unnested)] = run(
        db,
        (
            f"SELECT JSON_QUERY_ARRAY(d, '$.e'), ARRAY_LENGTH(JSON_QUERY_ARRAY(d, '$.e')), "
            f"ARRAY_LENGTH(JSON_QUERY_ARRAY(d, '$.missing')), (SELECT COUNT(*) FROM UNNEST(JSON_QUERY_ARRAY(d, '$.e'))) "
            f"FROM (SELECT PARSE_JSON({doc}) AS d)"
        ),
    )
    assert (None if listed is None else [str(e) for e in listed]) == elements
    assert length == (None if elements is None else len(elements)) and missing is None
    assert unnested == len(elements or [])


def test_json_converters_take_their_own_json_type(db):
    # BigQuery's documented examples, and SQL NULL.
    assert run(
        db,
        "SELECT INT64(JSON '2005'), INT64(JSON '10.0'), INT64(JSON '1e2'), INT64(CAST(NULL AS JSON)), "
        'INT64(JSON_QUERY(JSON \'{"gate": "A4", "flight_number": 2005}\', \'$.flight_number\')), '
        "INT64(JSON '-9223372036854775808')",
    ) == [(2005, 10, 100, None, 2005, -(1 << 63))]
    # STRING of a JSON string is the string, unquoted; the cast sqlglot wrote kept the quotes.
    assert run(
        db,
        "SELECT STRING(JSON '\"purple\"'), STRING(JSON_QUERY(JSON '{\"a\": \"b\"}', '$.a')), "
        'STRING(PARSE_JSON(\'{"q": "say \\\\"hi\\\\""}\').q)',
    ) == [("purple", "b", 'say "hi"')]
    assert run(
        db,
        "SELECT BOOL(JSON 'true'), BOOL(JSON 'false'), FLOAT64(JSON '9.8'), FLOAT64(JSON '5'), "
        "FLOAT64(JSON '18446744073709551615', wide_number_mode => 'round')",
    ) == [(True, False, 9.8, 5.0, 18446744073709551615.0)]
    # BigQuery's other STRING, of a TIMESTAMP, is unchanged.
    assert run(db, "SELECT STRING(TIMESTAMP '2008-12-25 15:30:00+00')") == [("2008-12-25 15:30:00+00",)]


@pytest.mark.parametrize(
    "call, message",
    [
        ("INT64(JSON '10.5')", "not an INT64"),
        ("INT64(JSON '9223372036854775808')", "not an INT64"),
        ("INT64(JSON '\"10\"')", "not a number"),
        ("INT64(JSON 'null')", "not a number"),
        ("STRING(JSON '123')", "not a string"),
        ("STRING(JSON 'null')", "not a string"),
        ("BOOL(JSON '123')", "not a boolean"),
        ("BOOL(JSON 'null')", "not a boolean"),
        ("FLOAT64(JSON '\"1\"')", "not a number"),
        ("FLOAT64(JSON '9007199254740993')", "not a FLOAT64 without rounding"),  # 2^53 + 1
    ],
)
def test_json_converters_fail_on_another_json_type_and_safe_gives_null(db, call, message):
    # Before: INT64(JSON '10.5') was 10 and INT64(JSON '"10"') 10; BigQuery fails on both.
    function = call.split("(")[0]
    with pytest.raises(duckdb.InvalidInputException, match=f"{function}: the JSON value is {message}"):
        run(db, f"SELECT {call}")
    assert run(db, f"SELECT SAFE.{call}") == [(None,)]


def test_a_json_subscript_counts_from_zero_and_an_array_one_too(db):
    # sqlglot shifted every bare subscript for DuckDB's 1-based lists; DuckDB's JSON subscript
    # counts from 0, so j.a.b[1] was the third element (NULL here), not the second.
    assert run(
        db,
        "SELECT j.a.b[0], j.a.b[1], j.a.b[i], j.a.b[5], j['a'] "
        'FROM (SELECT PARSE_JSON(\'{"a": {"b": [1, 2]}}\') AS j, 1 AS i)',
    ) == [("1", "2", "2", None, '{"b":[1,2]}')]
    assert run(db, "SELECT arr[0], arr[i], arr[2] FROM (SELECT [10, 20, 30] AS arr, 1 AS i)") == [(10, 20, 30)]


def test_fields_and_subscripts_of_a_json_literal(db):
    # sqlglot read `JSON '{...}'.a` as JSON('{...}'.a), which DuckDB refuses.
    assert run(
        db,
        "SELECT JSON '{\"a\": 1}'.a, JSON '{\"a\": {\"b\": [1, 2]}}'.a.b[1], JSON '[1, 2]'[0], "
        "INT64(JSON '{\"n\": 5}'.n)",
    ) == [("1", "2", "1", 5)]


@pytest.mark.parametrize(
    "text, exact, rounded",
    [
        ('{"a": 4189.900000000001}', False, True),
        ('{"a": 203.20214}', False, True),
        ('{"a": 0.1}', True, True),
        ('{"a": 123456789012345678901}', False, True),
        ('{"a": 18446744073709551615}', True, True),
        ('{"a": 1e400}', False, False),
        ("[NaN]", False, False),
        ("[1, 2,]", False, False),
        ('{"a": 1,}', False, False),
        ('\ufeff{"a": 1}', True, True),
        (' \ufeff{"a": 1}', False, False),
        ('{"a": "1e400 , ]"}', True, True),
    ],
)
def test_parse_json_refuses_what_bigquery_refuses_in_each_number_mode(db, text, exact, rounded):
    literal = exp.Literal.string(text).sql(dialect="bigquery")
    assert run(
        db,
        f"SELECT SAFE.PARSE_JSON({literal}) IS NOT NULL, "
        f"SAFE.PARSE_JSON({literal}, wide_number_mode => 'round') IS NOT NULL",
    ) == [(exact, rounded)]


def test_parse_json_in_exact_mode_fails_with_bigquerys_message(db):
    with pytest.raises(
        duckdb.InvalidInputException,
        match="Input number: 4189.900000000001 cannot round-trip through string representation",
    ):
        run(db, "SELECT PARSE_JSON('{\"a\": 4189.900000000001}')")


@pytest.mark.parametrize(
    "number, text",
    [
        ("203.20214", "203.20214000000001"),
        ("4189.900000000001", "4189.9000000000005"),
        ("1e23", "9.999999999999999e+22"),
        ("123456789012345678901", "1.2345678901234568e+20"),
        ("-0", "0"),
        ("2.50", "2.5"),
        ("1E2", "100.0"),
        ("7", "7"),
    ],
)
def test_json_value_of_a_number_is_bigquerys_text_of_it(db, number, text):
    # BigQuery keeps a JSON number as INT64, UINT64 or FLOAT64, and writes a FLOAT64 with Grisu2.
    sql = (
        f"SELECT JSON_VALUE(PARSE_JSON('{{\"a\": {number}}}', wide_number_mode => 'round'), '$.a'), "
        f"JSON_VALUE(d, '$.a'), JSON_TYPE(JSON_QUERY(d, '$.a')) "
        f"FROM (SELECT PARSE_JSON('{{\"a\": {number}}}', wide_number_mode => 'round') AS d)"
    )
    assert run(db, sql) == [(text, text, "number")]


def _random_numbers(count: int) -> list[str]:
    rng = random.Random(2)
    numbers = []
    while len(numbers) < count:
        value = struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0]
        if value == value and abs(value) != float("inf"):
            numbers.append(repr(value))
        digits = str(rng.randint(1, 10 ** rng.randint(1, 15)))
        point = rng.randint(0, len(digits))
        numbers.append(f"{digits[:point] or '0'}.{digits[point:] or '0'}")
    return numbers + ["4189.900000000001", "1e23", "123456789012345678901", "18446744073709551615", "2.5e-324"]


def test_json_numbers_are_written_and_refused_as_bigquery_does(oracle):
    # BigQuery's JSON writes a FLOAT64 with Grisu2, not always the shortest text; 'exact' refuses
    # a number that text does not give back. Checked on random doubles and short decimals.
    numbers = _random_numbers(1500)
    literals = ", ".join(f"'{n}'" for n in numbers)
    _, rows = oracle.evaluate(
        f"SELECT x, TO_JSON_STRING(PARSE_JSON(x, wide_number_mode => 'round')), SAFE.PARSE_JSON(x) IS NOT NULL "
        f"FROM UNNEST([{literals}]) AS x WITH OFFSET AS i ORDER BY i",
        Catalog(),
        {},
    )
    assert rows == [(x, bigquery_number_text(x), number_problem(x) is None) for x in numbers]
    # The property that makes this matter: some texts are longer than the shortest that reads back.
    assert any(len(bigquery_number_text(x)) > len(repr(float(x))) for x in numbers if "." in x)


@pytest.mark.parametrize("text", ["not json at all", ""])
def test_json_value_of_a_string_that_is_not_json_is_null(db, text):
    """BigQuery answers NULL, where DuckDB's json functions fail on the text. (BigQuery reads a
    STRING leniently: single quotes, or a document cut short after the path, still answer; locally
    those are NULL.)"""
    literal = exp.Literal.string(text).sql(dialect="bigquery")
    assert run(db, f"SELECT JSON_VALUE(t, '$.user_id') FROM (SELECT {literal} AS t)") == [(None,)]
    assert run(db, """SELECT JSON_VALUE(t, '$.user_id') FROM (SELECT '{"user_id": "U1"}' AS t)""") == [("U1",)]

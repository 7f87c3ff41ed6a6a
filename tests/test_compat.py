"""Each compatibility fix: the BigQuery form runs on DuckDB and gives BigQuery's answer."""
import datetime as dt
import json
import re
from decimal import Decimal

import duckdb
import pytest
from sqlglot import exp

from glue.contract import WHITESPACE
from glue.local.compat import WHITESPACE_CLASS, Translator, UntranslatableSQL
from glue.local.warehouse import connect


@pytest.fixture
def db():
    return connect(":memory:")


def run(db, sql, translator=None):
    """The BigQuery SQL's rows on DuckDB, through the translator. A query that reads no local table
    also runs on ZetaSQL's reference evaluator, and any difference fails the test (answers_agree)."""
    translator = translator or Translator("definitions/x.sqlx")
    try:
        for statement in translator.script(sql).statements:
            result = db.execute(statement)
        rows = result.fetchall()
    except (duckdb.Error, UntranslatableSQL) as error:
        answers_agree(sql, None, error)
        raise
    answers_agree(sql, rows)
    return rows


_ORACLE = {}


@pytest.fixture(autouse=True)
def _the_oracle(oracle):
    _ORACLE["oracle"] = oracle
    yield
    _ORACLE.clear()


def answers_agree(sql, rows, local_error=None):
    """Fails when BigQuery's evaluator answers the query otherwise than the local run did: other
    rows, or an error on one side only. A query the evaluator cannot resolve alone (it reads a
    local table or a script variable) is not compared; nor is what ZETASQL_DIFFERS lists."""
    from glue.oracle import Catalog, OracleError
    from glue.oracle.compare import _canonical

    if "oracle" not in _ORACLE or any(marker in sql for marker in ZETASQL_DIFFERS):
        return
    try:
        columns, expected = _ORACLE["oracle"].evaluate(sql, Catalog(), {})
    except OracleError as error:
        if error.message.startswith(("Table not found", "Unrecognized name", "Syntax error: Unexpected keyword DECLARE",
                                     "Syntax error: Unexpected keyword SET", "Statement not supported",
                                     "Evaluator does not support statement kind")):
            return
        assert local_error is not None, f"BigQuery's evaluator refuses {sql!r} ({error.message}); locally: {rows}"
        return
    assert local_error is None, f"BigQuery's evaluator answers {sql!r} with {expected}; locally: {local_error}"
    canonical = lambda found: sorted(  # noqa: E731
        (tuple(repr(_canonical(v, kind)) for v, (_, kind) in zip(row, columns)) for row in found))
    assert canonical(rows) == canonical(expected), (
        f"{sql!r}: locally {rows}, BigQuery's evaluator {expected}")


# Where ZetaSQL, BigQuery's reference implementation, is documented to differ from BigQuery
# itself, the documented BigQuery answer is the test's and the evaluator is not asked.
ZETASQL_DIFFERS = {
    "typeof(": "DuckDB's own type names, asked of the local result: not BigQuery SQL",
    # BigQuery's JSON functions page: FLOAT64(JSON '18446744073709551615') "Throws an error" in the
    # default wide_number_mode 'exact'; ZetaSQL's evaluator rounds it (1.8446744073709552e+19).
    "FLOAT64(JSON '9007199254740993')": "BigQuery documents an error where ZetaSQL rounds",
}


def test_project_qualified_names_use_the_dataset_schema(db):
    db.execute("CREATE SCHEMA ds; CREATE TABLE ds.t AS SELECT 1 AS x")
    assert run(db, "SELECT x FROM `my-project.ds.t`") == [(1,)]


def test_safe_prefix_returns_null_instead_of_failing(db):
    assert run(db, "SELECT SAFE.PARSE_JSON('{bad') IS NULL, SAFE.PARSE_JSON('{\"a\": 1}') IS NOT NULL") == [(True, True)]
    assert run(db, "SELECT SAFE.SUBSTR('abc', 2), SAFE_CAST('x' AS INT64)") == [("bc", None)]


@pytest.mark.parametrize("text, valid", [
    ("", False), ("  ", False), ('{"a": 1} x', False), ("{'a': 1}", False), ('{"a": 1}{"b": 2}', False),
    ("/*c*/{}", False), ('{"a": .5}', False), ('[1, 2]', True), ("null", True), ('"s"', True),
    ('  {"a": 1}  ', True), ('{"a": {"b": [1, "x", null]}}', True),
])
def test_safe_parse_json_is_null_exactly_for_text_that_is_not_json(db, text, valid):
    literal = exp.Literal.string(text).sql(dialect="bigquery")
    [(parsed, json_type)] = run(db, f"SELECT SAFE.PARSE_JSON(t) IS NOT NULL, JSON_TYPE(SAFE.PARSE_JSON(t)) "
                                    f"FROM (SELECT {literal} AS t)")
    assert parsed is valid and (json_type is not None) is valid


def test_json_type_speaks_bigquery(db):
    sql = ("SELECT JSON_TYPE(PARSE_JSON('{}')), JSON_TYPE(PARSE_JSON('[1]')), JSON_TYPE(PARSE_JSON('\"s\"')), "
           "JSON_TYPE(PARSE_JSON('1')), JSON_TYPE(PARSE_JSON('1.5')), JSON_TYPE(PARSE_JSON('true')), "
           "JSON_TYPE(PARSE_JSON('null'))")
    assert run(db, sql) == [("object", "array", "string", "number", "number", "boolean", "null")]


def test_with_offset_counts_from_zero(db):
    sql = "SELECT x, i FROM UNNEST(['a', 'b', 'c']) AS x WITH OFFSET AS i ORDER BY i"
    assert run(db, sql) == [("a", 0), ("b", 1), ("c", 2)]


def test_with_offset_in_a_correlated_array_subquery(db):
    sql = ("SELECT ARRAY(SELECT CONCAT(r, CAST(p AS STRING)) FROM UNNEST(['a', NULL, 'c']) AS r "
           "WITH OFFSET AS p WHERE r IS NOT NULL ORDER BY p)")
    assert run(db, sql) == [(["a0", "c2"],)]


def test_numeric_is_bigquery_numeric_not_decimal_18_3(db):
    [(value,)] = run(db, "SELECT CAST('379.940000001' AS NUMERIC)")
    assert value == Decimal("379.940000001")
    assert run(db, "SELECT ROUND(SAFE_CAST('239.96999999999997' AS NUMERIC), 2)") == [(Decimal("239.97"),)]


def test_every_bigquery_integer_type_is_int64(db):
    # INTEGER, SMALLINT, TINYINT and BYTEINT are aliases of INT64 in BigQuery; DuckDB's are 32, 16 and 8 bits.
    assert run(db, "SELECT CAST(3000000000 AS INTEGER), CAST(70000 AS SMALLINT), CAST(300 AS TINYINT), "
                   "CAST(300 AS BYTEINT), CAST(3000000000 AS INT)") == [(3000000000, 70000, 300, 300, 3000000000)]


# What BigQuery's documentation and its reference implementation (ZetaSQL's StringToNumeric) say
# SAFE_CAST(text AS INT64) gives; DuckDB's own TRY_CAST gives an integer for every None here.
@pytest.mark.parametrize("text, integer", [
    ("12", 12), (" 12 ", 12), ("\t+7\n", 7), ("-0", 0), ("007", 7),
    ("0x123", 291), ("-0x123", -291), ("  0X1f ", 31), ("9223372036854775807", 9223372036854775807),
    ("-0x8000000000000000", -9223372036854775808),
    ("1.5", None), ("1e2", None), ("1_000", None), ("0b101", None), ("1.", None), (".5", None),
    ("9223372036854775808", None), ("0x", None), ("", None), ("\t0x10", None), ("١٢", None),
])
def test_safe_cast_of_text_to_int64_accepts_what_bigquery_accepts(db, text, integer):
    assert run(db, f"SELECT SAFE_CAST({json.dumps(text)} AS INT64)") == [(integer,)]


def test_cast_of_text_that_is_no_int64_fails_as_in_bigquery(db):
    assert run(db, "SELECT CAST(x AS INT64) FROM UNNEST(['1', NULL, '-0x10']) AS x WITH OFFSET o ORDER BY o") == [
        (1,), (None,), (-16,)]
    with pytest.raises(duckdb.InvalidInputException, match="Bad int64 value: 1.5"):
        run(db, "SELECT CAST('1.5' AS INT64)")


def test_float64_halfway_cases_round_away_from_zero_when_cast_to_int64(db):
    # DuckDB rounds a DOUBLE's halfway cases to even: 2 and -2 for 2.5 and -2.5, 0 for 0.5.
    assert run(db, "SELECT CAST(x AS INT64), SAFE_CAST(x AS INT64) FROM UNNEST([2.5, -2.5, 0.5, -0.5, 1.4]) AS x "
                   "WITH OFFSET o ORDER BY o") == [(3, 3), (-3, -3), (1, 1), (-1, -1), (1, 1)]
    assert run(db, "SELECT SAFE_CAST(CAST('NaN' AS FLOAT64) AS INT64), CAST(CAST(2.5 AS NUMERIC) AS INT64)") == [(None, 3)]


@pytest.mark.parametrize("text, value", [
    ("true", True), ("FALSE", False), ("True", True),
    ("t", None), ("yes", None), ("1", None), ("0", None), ("no", None), (" true", None), ("", None),
])
def test_safe_cast_of_text_to_bool_accepts_only_true_and_false(db, text, value):
    assert run(db, f"SELECT SAFE_CAST({json.dumps(text)} AS BOOL)") == [(value,)]


def test_cast_of_text_that_is_no_bool_fails_and_numbers_still_cast(db):
    assert run(db, "SELECT CAST(0 AS BOOL), CAST(5 AS BOOL), CAST(CAST(NULL AS STRING) AS BOOL)") == [(False, True, None)]
    with pytest.raises(duckdb.InvalidInputException, match="Bad bool value: yes"):
        run(db, "SELECT CAST('yes' AS BOOL)")


def test_an_int64_variable_declared_from_a_subquery_is_cast_by_bigquerys_rules(db):
    assert run(db, "DECLARE n INT64 DEFAULT (SELECT MAX(x) FROM UNNEST([1, 5]) AS x); "
                   "DECLARE h INT64 DEFAULT (SELECT ' 0x1f '); SELECT n, h") == [(5, 31)]


@pytest.mark.parametrize("text", [
    "abc", "  abc  ", "\t{x}\r\n", "\u3000x\u00a0", "\u200bx\u200b", "a \t b", " ", "", "\v\fz\x85", "\x1cz\x1f",
])
def test_trim_without_characters_removes_unicode_whitespace_as_bigquery_does(db, text):
    literal = exp.Literal.string(text).sql(dialect="bigquery")
    assert run(db, f"SELECT TRIM(t), LTRIM(t), RTRIM(t), TRIM(t, 'z') FROM (SELECT {literal} AS t)") == [
        (text.strip(WHITESPACE), text.lstrip(WHITESPACE), text.rstrip(WHITESPACE), text.strip("z"))]


def test_the_whitespace_trim_removes_is_the_contracts_whitespace(db):
    # Every character of the Basic Multilingual Plane outside the surrogates, one row each.
    found = {chr(code) for (code,) in db.execute(
        "SELECT code FROM range(1, 65536) AS r(code) WHERE (code < 55296 OR code > 57343) "
        "AND regexp_matches(chr(CAST(code AS INTEGER)), ?)", [f"^{WHITESPACE_CLASS}$"]).fetchall()}
    assert found == set(WHITESPACE)
    assert run(db, "SELECT TRIM(NULL), LTRIM(CAST(NULL AS STRING))") == [(None, None)]


def test_farm_fingerprint_matches_bigquery_documentation(db):
    # Values from BigQuery's FARM_FINGERPRINT documentation.
    sql = "SELECT FARM_FINGERPRINT('1footrue'), FARM_FINGERPRINT('2applefalse'), FARM_FINGERPRINT('3true')"
    assert run(db, sql) == [(-1541654101129638711, 2794438866806483259, -4880158226897771312)]


def test_dayofweek_counts_sunday_as_one(db):
    # 2024-07-07 was a Sunday.
    assert run(db, "SELECT EXTRACT(DAYOFWEEK FROM DATE '2024-07-07'), EXTRACT(DAYOFWEEK FROM DATE '2024-07-08')") == [(1, 2)]


# BigQuery's documentation of EXTRACT: the dates around New Year 2016, their ISO year and week,
# their year and their week (weeks start on Sunday; the days before the first Sunday are week 0).
@pytest.mark.parametrize("day, isoyear, isoweek, year, week", [
    ("2015-12-23", 2015, 52, 2015, 51), ("2015-12-27", 2015, 52, 2015, 52), ("2015-12-28", 2015, 53, 2015, 52),
    ("2016-01-01", 2015, 53, 2016, 0), ("2016-01-02", 2015, 53, 2016, 0), ("2016-01-03", 2015, 53, 2016, 1),
    ("2016-01-04", 2016, 1, 2016, 1), ("2016-01-09", 2016, 1, 2016, 1),
])
def test_extract_weeks_count_as_bigquery_does(db, day, isoyear, isoweek, year, week):
    assert run(db, f"SELECT EXTRACT(ISOYEAR FROM DATE '{day}'), EXTRACT(ISOWEEK FROM DATE '{day}'), "
                   f"EXTRACT(YEAR FROM DATE '{day}'), EXTRACT(WEEK FROM DATE '{day}'), "
                   f"EXTRACT(WEEK FROM TIMESTAMP '{day} 23:59:59')") == [(isoyear, isoweek, year, week, week)]


def test_extract_week_starting_on_a_given_day(db):
    # The documentation's example: 2017-11-05 was a Sunday.
    assert run(db, "SELECT EXTRACT(WEEK(SUNDAY) FROM DATE '2017-11-05'), EXTRACT(WEEK(MONDAY) FROM DATE '2017-11-05')") == [
        (45, 44)]


def test_timestamp_diff_counts_whole_units(db):
    # The documentation's example, 13,410 hours; DuckDB's date_diff counts 13,411 hour boundaries.
    assert run(db, "SELECT TIMESTAMP_DIFF(TIMESTAMP '2010-07-07 10:20:00+00', TIMESTAMP '2008-12-25 15:30:00+00', HOUR), "
                   "TIMESTAMP_DIFF(TIMESTAMP '2008-12-25 15:30:00+00', TIMESTAMP '2010-07-07 10:20:00+00', HOUR), "
                   "TIMESTAMP_DIFF(TIMESTAMP '2024-01-01 00:00:01.1', TIMESTAMP '2024-01-01 00:00:00.9', SECOND), "
                   "TIMESTAMP_DIFF(TIMESTAMP '2025-01-08', TIMESTAMP '2025-01-01 12:00:00', DAY)") == [(13410, -13410, 0, 6)]


def test_division_by_zero_fails_naming_the_division_as_in_bigquery(db):
    # DuckDB's x / 0 is infinity, and 0 / 0 NaN: a model that BigQuery would stop ran on locally.
    assert run(db, "SELECT x / SUM(x) OVER (), 7 / 2 FROM UNNEST([1, 3]) AS x WITH OFFSET o ORDER BY o") == [
        (0.25, 3.5), (0.75, 3.5)]
    with pytest.raises(duckdb.InvalidInputException, match=r"division by zero: x / SUM\(x\) OVER \(\)"):
        run(db, "SELECT x / SUM(x) OVER () FROM UNNEST([0, 0]) AS x")
    assert run(db, "SELECT SAFE_DIVIDE(1, 0), IEEE_DIVIDE(1, 0), IEEE_DIVIDE(-1, 0), IEEE_DIVIDE(6, 4)") == [
        (None, float("inf"), float("-inf"), 1.5)]
    [(nan,)] = run(db, "SELECT IEEE_DIVIDE(0, 0)")
    assert nan != nan


def test_format_reads_bigquerys_printf_specifiers(db):
    # DuckDB's format() wants {} placeholders: FORMAT('%d items', 3) came back as '%d items'.
    assert run(db, "SELECT FORMAT('%d items', 3), FORMAT('%.2f', 3.14159), FORMAT('%s-%s', 'a', 'b'), "
                   "FORMAT('%5d|%-3s|', 42, 'x'), FORMAT('%*d|', 4, 7), FORMAT('100%%'), FORMAT('%i', NULL)") == [
        ("3 items", "3.14", "a-b", "   42|x  |", "   7|", "100%", None)]


def test_format_t_writes_values_as_bigquery_documents_it(db):
    # FLOAT64 and NUMERIC always with a decimal point; NULL as NULL.
    assert run(db, "SELECT FORMAT('%t|%t|%t|%t|%t|%t', CAST(1 AS FLOAT64), CAST(1e20 AS FLOAT64), "
                   "CAST(120 AS NUMERIC), CAST(2.5 AS NUMERIC), 'abc', 7), FORMAT('00-%t-00', NULL)") == [
        ("1.0|1e+20|120|2.5|abc|7", "00-NULL-00")]


def test_format_t_upper_is_reported_as_not_run_locally():
    with pytest.raises(UntranslatableSQL, match="FORMAT's %T"):
        Translator("definitions/x.sqlx").query("SELECT FORMAT('%T', 'a')")


@pytest.mark.parametrize("expression, text", [
    ("CAST(1 AS FLOAT64)", "1"), ("CAST(1e15 AS FLOAT64)", "1e+15"), ("CAST(123456 AS FLOAT64)", "123456"),
    ("0.1 + 0.2", "0.30000000000000004"), ("CAST(123456789012345678 AS FLOAT64)", "1.2345678901234568e+17"),
    ("CAST('nan' AS FLOAT64)", "nan"), ("CAST('-inf' AS FLOAT64)", "-inf"), ("1e-7", "1e-07"),
    ("CAST(2.5 AS NUMERIC)", "2.5"), ("CAST(120 AS NUMERIC)", "120"), ("CAST(0 AS NUMERIC)", "0"),
    ("12", "12"), ("'x'", "x"), ("CAST(NULL AS FLOAT64)", None),
])
def test_numbers_cast_to_string_are_written_as_bigquery_writes_them(db, expression, text):
    # ZetaSQL writes a FLOAT64 with %.15g (%.17g if that does not read back); DuckDB wrote '1.0',
    # '1000000000000000.0' and NUMERIC's nine decimals ('2.500000000').
    assert run(db, f"SELECT CAST({expression} AS STRING), SAFE_CAST({expression} AS STRING)") == [(text, text)]


def test_a_number_with_a_point_is_a_float64(db):
    # BigQuery types 0.1 as FLOAT64; DuckDB typed it DECIMAL, and 0.1 + 0.2 came to exactly 0.3.
    assert run(db, "SELECT 0.1 + 0.2, 1e3, -2.5, CAST(999.99 AS NUMERIC)") == [
        (0.30000000000000004, 1000.0, -2.5, Decimal("999.99"))]


@pytest.mark.parametrize("sql, construct", [
    ("SELECT NET.HOST(url) FROM t", "NET.HOST"), ("SELECT NET.REG_DOMAIN(url) FROM t", "NET.REG_DOMAIN"),
    ("SELECT HLL_COUNT.EXTRACT(sketch) FROM t", "HLL_COUNT.EXTRACT"),
    ("SELECT STRING_AGG(x, ',' ORDER BY x LIMIT 2) FROM t", "STRING_AGG with LIMIT"),
])
def test_functions_without_a_local_counterpart_are_named_with_the_file(sql, construct):
    # DuckDB would fail on the SQL, or, for NET.HOST, try to download an extension.
    with pytest.raises(UntranslatableSQL, match=rf"definitions/x\.sqlx: cannot run {re.escape(construct)} locally"):
        Translator("definitions/x.sqlx").query(sql)


def test_byte_length_counts_utf8_bytes(db):
    assert run(db, "SELECT BYTE_LENGTH('абвгд'), BYTE_LENGTH(x), BYTE_LENGTH(b'ab'), LENGTH('абвгд') "
                   "FROM UNNEST(['héllo']) AS x") == [(10, 6, 2, 5)]


def test_time_zone_arguments_are_kept(db):
    # 02:03 UTC on July 5 is 22:03 on July 4 in New York (EDT, UTC-4). sqlglot dropped these zones.
    moment = "TIMESTAMP '2024-07-05 02:03:09+00'"
    assert run(db, f"SELECT FORMAT_TIMESTAMP('%Y-%m-%d %H', {moment}, 'America/New_York'), "
                   f"FORMAT_TIMESTAMP('%Y-%m-%d %H', {moment}), DATE_TRUNC({moment}, DAY, 'America/New_York'), "
                   "PARSE_TIMESTAMP('%Y-%m-%d %H:%M', '2024-07-04 22:03', 'America/New_York')") == [
        ("2024-07-04 22", "2024-07-05 02", dt.datetime(2024, 7, 4, 4, tzinfo=dt.timezone.utc),
         dt.datetime(2024, 7, 5, 2, 3, tzinfo=dt.timezone.utc))]


def test_parse_timestamp_gives_a_moment_and_parse_datetime_a_local_time(db):
    [(moment, local)] = run(db, "SELECT PARSE_TIMESTAMP('%Y-%m-%d %H:%M', '2024-07-05 02:03'), "
                                "PARSE_DATETIME('%Y-%m-%d %H:%M', '2024-07-05 02:03')")
    assert moment == dt.datetime(2024, 7, 5, 2, 3, tzinfo=dt.timezone.utc) and local == dt.datetime(2024, 7, 5, 2, 3)


@pytest.mark.parametrize("text, moment", [
    ("2024-07-05T02:03:09.25+02:00", dt.datetime(2024, 7, 5, 0, 3, 9, 250000, tzinfo=dt.timezone.utc)),
    ("2024-07-05T02:03:09+02:00", dt.datetime(2024, 7, 5, 0, 3, 9, tzinfo=dt.timezone.utc)),
    ("2024-07-05T02:03:09.123456-01:30", dt.datetime(2024, 7, 5, 3, 33, 9, 123456, tzinfo=dt.timezone.utc)),
])
def test_parse_timestamp_reads_fractional_seconds_and_rfc3339_offsets(db, text, moment):
    # %E*S and %Ez, DuckDB knows neither: its strptime failed on the format.
    assert run(db, f"SELECT PARSE_TIMESTAMP('%Y-%m-%dT%H:%M:%E*S%Ez', '{text}')") == [(moment,)]
    assert run(db, "SELECT SAFE.PARSE_TIMESTAMP('%Y-%m-%dT%H:%M:%E*S%Ez', 'not a time')") == [(None,)]


def test_format_e_pads_the_day_with_a_space(db):
    # The documentation's %c: "Thu Dec 25 07:30:00 2008"; sqlglot wrote %e as DuckDB's unpadded %-d.
    assert run(db, "SELECT FORMAT_DATE('%e|%b %e, %Y', DATE '2024-07-05'), FORMAT_DATE('%d', DATE '2024-07-05'), "
                   "FORMAT_TIMESTAMP('%c', TIMESTAMP '2008-12-25 07:30:00+00'), "
                   "FORMAT_TIMESTAMP('%c', TIMESTAMP '2008-12-05 07:30:00+00')") == [
        (" 5|Jul  5, 2024", "05", "Thu Dec 25 07:30:00 2008", "Fri Dec  5 07:30:00 2008")]


def test_substr_positions_as_bigquery_takes_them(db):
    # Position 0, or one reaching before the start, is the first character; DuckDB began before it.
    assert run(db, "SELECT SUBSTR('hello', 0, 2), SUBSTR('hello', -10, 2), SUBSTR('hello', -2), SUBSTR('hello', -5, 1), "
                   "SUBSTR('hello', 6), SUBSTR(s, p, 2) FROM UNNEST([0]) AS p, UNNEST(['abc']) AS s") == [
        ("he", "he", "lo", "h", "", "ab")]
    with pytest.raises(duckdb.InvalidInputException, match="SUBSTR: the length is negative"):
        run(db, "SELECT SUBSTR('hello', 2, n) FROM UNNEST([-1]) AS n")


def test_unnest_of_structs_without_an_alias_makes_their_fields_columns(db):
    # The GA4 export's idiom; DuckDB made the whole struct one column, and `key` did not bind.
    db.execute("CREATE SCHEMA ds; CREATE TABLE ds.ev AS SELECT 'e1' AS name, ["
               "{'key': 'page', 'value': {'string_value': '/home', 'int_value': NULL::BIGINT}}, "
               "{'key': 'n', 'value': {'string_value': NULL, 'int_value': 3}}] AS event_params "
               "UNION ALL SELECT 'e2', []")
    assert run(db, "SELECT name, (SELECT value.string_value FROM UNNEST(event_params) WHERE key = 'page'), "
                   "(SELECT value.int_value FROM UNNEST(event_params) WHERE key = 'n'), "
                   "EXISTS(SELECT 1 FROM UNNEST(event_params) WHERE key = 'n') FROM ds.ev ORDER BY name") == [
        ("e1", "/home", 3, True), ("e2", None, None, False)]
    # Scalar arrays, whose elements have no name without an alias, are left as they were.
    assert run(db, "SELECT (SELECT COUNT(*) FROM UNNEST([1, 2])), (SELECT SUM(x) FROM UNNEST([1, 2]) AS x)") == [(2, 3)]


def test_format_timestamp_writes_fractional_seconds_and_utc_as_bigquery_does(db):
    # cctz, which BigQuery formats with: %E*S drops the fraction's trailing zeros (and the point
    # when there is none), %E<n>S cuts the fraction to n digits; %Z is UTC's name, %z and %Ez its
    # offset. DuckDB knew none of %E*S, %E3S, %Ez, and wrote '' for %Z.
    moment = "TIMESTAMP '2024-07-05 14:03:09.123450+00'"
    assert run(db, f"SELECT FORMAT_TIMESTAMP('%Y-%m-%dT%H:%M:%E*S%Ez', {moment}), "
                   f"FORMAT_TIMESTAMP('%E3S|%E1S|%E6S|%E0S', {moment}), "
                   "FORMAT_TIMESTAMP('%H:%M:%E*S %Z %z', TIMESTAMP '2024-07-05 14:03:09+00')") == [
        ("2024-07-05T14:03:09.12345+00:00", "09.123|09.1|09.123450|09", "14:03:09 UTC +0000")]
    with pytest.raises(UntranslatableSQL, match="outside UTC"):
        Translator("definitions/x.sqlx").query("SELECT FORMAT_TIMESTAMP('%H %Z', ts, 'America/New_York') FROM t")


def test_extract_from_a_timestamp_runs_in_utc(db):
    # sqlglot warns that EXTRACT from a TIMESTAMPTZ depends on the session's zone; the runner's is
    # UTC, as BigQuery's default, so the warning is not an error here. DATE, TIME and DATETIME are
    # parts DuckDB's EXTRACT does not know.
    assert run(db, "SELECT EXTRACT(HOUR FROM TIMESTAMP '2024-01-01 10:00:00+00'), "
                   "EXTRACT(DATE FROM TIMESTAMP '2024-01-01 23:00:00+00'), "
                   "EXTRACT(DATE FROM TIMESTAMP '2024-01-01 23:00:00+00' AT TIME ZONE 'Asia/Tokyo'), "
                   "EXTRACT(TIME FROM TIMESTAMP '2024-01-01 10:00:00+00'), "
                   "EXTRACT(DATETIME FROM TIMESTAMP '2024-01-01 10:00:00+00')") == [
        (10, dt.date(2024, 1, 1), dt.date(2024, 1, 2), dt.time(10), dt.datetime(2024, 1, 1, 10))]


# 2024-07-17 was a Wednesday.
@pytest.mark.parametrize("granularity, start", [
    ("DAY", "2024-07-17"), ("WEEK", "2024-07-14"), ("WEEK(SUNDAY)", "2024-07-14"), ("WEEK(MONDAY)", "2024-07-15"),
    ("WEEK(SATURDAY)", "2024-07-13"), ("ISOWEEK", "2024-07-15"), ("MONTH", "2024-07-01"), ("QUARTER", "2024-07-01"),
    ("YEAR", "2024-01-01"),
])
def test_date_trunc_of_a_date_is_a_date_and_of_a_datetime_a_datetime(db, granularity, start):
    day = dt.date.fromisoformat(start)
    assert run(db, f"SELECT DATE_TRUNC(DATE '2024-07-17', {granularity}), "
                   f"DATE_TRUNC(DATETIME '2024-07-17 10:11:12', {granularity})") == [
        (day, dt.datetime.combine(day, dt.time()))]


def test_date_arithmetic_gives_dates_and_clamps_month_ends(db):
    assert run(db, "SELECT DATE_ADD(DATE '2024-01-31', INTERVAL 1 MONTH), DATE_SUB(DATE '2024-03-31', INTERVAL 1 MONTH), "
                   "DATE_ADD(DATE_SUB(DATE '2024-01-01', INTERVAL 1 DAY), INTERVAL 2 WEEK), DATE_FROM_UNIX_DATE(19000)") == [
        (dt.date(2024, 2, 29), dt.date(2024, 2, 29), dt.date(2024, 1, 14), dt.date(2022, 1, 8))]


def test_array_agg_with_limit_keeps_the_first_n_in_its_order(db):
    assert run(db, "SELECT ARRAY_AGG(x ORDER BY x DESC LIMIT 2), ARRAY_AGG(x IGNORE NULLS ORDER BY x LIMIT 2), "
                   "ARRAY_AGG(DISTINCT x IGNORE NULLS ORDER BY x LIMIT 5) FROM UNNEST([3, NULL, 1, 3, 2]) AS x") == [
        ([3, 3], [1, 2], [1, 2, 3])]


def test_a_construct_sqlglot_cannot_write_for_duckdb_is_named_with_the_file():
    with pytest.raises(UntranslatableSQL, match=r"definitions/x\.sqlx: .*LIMIT in ARRAY_CONCAT_AGG"):
        Translator("definitions/x.sqlx").query("SELECT ARRAY_CONCAT_AGG(a LIMIT 2) FROM t")


def test_declare_and_set_become_duckdb_variables(db):
    translator = Translator("definitions/x.sqlx")
    db.execute("CREATE TABLE t AS SELECT TIMESTAMPTZ '2024-07-01 09:00:00+00' AS ts")
    run(db, "DECLARE newest TIMESTAMP DEFAULT (SELECT MAX(ts) FROM t); SET newest = TIMESTAMP_ADD(newest, INTERVAL 1 HOUR)", translator)
    assert run(db, "SELECT newest", translator) == [(dt.datetime(2024, 7, 1, 10, tzinfo=dt.timezone.utc),)]


def test_table_options_ddl_is_skipped_locally(db):
    script = Translator("x").script("ALTER TABLE ds.t SET OPTIONS (description = 'x')")
    assert script.statements == [] and script.skipped


def test_untranslatable_sql_names_file_and_construct():
    with pytest.raises(UntranslatableSQL) as error:
        Translator("definitions/broken.sqlx").query("SELECT FROM WHERE (")
    assert "definitions/broken.sqlx" in str(error.value)
    assert "does not parse as BigQuery" in str(error.value)
    # An unterminated string stops sqlglot's tokenizer, before its parser: reported the same way.
    for unterminated in ("SELECT 'abc", "ASSERT 'x"):
        with pytest.raises(UntranslatableSQL, match="definitions/broken.sqlx: cannot run SQL that does not parse"):
            Translator("definitions/broken.sqlx").query(unterminated)


@pytest.mark.parametrize("source, hoisted", [
    ("(SELECT PARSE_JSON('{doc}') AS d) AS docs", True),  # one relation: the lists are columns of it
    ("(SELECT PARSE_JSON('{doc}') AS d) AS docs JOIN (SELECT 1 AS one) AS o ON TRUE", False),  # a join
])
def test_json_paths_of_one_document_are_read_in_one_parse(db, source, hoisted):
    doc = '{"s": "x", "n": 89.99, "o": {"k": [1, 2]}, "z": null}'
    sql = ("SELECT JSON_VALUE(d, '$.s'), JSON_VALUE(d, '$.n'), JSON_QUERY(d, '$.o.k'), JSON_TYPE(JSON_QUERY(d, '$.z')), "
           "JSON_VALUE(d, '$.missing'), JSON_TYPE(JSON_QUERY(d, '$.o')), JSON_VALUE(d, '$.o') "
           f"FROM {source.format(doc=doc)}")
    translated = Translator("x.sqlx").query(sql)
    # One call per kind of answer: computed once beside the relation, or repeated identically
    # for DuckDB's common-subexpression elimination.
    assert translated.count("JSON_VALUE(d, ['$.missing', '$.n', '$.o', '$.s'])") == (1 if hoisted else 4)
    assert translated.count("JSON_TYPE(d, ['$.o', '$.z'])") == (1 if hoisted else 2)
    (row,) = run(db, sql)
    assert row[0] == "x" and row[1] == "89.99" and str(row[2]).replace(" ", "") == "[1,2]"
    assert row[3:6] == ("null", None, "object")
    assert row[6] is None  # JSON_VALUE of an object is NULL, as in BigQuery


@pytest.mark.parametrize("value", [
    '"plain"', '"esc\\"aped \\\\ \\u00e9 \\ud83d\\ude00"', '""', "0", "-12", "89.99", "379.94000000000005", "1e3",
    "12345678901234567890", "true", "false", "null", "{}", '{"k": [1]}', "[]", '[1, "x"]',
])
def test_values_read_beside_their_types_answer_as_json_value_does(db, value):
    # With a type list for the same paths, values are read as strings gated by type; a join
    # keeps each call whole. Both must give BigQuery's JSON_VALUE and JSON_TYPE.
    doc = exp.Literal.string(f'{{"v": {value}, "w": {{"v": {value}}}}}').sql(dialect="bigquery")
    select = ("SELECT JSON_TYPE(d), JSON_TYPE(JSON_QUERY(d, '$.v')), JSON_TYPE(JSON_QUERY(d, '$.w.v')), "
              "JSON_TYPE(JSON_QUERY(d, '$.missing')), JSON_VALUE(d, '$.v'), JSON_VALUE(d, '$.w.v'), JSON_VALUE(d, '$.missing') ")
    alone = f"FROM (SELECT PARSE_JSON({doc}) AS d) AS docs"
    joined = f"FROM (SELECT PARSE_JSON({doc}) AS d) AS docs JOIN (SELECT 1 AS one) AS o ON TRUE"
    assert "JSON_EXTRACT_STRING" in Translator("x.sqlx").query(select + alone)
    [gated], [whole] = run(db, select + alone), run(db, select + joined)
    assert gated == whole
    type_name = whole[1]
    assert whole[0] == "object" and whole[2] == type_name and whole[3] is None and whole[6] is None
    scalar = type_name not in ("object", "array", "null")
    assert (whole[4] is not None) is scalar and whole[5] == whole[4]


@pytest.mark.parametrize("value, elements", [
    ("[1, {\"a\": 2}, \"x\"]", ["1", '{"a":2}', '"x"']), ("[]", []), ("3", None), ('{"a": [1]}', None),
    ('"[1]"', None), ("null", None),
])
def test_json_query_array_is_null_for_anything_but_an_array(db, value, elements):
    doc = exp.Literal.string(f'{{"e": {value}}}').sql(dialect="bigquery")
    [(listed, length, missing, unnested)] = run(db, (
        f"SELECT JSON_QUERY_ARRAY(d, '$.e'), ARRAY_LENGTH(JSON_QUERY_ARRAY(d, '$.e')), "
        f"ARRAY_LENGTH(JSON_QUERY_ARRAY(d, '$.missing')), (SELECT COUNT(*) FROM UNNEST(JSON_QUERY_ARRAY(d, '$.e'))) "
        f"FROM (SELECT PARSE_JSON({doc}) AS d)"))
    assert (None if listed is None else [str(e) for e in listed]) == elements
    assert length == (None if elements is None else len(elements)) and missing is None
    assert unnested == len(elements or [])


def test_hoisted_json_lists_stay_out_of_the_select_output(db):
    sql = ("SELECT *, JSON_VALUE(d, '$.a') AS a, JSON_VALUE(d, '$.b') AS b "
           "FROM (SELECT 7 AS id, PARSE_JSON('{\"a\": 1, \"b\": \"x\"}') AS d) AS docs WHERE id = 7")
    cursor = db.execute(Translator("x.sqlx").query(sql))
    assert [c[0] for c in cursor.description] == ["id", "d", "a", "b"]
    assert [row[2:] for row in cursor.fetchall()] == [("1", "x")]


def test_a_lateral_unnest_streams_with_zero_based_offsets_and_the_filter_first(db):
    sql = """
        WITH docs AS (
          SELECT 1 AS id, PARSE_JSON('{"e": [{"k": "a"}, {"k": "b"}]}') AS d UNION ALL
          SELECT 2, PARSE_JSON('{"e": []}') UNION ALL
          SELECT 3, PARSE_JSON('{"e": {"k": "not an array"}}') UNION ALL
          SELECT 4, PARSE_JSON('{}') UNION ALL
          SELECT 5, PARSE_JSON('{"e": [{"k": "c"}]}')
        )
        SELECT v.id, i, JSON_VALUE(element, '$.k') AS k
        FROM docs AS v, UNNEST(JSON_QUERY_ARRAY(v.d, '$.e')) AS element WITH OFFSET AS i
        WHERE v.id != 5
    """
    translated = Translator("x.sqlx").query(sql)
    assert "UNNEST(__unnested)" in translated and "CROSS JOIN" not in translated
    assert sorted(run(db, sql)) == [(1, 0, "a"), (1, 1, "b")]


def test_a_filtered_array_subquery_becomes_a_list_filter_in_order(db):
    keep_order = ("SELECT ARRAY(SELECT CONCAT('x.', r) FROM UNNEST(['a', NULL, 'c', NULL, 'b']) AS r "
                  "WITH OFFSET AS p WHERE r IS NOT NULL ORDER BY p)")
    assert "LIST_FILTER" in Translator("x.sqlx").query(keep_order)
    assert run(db, keep_order) == [(["x.a", "x.c", "x.b"],)]
    reversed_order = keep_order.replace("ORDER BY p", "ORDER BY p DESC")
    assert "LIST_FILTER" not in Translator("x.sqlx").query(reversed_order)  # another shape: left as it is
    assert run(db, reversed_order) == [(["x.b", "x.c", "x.a"],)]


def test_a_cached_translation_is_reused_with_the_variables_its_script_declared(tmp_path, monkeypatch):
    import sqlglot

    from glue.local.compat import TranslationCache

    declare = "DECLARE since TIMESTAMP DEFAULT (SELECT MAX(t) FROM x);"
    query = "SELECT * FROM x WHERE t > since"
    cache = TranslationCache(tmp_path / "translations.json")
    first = Translator("a.sqlx", cache)
    expected = [first.script(declare).statements, first.query(query)]
    cache.save()

    def no_parsing(*_, **__):
        raise AssertionError("translated again instead of reusing the cached translation")

    monkeypatch.setattr(sqlglot, "parse", no_parsing)
    again = Translator("a.sqlx", TranslationCache(tmp_path / "translations.json"))
    # The variable the cached DECLARE made is known again, so the query still reads it as one.
    assert [again.script(declare).statements, again.query(query)] == expected
    assert "getvariable('since')" in expected[1].lower()


def test_a_translation_unused_for_a_month_is_dropped_and_a_used_one_kept(tmp_path):
    import datetime as dt

    from glue.local.compat import TranslationCache

    path = tmp_path / "translations.json"
    cache = TranslationCache(path, today=dt.date(2026, 1, 1))
    cache.put("edited-away", {"statements": ["SELECT 1"], "skipped": [], "declared": []})
    cache.put("in-use", {"statements": ["SELECT 2"], "skipped": [], "declared": []})
    cache.save()
    run = TranslationCache(path, today=dt.date(2026, 1, 20))
    assert run.get("in-use") is not None  # a run uses it, and notes the day
    run.save()
    written = path.stat().st_mtime_ns
    again = TranslationCache(path, today=dt.date(2026, 1, 20))
    again.get("in-use")
    again.save()
    assert path.stat().st_mtime_ns == written  # the same day: nothing to write
    month_on = TranslationCache(path, today=dt.date(2026, 2, 5))
    assert month_on.get("edited-away") is None and month_on.get("in-use")["statements"] == ["SELECT 2"]
    month_on.save()
    assert set(json.loads(path.read_text())["entries"]) == {"in-use"}


def test_a_translation_cache_from_another_version_is_discarded(tmp_path):
    import json

    from glue.local.compat import TranslationCache

    path = tmp_path / "translations.json"
    path.write_text(json.dumps({"version": "older", "entries": {"k": {"statements": ["SELECT 2"]}}}))
    assert TranslationCache(path).get("k") is None
    path.write_text("{torn")
    assert TranslationCache(path).get("k") is None


def test_safe_arithmetic_is_null_on_overflow_as_in_bigquery(db):
    assert run(db, "SELECT SAFE_ADD(1, 2), SAFE_SUBTRACT(5, 3), SAFE_MULTIPLY(2, 3), SAFE_NEGATE(4), "
                   "SAFE_ADD(1.5, 2), SAFE_ADD(NULL, 1)") == [(3, 2, 6, -4, 3.5, None)]
    biggest = "9223372036854775807"
    assert run(db, f"SELECT SAFE_ADD(x, 1), SAFE_SUBTRACT(-x - 1, 1), SAFE_MULTIPLY(x, 2), SAFE_NEGATE(-x - 1), "
                   f"SAFE_NEGATE(-x) FROM UNNEST([{biggest}]) AS x") == [(None, None, None, None, int(biggest))]


def test_offset_and_ordinal_past_either_end_fail_as_in_bigquery(db):
    assert run(db, "SELECT [1, 2, 3][OFFSET(1)], [1, 2, 3][ORDINAL(1)], x[OFFSET(2)] FROM (SELECT [7, 8, 9] AS x)") \
        == [(2, 1, 9)]
    for subscript in ("OFFSET(3)", "OFFSET(-1)", "ORDINAL(0)", "ORDINAL(4)"):
        with pytest.raises(duckdb.InvalidInputException, match=r"Array index -?\d is out of bounds"):
            run(db, f"SELECT x[{subscript}] FROM (SELECT [1, 2, 3] AS x)")
    # NULL array or index: NULL, not an error.
    assert run(db, "SELECT CAST(NULL AS ARRAY<INT64>)[OFFSET(3)], [1, 2][OFFSET(NULL)]") == [(None, None)]


def test_safe_offset_and_safe_ordinal_are_null_outside_the_array(db):
    # DuckDB counts negative subscripts from the end: SAFE_OFFSET(-2) gave 2 here.
    assert run(db, "SELECT x[SAFE_OFFSET(5)], x[SAFE_OFFSET(-2)], x[SAFE_ORDINAL(0)], x[SAFE_ORDINAL(3)], "
                   "x[SAFE_OFFSET(0)] FROM (SELECT [1, 2, 3] AS x)") == [(None, None, None, 3, 1)]


def test_array_first_and_last_fail_on_an_empty_array(db):
    assert run(db, "SELECT ARRAY_FIRST(['a', 'b']), ARRAY_LAST(['a', 'b']), ARRAY_FIRST(CAST(NULL AS ARRAY<STRING>))") \
        == [("a", "b", None)]
    with pytest.raises(duckdb.InvalidInputException, match="ARRAY_LAST: the array is empty"):
        run(db, "SELECT ARRAY_LAST(ARRAY<INT64>[])")


@pytest.mark.parametrize("start, end, expected", [
    # The examples of BigQuery's ARRAY_SLICE documentation, on ['a', 'b', 'c', 'd', 'e'].
    (1, 3, ["b", "c", "d"]), (-1, 3, []), (1, -3, ["b", "c"]), (-1, -3, []), (-3, -1, ["c", "d", "e"]),
    (3, 3, ["d"]), (-15, 2, ["a", "b", "c"]), (5, 30, []), (1, 30, ["b", "c", "d", "e"]),
    (-30, 30, ["a", "b", "c", "d", "e"]), (-30, -5, ["a"]), (1, "NULL", None),
])
def test_array_slice_takes_zero_based_inclusive_offsets(db, start, end, expected):
    # DuckDB has an array_slice of its own, 1-based: sqlglot's output ran, with other elements.
    assert run(db, f"SELECT ARRAY_SLICE(['a', 'b', 'c', 'd', 'e'], {start}, {end})") == [(expected,)]


def test_range_bucket_counts_the_boundaries_at_or_below_the_point(db):
    # The examples of BigQuery's documentation, and a NULL point.
    assert run(db, "SELECT RANGE_BUCKET(20, [0, 10, 20, 30, 40]), RANGE_BUCKET(25, [0, 10, 20, 30, 40]), "
                   "RANGE_BUCKET(-10, [0, 10, 20, 30, 40]), RANGE_BUCKET(80, [0, 10, 20, 30, 40]), "
                   "RANGE_BUCKET(20, [0, 10, 20, 20, 40]), RANGE_BUCKET(NULL, [0, 10]), "
                   "RANGE_BUCKET(5, ARRAY<INT64>[])") == [(3, 3, 0, 5, 4, None, 0)]


@pytest.mark.parametrize("message, function", [
    ("Catalog Error: Scalar Function with name st_geogpoint does not exist!\nDid you mean \"xor\"?", "ST_GEOGPOINT"),
    ("Catalog Error: Aggregate Function with name approx_top_sum does not exist!", "APPROX_TOP_SUM"),
    # sqlglot writes the name from its class, letters of an acronym apart.
    ("Catalog Error: Scalar Function with name j_s_o_n_bool does not exist!", "JSON_BOOL"),
])
def test_a_function_missing_locally_is_named_as_the_model_wrote_it(message, function):
    from glue.local.compat.errors import missing_function

    assert missing_function(message).startswith(f"no function {function} locally")
    assert missing_function("Catalog Error: Table with name x does not exist!") is None


def test_json_converters_take_their_own_json_type(db):
    # BigQuery's documented examples, and SQL NULL.
    assert run(db, "SELECT INT64(JSON '2005'), INT64(JSON '10.0'), INT64(JSON '1e2'), INT64(CAST(NULL AS JSON)), "
                   "INT64(JSON_QUERY(JSON '{\"gate\": \"A4\", \"flight_number\": 2005}', '$.flight_number')), "
                   "INT64(JSON '-9223372036854775808')") == [(2005, 10, 100, None, 2005, -(1 << 63))]
    # STRING of a JSON string is the string, unquoted; the cast sqlglot wrote kept the quotes.
    assert run(db, "SELECT STRING(JSON '\"purple\"'), STRING(JSON_QUERY(JSON '{\"a\": \"b\"}', '$.a')), "
                   "STRING(PARSE_JSON('{\"q\": \"say \\\\\"hi\\\\\"\"}').q)") == [("purple", "b", 'say "hi"')]
    assert run(db, "SELECT BOOL(JSON 'true'), BOOL(JSON 'false'), FLOAT64(JSON '9.8'), FLOAT64(JSON '5'), "
                   "FLOAT64(JSON '18446744073709551615', wide_number_mode => 'round')") \
        == [(True, False, 9.8, 5.0, 18446744073709551615.0)]
    # BigQuery's other STRING, of a TIMESTAMP, is unchanged.
    assert run(db, "SELECT STRING(TIMESTAMP '2008-12-25 15:30:00+00')") == [("2008-12-25 15:30:00+00",)]


@pytest.mark.parametrize("call, message", [
    ("INT64(JSON '10.5')", "not an INT64"), ("INT64(JSON '9223372036854775808')", "not an INT64"),
    ("INT64(JSON '\"10\"')", "not a number"), ("INT64(JSON 'null')", "not a number"),
    ("STRING(JSON '123')", "not a string"), ("STRING(JSON 'null')", "not a string"),
    ("BOOL(JSON '123')", "not a boolean"), ("BOOL(JSON 'null')", "not a boolean"),
    ("FLOAT64(JSON '\"1\"')", "not a number"),
    ("FLOAT64(JSON '9007199254740993')", "not a FLOAT64 without rounding"),  # 2^53 + 1
])
def test_json_converters_fail_on_another_json_type_and_safe_gives_null(db, call, message):
    # Before: INT64(JSON '10.5') was 10 and INT64(JSON '"10"') 10; BigQuery fails on both.
    function = call.split("(")[0]
    with pytest.raises(duckdb.InvalidInputException, match=f"{function}: the JSON value is {message}"):
        run(db, f"SELECT {call}")
    assert run(db, f"SELECT SAFE.{call}") == [(None,)]


def test_safe_prefix_runs_over_arguments_that_can_fail(db):
    # DuckDB refuses error() inside TRY; these did not run at all. The function's own error is NULL.
    assert run(db, "SELECT SAFE.SUBSTR('abc', 1, n), SAFE.ROUND(x / 4, 1), SAFE.ROUND(x / y) "
                   "FROM (SELECT 1 AS x, 2 AS y, -1 AS n)") == [(None, 0.3, 1.0)]


def test_safe_prefix_leaves_an_arguments_error_standing(db):
    # BigQuery's SAFE. covers the function, not its arguments: the division still fails.
    with pytest.raises(duckdb.InvalidInputException, match="division by zero: x / y"):
        run(db, "SELECT SAFE.ROUND(x / y) FROM (SELECT 1 AS x, 0 AS y)")


def test_timestamp_millis_and_micros_give_a_timestamp_in_utc(db):
    # Before: a TIMESTAMP without a zone, written without BigQuery's '+00'.
    assert run(db, "SELECT CAST(TIMESTAMP_MILLIS(1700000000123) AS STRING), "
                   "CAST(TIMESTAMP_MICROS(1700000000123456) AS STRING), CAST(TIMESTAMP_SECONDS(1700000000) AS STRING), "
                   "UNIX_MILLIS(TIMESTAMP_MILLIS(1700000000123))") \
        == [("2023-11-14 22:13:20.123+00", "2023-11-14 22:13:20.123456+00", "2023-11-14 22:13:20+00", 1700000000123)]
    assert run(db, "SELECT typeof(TIMESTAMP_MILLIS(0)), typeof(TIMESTAMP_MICROS(0))") \
        == [("TIMESTAMP WITH TIME ZONE", "TIMESTAMP WITH TIME ZONE")]


def test_with_offset_binds_when_the_elements_have_no_alias(db):
    # sqlglot named the ordinality column only beside an element alias: `o` did not bind.
    assert run(db, "SELECT COUNT(*) FROM UNNEST(GENERATE_ARRAY(1, 5)) WITH OFFSET o WHERE o > 1") == [(3,)]
    assert run(db, "SELECT offset FROM UNNEST(['a', 'b']) WITH OFFSET ORDER BY offset") == [(0,), (1,)]


def test_a_json_subscript_counts_from_zero_and_an_array_one_too(db):
    # sqlglot shifted every bare subscript for DuckDB's 1-based lists; DuckDB's JSON subscript
    # counts from 0, so j.a.b[1] was the third element (NULL here), not the second.
    assert run(db, "SELECT j.a.b[0], j.a.b[1], j.a.b[i], j.a.b[5], j['a'] "
                   "FROM (SELECT PARSE_JSON('{\"a\": {\"b\": [1, 2]}}') AS j, 1 AS i)") \
        == [("1", "2", "2", None, '{"b":[1,2]}')]
    assert run(db, "SELECT arr[0], arr[i], arr[2] FROM (SELECT [10, 20, 30] AS arr, 1 AS i)") == [(10, 20, 30)]


def test_partitioning_clustering_and_options_in_ddl_are_dropped_locally(db):
    # sqlglot's DuckDB writer refuses them; they change how BigQuery stores the rows, not the rows.
    run(db, "CREATE SCHEMA IF NOT EXISTS ds OPTIONS (location = 'EU')")
    run(db, "CREATE TABLE IF NOT EXISTS ds.t (id INT64 NOT NULL OPTIONS (description = 'key'), ts TIMESTAMP) "
            "PARTITION BY DATE(ts) CLUSTER BY id OPTIONS (description = 'x', partition_expiration_days = 3)")
    run(db, "CREATE OR REPLACE TABLE ds.u PARTITION BY DATE(ts) CLUSTER BY id AS "
            "SELECT 1 AS id, TIMESTAMP '2024-01-01 00:00:00+00' AS ts")
    run(db, "CREATE OR REPLACE VIEW ds.v OPTIONS (description = 'd') AS SELECT id FROM ds.u")
    run(db, "INSERT INTO ds.t (id, ts) SELECT id, ts FROM ds.v JOIN ds.u USING (id)")
    assert run(db, "SELECT id, ts FROM ds.t") == [(1, dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc))]
    with pytest.raises(duckdb.ConstraintException):
        run(db, "INSERT INTO ds.t (id) VALUES (NULL)")  # NOT NULL still holds
    with pytest.raises(UntranslatableSQL, match="languageproperty"):  # a JavaScript UDF still cannot run
        run(db, "CREATE TEMP FUNCTION f(x FLOAT64) RETURNS FLOAT64 LANGUAGE js AS 'return x;'; SELECT f(1)")


def test_assert_fails_with_its_description_when_false_or_null(db):
    # BigQuery's documented examples.
    assert run(db, "ASSERT ((SELECT COUNT(*) > 5 FROM UNNEST([1, 2, 3, 4, 5, 6]))) "
                   "AS 'Table must contain more than 5 rows.'") == [(None,)]
    with pytest.raises(duckdb.InvalidInputException, match="Table must contain more than 10 rows."):
        run(db, "ASSERT ((SELECT COUNT(*) > 10 FROM UNNEST([1, 2, 3, 4, 5, 6]))) "
                "AS 'Table must contain more than 10 rows.'")
    with pytest.raises(duckdb.InvalidInputException, match=r"Assertion failed: CAST\(NULL AS BOOL\)"):
        run(db, "ASSERT CAST(NULL AS BOOL)")
    # Within a script: variables, and a semicolon inside the description.
    assert run(db, "DECLARE n INT64 DEFAULT 2; ASSERT n > 1 AS 'n; at least 2'; SELECT n + 1") == [(3,)]


def test_time_of_day_functions_and_the_current_clock(db):
    assert run(db, "SELECT TIME_TRUNC(TIME '10:30:45.5', MINUTE), TIME_TRUNC(TIME '10:30:45', HOUR), "
                   "FORMAT_TIME('%H:%M', TIME '10:30:00'), FORMAT_TIME('%I:%M:%S %p', TIME '15:30:05')") \
        == [(dt.time(10, 30), dt.time(10, 0), "10:30", "03:30:05 PM")]
    assert run(db, "SELECT typeof(CURRENT_DATETIME()), typeof(CURRENT_TIME()), "
                   "DATETIME_DIFF(CURRENT_DATETIME('Asia/Kolkata'), CURRENT_DATETIME(), MINUTE) BETWEEN 329 AND 331") \
        == [("TIMESTAMP", "TIME", True)]


def test_format_elements_duckdb_lacks_are_written_as_bigquery_writes_them(db):
    # 2024-12-30 falls in ISO week 1 of 2025 (%G, %g).
    assert run(db, "SELECT FORMAT_TIMESTAMP('%R|%h|%k|%l|%C|%Q|%s|%G|%g', TIMESTAMP '2024-12-30 09:05:07+00'), "
                   "FORMAT_TIMESTAMP('%l %p', TIMESTAMP '2024-01-01 00:30:00+00'), "
                   "FORMAT_TIMESTAMP('100%% %e', TIMESTAMP '2024-12-03 09:05:07+00')") \
        == [("09:05|Dec| 9| 9|20|4|1735549507|2025|25", "12 AM", "100%  3")]


def test_fields_and_subscripts_of_a_json_literal(db):
    # sqlglot read `JSON '{...}'.a` as JSON('{...}'.a), which DuckDB refuses.
    assert run(db, "SELECT JSON '{\"a\": 1}'.a, JSON '{\"a\": {\"b\": [1, 2]}}'.a.b[1], JSON '[1, 2]'[0], "
                   "INT64(JSON '{\"n\": 5}'.n)") == [("1", "2", "1", 5)]


@pytest.mark.parametrize("text, expected", [
    ("2024-06-30 23:59:60", dt.datetime(2024, 7, 1, tzinfo=dt.timezone.utc)),  # a leap second: the next minute
    ("2024-06-30T12:59:60.5Z", dt.datetime(2024, 6, 30, 13, 0, 0, 500000, tzinfo=dt.timezone.utc)),
    ("2024-07-01 09:00:00z", dt.datetime(2024, 7, 1, 9, tzinfo=dt.timezone.utc)),
    ("2024-07-01 09:00:00+2:00", dt.datetime(2024, 7, 1, 7, tzinfo=dt.timezone.utc)),
    ("2024-07-01 09:00:00-14:00", dt.datetime(2024, 7, 1, 23, tzinfo=dt.timezone.utc)),
    ("2024-07-01 09:00:00+14:01", None), ("2024-07-01 09:00:00-58:94", None), ("2024-07-01 09:00:00+01:60", None),
    ("2024-06-30 23:59:61", None), ("0000-07-01T09:01:40", None), ("2024-07-01", dt.datetime(2024, 7, 1, tzinfo=dt.timezone.utc)),
])
def test_text_to_timestamp_reads_as_bigquery_reads(db, text, expected):
    # Before: DuckDB refused leap seconds, a lowercase z and one-digit offset hours, and took
    # offsets beyond ±14:00 and year 0000 (as 1 BC). run() asks BigQuery's evaluator too.
    [(value,)] = run(db, f"SELECT SAFE_CAST('{text}' AS TIMESTAMP)")
    assert value == expected


@pytest.mark.parametrize("text, exact, rounded", [
    ('{"a": 4189.900000000001}', False, True), ('{"a": 203.20214}', False, True), ('{"a": 0.1}', True, True),
    ('{"a": 123456789012345678901}', False, True), ('{"a": 18446744073709551615}', True, True),
    ('{"a": 1e400}', False, False), ('[NaN]', False, False), ('[1, 2,]', False, False), ('{"a": 1,}', False, False),
    ('\ufeff{"a": 1}', True, True), (' \ufeff{"a": 1}', False, False), ('{"a": "1e400 , ]"}', True, True),
])
def test_parse_json_refuses_what_bigquery_refuses_in_each_number_mode(db, text, exact, rounded):
    literal = exp.Literal.string(text).sql(dialect="bigquery")
    assert run(db, f"SELECT SAFE.PARSE_JSON({literal}) IS NOT NULL, "
                   f"SAFE.PARSE_JSON({literal}, wide_number_mode => 'round') IS NOT NULL") == [(exact, rounded)]


def test_parse_json_in_exact_mode_fails_with_bigquerys_message(db):
    with pytest.raises(duckdb.InvalidInputException,
                       match="Input number: 4189.900000000001 cannot round-trip through string representation"):
        run(db, "SELECT PARSE_JSON('{\"a\": 4189.900000000001}')")


@pytest.mark.parametrize("number, text", [
    ("203.20214", "203.20214000000001"), ("4189.900000000001", "4189.9000000000005"), ("1e23", "9.999999999999999e+22"),
    ("123456789012345678901", "1.2345678901234568e+20"), ("-0", "0"), ("2.50", "2.5"), ("1E2", "100.0"), ("7", "7"),
])
def test_json_value_of_a_number_is_bigquerys_text_of_it(db, number, text):
    # BigQuery keeps a JSON number as INT64, UINT64 or FLOAT64, and writes a FLOAT64 with Grisu2.
    sql = (f"SELECT JSON_VALUE(PARSE_JSON('{{\"a\": {number}}}', wide_number_mode => 'round'), '$.a'), "
           f"JSON_VALUE(d, '$.a'), JSON_TYPE(JSON_QUERY(d, '$.a')) "
           f"FROM (SELECT PARSE_JSON('{{\"a\": {number}}}', wide_number_mode => 'round') AS d)")
    assert run(db, sql) == [(text, text, "number")]

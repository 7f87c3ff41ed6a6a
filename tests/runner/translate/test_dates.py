"""glue/runner/translate/bigquery/dates.py: dates, weeks, time zones and format elements."""

import datetime as dt

import pytest

from glue.runner.translate import Translator, UntranslatableSQL
from tests.runner.translate.support import run


def test_dayofweek_counts_sunday_as_one(db):
    # 2024-07-07 was a Sunday.
    assert run(db, "SELECT EXTRACT(DAYOFWEEK FROM DATE '2024-07-07'), EXTRACT(DAYOFWEEK FROM DATE '2024-07-08')") == [
        (1, 2)
    ]


# BigQuery's documentation of EXTRACT: the dates around New Year 2016, their ISO year and week,
# their year and their week (weeks start on Sunday; the days before the first Sunday are week 0).
@pytest.mark.parametrize(
    "day, isoyear, isoweek, year, week",
    [
        ("2015-12-23", 2015, 52, 2015, 51),
        ("2015-12-27", 2015, 52, 2015, 52),
        ("2015-12-28", 2015, 53, 2015, 52),
        ("2016-01-01", 2015, 53, 2016, 0),
        ("2016-01-02", 2015, 53, 2016, 0),
        ("2016-01-03", 2015, 53, 2016, 1),
        ("2016-01-04", 2016, 1, 2016, 1),
        ("2016-01-09", 2016, 1, 2016, 1),
    ],
)
def test_extract_weeks_count_as_bigquery_does(db, day, isoyear, isoweek, year, week):
    assert run(
        db,
        f"SELECT EXTRACT(ISOYEAR FROM DATE '{day}'), EXTRACT(ISOWEEK FROM DATE '{day}'), "
        f"EXTRACT(YEAR FROM DATE '{day}'), EXTRACT(WEEK FROM DATE '{day}'), "
        f"EXTRACT(WEEK FROM TIMESTAMP '{day} 23:59:59')",
    ) == [(isoyear, isoweek, year, week, week)]


def test_extract_week_starting_on_a_given_day(db):
    # The documentation's example: 2017-11-05 was a Sunday.
    assert run(
        db, "SELECT EXTRACT(WEEK(SUNDAY) FROM DATE '2017-11-05'), EXTRACT(WEEK(MONDAY) FROM DATE '2017-11-05')"
    ) == [(45, 44)]


def test_timestamp_diff_counts_whole_units(db):
    # The documentation's example, 13,410 hours; DuckDB's date_diff counts 13,411 hour boundaries.
    assert run(
        db,
        "SELECT TIMESTAMP_DIFF(TIMESTAMP '2010-07-07 10:20:00+00', TIMESTAMP '2008-12-25 15:30:00+00', HOUR), "
        "TIMESTAMP_DIFF(TIMESTAMP '2008-12-25 15:30:00+00', TIMESTAMP '2010-07-07 10:20:00+00', HOUR), "
        "TIMESTAMP_DIFF(TIMESTAMP '2024-01-01 00:00:01.1', TIMESTAMP '2024-01-01 00:00:00.9', SECOND), "
        "TIMESTAMP_DIFF(TIMESTAMP '2025-01-08', TIMESTAMP '2025-01-01 12:00:00', DAY)",
    ) == [(13410, -13410, 0, 6)]


def test_time_zone_arguments_are_kept(db):
    # 02:03 UTC on July 5 is 22:03 on July 4 in New York (EDT, UTC-4). sqlglot dropped these zones.
    moment = "TIMESTAMP '2024-07-05 02:03:09+00'"
    assert run(
        db,
        f"SELECT FORMAT_TIMESTAMP('%Y-%m-%d %H', {moment}, 'America/New_York'), "
        f"FORMAT_TIMESTAMP('%Y-%m-%d %H', {moment}), DATE_TRUNC({moment}, DAY, 'America/New_York'), "
        "PARSE_TIMESTAMP('%Y-%m-%d %H:%M', '2024-07-04 22:03', 'America/New_York')",
    ) == [
        (
            "2024-07-04 22",
            "2024-07-05 02",
            dt.datetime(2024, 7, 4, 4, tzinfo=dt.timezone.utc),
            dt.datetime(2024, 7, 5, 2, 3, tzinfo=dt.timezone.utc),
        )
    ]


def test_parse_timestamp_gives_a_moment_and_parse_datetime_a_local_time(db):
    [(moment, local)] = run(
        db,
        "SELECT PARSE_TIMESTAMP('%Y-%m-%d %H:%M', '2024-07-05 02:03'), "
        "PARSE_DATETIME('%Y-%m-%d %H:%M', '2024-07-05 02:03')",
    )
    assert moment == dt.datetime(2024, 7, 5, 2, 3, tzinfo=dt.timezone.utc) and local == dt.datetime(2024, 7, 5, 2, 3)


@pytest.mark.parametrize(
    "text, moment",
    [
        ("2024-07-05T02:03:09.25+02:00", dt.datetime(2024, 7, 5, 0, 3, 9, 250000, tzinfo=dt.timezone.utc)),
        ("2024-07-05T02:03:09+02:00", dt.datetime(2024, 7, 5, 0, 3, 9, tzinfo=dt.timezone.utc)),
        ("2024-07-05T02:03:09.123456-01:30", dt.datetime(2024, 7, 5, 3, 33, 9, 123456, tzinfo=dt.timezone.utc)),
    ],
)
def test_parse_timestamp_reads_fractional_seconds_and_rfc3339_offsets(db, text, moment):
    # %E*S and %Ez, DuckDB knows neither: its strptime failed on the format.
    assert run(db, f"SELECT PARSE_TIMESTAMP('%Y-%m-%dT%H:%M:%E*S%Ez', '{text}')") == [(moment,)]
    assert run(db, "SELECT SAFE.PARSE_TIMESTAMP('%Y-%m-%dT%H:%M:%E*S%Ez', 'not a time')") == [(None,)]


def test_format_e_pads_the_day_with_a_space(db):
    # The documentation's %c: "Thu Dec 25 07:30:00 2008"; sqlglot wrote %e as DuckDB's unpadded %-d.
    assert run(
        db,
        "SELECT FORMAT_DATE('%e|%b %e, %Y', DATE '2024-07-05'), FORMAT_DATE('%d', DATE '2024-07-05'), "
        "FORMAT_TIMESTAMP('%c', TIMESTAMP '2008-12-25 07:30:00+00'), "
        "FORMAT_TIMESTAMP('%c', TIMESTAMP '2008-12-05 07:30:00+00')",
    ) == [(" 5|Jul  5, 2024", "05", "Thu Dec 25 07:30:00 2008", "Fri Dec  5 07:30:00 2008")]


def test_format_timestamp_writes_fractional_seconds_and_utc_as_bigquery_does(db):
    # cctz, which BigQuery formats with: %E*S drops the fraction's trailing zeros (and the point
    # when there is none), %E<n>S cuts the fraction to n digits; %Z is UTC's name, %z and %Ez its
    # offset. DuckDB knew none of %E*S, %E3S, %Ez, and wrote '' for %Z.
    moment = "TIMESTAMP '2024-07-05 14:03:09.123450+00'"
    assert run(
        db,
        f"SELECT FORMAT_TIMESTAMP('%Y-%m-%dT%H:%M:%E*S%Ez', {moment}), "
        f"FORMAT_TIMESTAMP('%E3S|%E1S|%E6S|%E0S', {moment}), "
        "FORMAT_TIMESTAMP('%H:%M:%E*S %Z %z', TIMESTAMP '2024-07-05 14:03:09+00')",
    ) == [("2024-07-05T14:03:09.12345+00:00", "09.123|09.1|09.123450|09", "14:03:09 UTC +0000")]
    with pytest.raises(UntranslatableSQL, match="outside UTC"):
        Translator("definitions/x.sqlx").query("SELECT FORMAT_TIMESTAMP('%H %Z', ts, 'America/New_York') FROM t")


def test_extract_from_a_timestamp_runs_in_utc(db):
    # sqlglot warns that EXTRACT from a TIMESTAMPTZ depends on the session's zone; the runner's is
    # UTC, as BigQuery's default, so the warning is not an error here. DATE, TIME and DATETIME are
    # parts DuckDB's EXTRACT does not know.
    assert run(
        db,
        "SELECT EXTRACT(HOUR FROM TIMESTAMP '2024-01-01 10:00:00+00'), "
        "EXTRACT(DATE FROM TIMESTAMP '2024-01-01 23:00:00+00'), "
        "EXTRACT(DATE FROM TIMESTAMP '2024-01-01 23:00:00+00' AT TIME ZONE 'Asia/Tokyo'), "
        "EXTRACT(TIME FROM TIMESTAMP '2024-01-01 10:00:00+00'), "
        "EXTRACT(DATETIME FROM TIMESTAMP '2024-01-01 10:00:00+00')",
    ) == [(10, dt.date(2024, 1, 1), dt.date(2024, 1, 2), dt.time(10), dt.datetime(2024, 1, 1, 10))]


# 2024-07-17 was a Wednesday.
@pytest.mark.parametrize(
    "granularity, start",
    [
        ("DAY", "2024-07-17"),
        ("WEEK", "2024-07-14"),
        ("WEEK(SUNDAY)", "2024-07-14"),
        ("WEEK(MONDAY)", "2024-07-15"),
        ("WEEK(SATURDAY)", "2024-07-13"),
        ("ISOWEEK", "2024-07-15"),
        ("MONTH", "2024-07-01"),
        ("QUARTER", "2024-07-01"),
        ("YEAR", "2024-01-01"),
    ],
)
def test_date_trunc_of_a_date_is_a_date_and_of_a_datetime_a_datetime(db, granularity, start):
    day = dt.date.fromisoformat(start)
    assert run(
        db,
        f"SELECT DATE_TRUNC(DATE '2024-07-17', {granularity}), "
        f"DATE_TRUNC(DATETIME '2024-07-17 10:11:12', {granularity})",
    ) == [(day, dt.datetime.combine(day, dt.time()))]


def test_date_arithmetic_gives_dates_and_clamps_month_ends(db):
    assert run(
        db,
        "SELECT DATE_ADD(DATE '2024-01-31', INTERVAL 1 MONTH), DATE_SUB(DATE '2024-03-31', INTERVAL 1 MONTH), "
        "DATE_ADD(DATE_SUB(DATE '2024-01-01', INTERVAL 1 DAY), INTERVAL 2 WEEK), DATE_FROM_UNIX_DATE(19000)",
    ) == [(dt.date(2024, 2, 29), dt.date(2024, 2, 29), dt.date(2024, 1, 14), dt.date(2022, 1, 8))]


def test_timestamp_millis_and_micros_give_a_timestamp_in_utc(db):
    # Before: a TIMESTAMP without a zone, written without BigQuery's '+00'.
    assert run(
        db,
        "SELECT CAST(TIMESTAMP_MILLIS(1700000000123) AS STRING), "
        "CAST(TIMESTAMP_MICROS(1700000000123456) AS STRING), CAST(TIMESTAMP_SECONDS(1700000000) AS STRING), "
        "UNIX_MILLIS(TIMESTAMP_MILLIS(1700000000123))",
    ) == [("2023-11-14 22:13:20.123+00", "2023-11-14 22:13:20.123456+00", "2023-11-14 22:13:20+00", 1700000000123)]
    assert run(db, "SELECT typeof(TIMESTAMP_MILLIS(0)), typeof(TIMESTAMP_MICROS(0))") == [
        ("TIMESTAMP WITH TIME ZONE", "TIMESTAMP WITH TIME ZONE")
    ]


def test_time_of_day_functions_and_the_current_clock(db):
    assert run(
        db,
        "SELECT TIME_TRUNC(TIME '10:30:45.5', MINUTE), TIME_TRUNC(TIME '10:30:45', HOUR), "
        "FORMAT_TIME('%H:%M', TIME '10:30:00'), FORMAT_TIME('%I:%M:%S %p', TIME '15:30:05')",
    ) == [(dt.time(10, 30), dt.time(10, 0), "10:30", "03:30:05 PM")]
    assert run(
        db,
        "SELECT typeof(CURRENT_DATETIME()), typeof(CURRENT_TIME()), "
        "DATETIME_DIFF(CURRENT_DATETIME('Asia/Kolkata'), CURRENT_DATETIME(), MINUTE) BETWEEN 329 AND 331",
    ) == [("TIMESTAMP", "TIME", True)]


def test_format_elements_duckdb_lacks_are_written_as_bigquery_writes_them(db):
    # 2024-12-30 falls in ISO week 1 of 2025 (%G, %g).
    assert run(
        db,
        "SELECT FORMAT_TIMESTAMP('%R|%h|%k|%l|%C|%Q|%s|%G|%g', TIMESTAMP '2024-12-30 09:05:07+00'), "
        "FORMAT_TIMESTAMP('%l %p', TIMESTAMP '2024-01-01 00:30:00+00'), "
        "FORMAT_TIMESTAMP('100%% %e', TIMESTAMP '2024-12-03 09:05:07+00')",
    ) == [("09:05|Dec| 9| 9|20|4|1735549507|2025|25", "12 AM", "100%  3")]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2024-06-30 23:59:60", dt.datetime(2024, 7, 1, tzinfo=dt.timezone.utc)),  # a leap second: the next minute
        ("2024-06-30T12:59:60.5Z", dt.datetime(2024, 6, 30, 13, 0, 0, 500000, tzinfo=dt.timezone.utc)),
        ("2024-07-01 09:00:00z", dt.datetime(2024, 7, 1, 9, tzinfo=dt.timezone.utc)),
        ("2024-07-01 09:00:00+2:00", dt.datetime(2024, 7, 1, 7, tzinfo=dt.timezone.utc)),
        ("2024-07-01 09:00:00-14:00", dt.datetime(2024, 7, 1, 23, tzinfo=dt.timezone.utc)),
        ("2024-07-01 09:00:00+14:01", None),
        ("2024-07-01 09:00:00-58:94", None),
        ("2024-07-01 09:00:00+01:60", None),
        ("2024-06-30 23:59:61", None),
        ("0000-07-01T09:01:40", None),
        ("2024-07-01", dt.datetime(2024, 7, 1, tzinfo=dt.timezone.utc)),
    ],
)
def test_text_to_timestamp_reads_as_bigquery_reads(db, text, expected):
    # Before: DuckDB refused leap seconds, a lowercase z and one-digit offset hours, and took
    # offsets beyond ±14:00 and year 0000 (as 1 BC). run() asks BigQuery's evaluator too.
    [(value,)] = run(db, f"SELECT SAFE_CAST('{text}' AS TIMESTAMP)")
    assert value == expected

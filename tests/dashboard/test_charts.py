"""The dashboard's charts as clickstream.yaml declares them (glue/dashboard/data.py), and how a
line with missing minutes is drawn (glue/dashboard/render.py)."""

from datetime import datetime, timedelta, timezone

import pytest

from glue.dashboard.data import ChartError, chart
from glue.dashboard.render import _with_gaps
from glue.runner import connect

NAMES = {"curated": "clickstream", "staging": "clickstream_staging", "raw": "clickstream_raw", "counts_table": "c"}


@pytest.fixture
def db():
    connection = connect()
    connection.execute("CREATE SCHEMA clickstream")
    connection.execute(
        "CREATE TABLE clickstream.returns_by_reason AS SELECT * FROM (VALUES ('damaged', 3), ('late', 7)) AS t(reason, n)"
    )
    return connection


def test_a_chart_for_a_new_mart_needs_only_its_declaration(db):
    spec = {
        "title": "Returns",
        "kind": "bar",
        "sql": "SELECT reason, n FROM {curated}.returns_by_reason",
        "x": "reason",
        "y": "n",
        "unit": "returns",
    }
    drawn = chart(db, spec, NAMES)
    assert (drawn.x, drawn.y, drawn.unit) == (["late", "damaged"], [7.0, 3.0], "returns")  # largest first


@pytest.mark.parametrize(
    "spec, message",
    [
        ({"title": "T", "kind": "bar", "sql": "SELECT 1 AS a"}, "dashboard chart 'T': missing x, y"),
        ({"title": "T", "kind": "pie", "sql": "SELECT 1 AS a", "x": "a", "y": "a"}, "kind 'pie' is not line or bar"),
        (
            {
                "title": "T",
                "kind": "bar",
                "sql": "SELECT reason FROM {curated}.returns_by_reason",
                "x": "reason",
                "y": "n",
            },
            "its query has no column n (it has reason)",
        ),
        (
            {"title": "T", "kind": "bar", "sql": "SELECT * FROM {curated}.returns_by_reson", "x": "a", "y": "b"},
            "(did you mean clickstream.returns_by_reason?)",
        ),
    ],
)
def test_a_chart_that_cannot_be_drawn_is_named_with_the_reason(db, spec, message):
    with pytest.raises(ChartError, match=r"clickstream\.yaml, dashboard chart 'T'") as raised:
        chart(db, spec, NAMES)
    assert message in str(raised.value)


def test_braces_other_than_the_dataset_names_stay_in_the_sql(db):
    sql = r"SELECT reason, n FROM {curated}.returns_by_reason WHERE REGEXP_CONTAINS(reason, r'^[a-z]{4,}$')"
    drawn = chart(db, {"title": "T", "kind": "bar", "sql": sql, "x": "reason", "y": "n"}, NAMES)
    assert drawn.x == ["late", "damaged"]


def test_an_optional_chart_over_a_table_not_there_yet_has_no_data_and_no_error(db):
    spec = {
        "title": "T",
        "kind": "line",
        "sql": "SELECT * FROM {curated}.not_yet",
        "x": "a",
        "y": "b",
        "optional": True,
    }
    assert chart(db, spec, NAMES).x == []


def test_minutes_without_data_break_the_line_instead_of_joining_across_them():
    t0 = datetime(2024, 7, 1, 23, 58, tzinfo=timezone.utc)
    later = datetime(2026, 12, 2, 14, 9, tzinfo=timezone.utc)  # the demo's day, then the live stream
    x, y = _with_gaps([(t0, 5), (t0 + timedelta(minutes=1), 6), (later, 7)])
    assert y == [5, 6, None, 7] and x[2] == t0 + timedelta(minutes=2)

"""The dashboard's charts as clickstream.yaml declares them (glue/dashboard/data.py), and how bars,
columns and a line with missing minutes are drawn (glue/dashboard/render.py)."""

import json
import re
from datetime import datetime, timedelta, timezone

import pytest

from glue.dashboard.data import Chart, ChartError, _problem, chart
from glue.dashboard.render import _card, _with_gaps
from glue.runner import connect

NAMES = {"curated": "clickstream", "staging": "clickstream_staging", "raw": "clickstream_raw", "counts_table": "c"}
# Visits by hour of day: every hour once, the counts not in hour order (hour 17 has the most, then 10).
VISITS = {hour: (hour * 7) % 24 + 1 for hour in range(24)}


@pytest.fixture
def db():
    connection = connect()
    connection.execute("CREATE SCHEMA clickstream")
    connection.execute(
        "CREATE TABLE clickstream.returns_by_reason AS SELECT * FROM (VALUES ('damaged', 3), ('late', 7)) AS t(reason, n)"
    )
    # Stored in neither hour nor value order, so only the query's ORDER BY can put them in order.
    connection.execute(
        "CREATE TABLE clickstream.visits_by_hour AS SELECT hour, visits FROM (VALUES "
        + ", ".join(f"({hour}, {visits})" for hour, visits in sorted(VISITS.items(), key=lambda kv: (kv[0] * 5) % 24))
        + ") AS t(hour, visits)"
    )
    return connection


def hours_chart(kind: str, order_by: str = "ORDER BY hour", **keys) -> dict:
    sql = f"SELECT hour, visits FROM {{curated}}.visits_by_hour {order_by}"
    return {"title": "Visits by hour", "kind": kind, "sql": sql, "x": "hour", "y": "visits", "unit": "visits", **keys}


def plotted(card: str) -> tuple[list[dict], dict]:
    """The traces and the layout that the card's script hands to Plotly.newPlot."""
    decoder = json.JSONDecoder()
    at = re.search(r'Plotly\.newPlot\(\s*"[^"]+",\s*', card).end()
    traces, at = decoder.raw_decode(card, at)
    layout, _ = decoder.raw_decode(card, re.compile(r",\s*").match(card, at).end())
    return traces, layout


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
        (
            {"title": "T", "kind": "pie", "sql": "SELECT 1 AS a", "x": "a", "y": "a"},
            "kind 'pie' is not bar, column or line",
        ),
        (
            {"title": "T", "kind": "column", "order": "asc", "sql": "SELECT 1 AS a", "x": "a", "y": "a"},
            "order 'asc' is not value or sql",
        ),
        (
            {"title": "T", "kind": "line", "order": "sql", "sql": "SELECT 1 AS a", "x": "a", "y": "a"},
            "order 'sql' is for bar and column charts; a line is drawn in x order",
        ),
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


@pytest.mark.parametrize("kind", ["column", "bar"])
@pytest.mark.parametrize(
    "order_by, hours", [("ORDER BY hour", list(range(24))), ("ORDER BY hour DESC", list(range(23, -1, -1)))]
)
def test_sql_order_keeps_the_rows_in_the_order_the_query_returns_them(db, kind, order_by, hours):
    drawn = chart(db, hours_chart(kind, order_by, order="sql"), NAMES)
    assert drawn.x == hours
    assert drawn.y == [float(VISITS[hour]) for hour in hours]  # the counts unsorted, as the hours have them


@pytest.mark.parametrize("kind", ["column", "bar"])
@pytest.mark.parametrize("keys", [{}, {"order": "value"}])
def test_value_order_the_default_draws_the_largest_first_whatever_the_query_orders(db, kind, keys):
    drawn = chart(db, hours_chart(kind, **keys), NAMES)
    assert drawn.y == sorted(map(float, VISITS.values()), reverse=True)
    assert drawn.x[:2] == [17, 10] and drawn.x == sorted(VISITS, key=VISITS.get, reverse=True)


def test_a_column_chart_draws_vertical_bars_left_to_right_in_row_order_labelled_along_the_bottom():
    hours = list(range(24))
    card = _card(Chart("Visits by hour", "column", "visits", x=hours, y=[VISITS[h] for h in hours]), first=False)
    assert 'data-chart="Visits by hour" data-points="24" data-alerts="0" data-kind="column"' in card
    (trace,), layout = plotted(card)
    assert (trace["type"], trace["orientation"]) == ("bar", "v")
    assert trace["x"] == [str(h) for h in hours] and trace["y"] == [VISITS[h] for h in hours]
    # The labels are categories along the x axis: Plotly places them in the trace's order, not by value.
    assert layout["xaxis"]["type"] == "category"
    assert layout["yaxis"]["title"]["text"] == "visits" and layout["yaxis"]["rangemode"] == "tozero"


def test_a_bar_chart_draws_horizontal_bars_its_first_row_at_the_top():
    card = _card(Chart("Returns", "bar", "returns", x=[10, 2, 33], y=[1.0, 5.0, 3.0]), first=False)
    (trace,), layout = plotted(card)
    assert (trace["orientation"], trace["y"], trace["x"]) == ("h", ["10", "2", "33"], [1.0, 5.0, 3.0])
    assert layout["yaxis"]["type"] == "category" and layout["yaxis"]["autorange"] == "reversed"
    assert layout["xaxis"]["title"]["text"] == "returns"


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


def test_every_chart_clickstream_yaml_declares_has_a_known_kind_and_order(settings):
    specs = settings.infra["dashboard"]["charts"]
    assert {spec["title"]: _problem(spec) for spec in specs} == {spec["title"]: "" for spec in specs}
    hours = next(spec for spec in specs if spec["title"] == "Visits by hour of day (UTC)")
    assert (hours["kind"], hours["order"]) == ("column", "sql") and "ORDER BY hour" in hours["sql"]

"""`clickstream local query` and `local show` on the demo's warehouse: BigQuery SQL in, rows out as a
table, CSV or JSON; mistakes named with what was probably meant."""

import csv
import io
import json

import pytest
from click.testing import CliRunner

from glue.cli import main
from glue.runner import connect
from tests.conftest import demo_local_dir


@pytest.fixture(scope="module")
def demo_warehouse(tmp_path_factory):
    """`clickstream demo` at one visit a minute, in a local dir of its own."""
    local = tmp_path_factory.mktemp("demo") / "local"
    with demo_local_dir(local, "--visits-per-minute", "1"):
        yield local / "warehouse.duckdb"


def _local(*args):
    return CliRunner().invoke(main, ["local", *args])


def test_query_prints_an_aligned_table_of_bigquery_sql(demo_warehouse):
    result = _local(
        "query",
        "SELECT device_type, COUNT(*) AS visits, SUM(revenue) AS revenue FROM clickstream.sessions "
        "GROUP BY device_type ORDER BY visits DESC",
    )
    assert result.exit_code == 0, result.stderr
    header, *rows = result.stdout.splitlines()
    assert header.split() == ["device_type", "visits", "revenue"]
    db = connect(demo_warehouse, read_only=True)
    expected = db.execute(
        "SELECT device_type, COUNT(*) FROM clickstream.sessions GROUP BY 1 ORDER BY 2 DESC"
    ).fetchall()
    assert [tuple(row.split()[:2]) for row in rows] == [(device, str(n)) for device, n in expected]
    # Numbers line up on the right, under the header's end.
    assert len({len(row) for row in rows}) == 1
    assert result.stderr.strip() == f"({len(expected)} rows)"


def test_query_writes_csv_and_json_for_pipes(demo_warehouse):
    # AT is one of BigQuery's reserved words: as a column name it is quoted.
    sql = "SELECT category, revenue, TIMESTAMP '2024-07-01 10:00:00' AS `at`, NULL AS nothing FROM clickstream.sales_by_category"
    as_csv = list(csv.DictReader(io.StringIO(_local("query", sql, "--format", "csv").stdout)))
    as_json = json.loads(_local("query", sql, "--format", "json").stdout)
    assert (
        {r["category"] for r in as_csv} == {r["category"] for r in as_json} == {"hardware", "software", "peripherals"}
    )
    # NUMERIC exact, as a string; a TIMESTAMP in UTC, named; NULL empty in CSV, null in JSON.
    first = as_json[0]
    assert isinstance(first["revenue"], str) and "." in first["revenue"]
    assert first["at"] == "2024-07-01 10:00:00 UTC" and first["nothing"] is None
    assert as_csv[0]["nothing"] == ""


def test_show_prints_the_first_rows_of_a_table_filtered(demo_warehouse):
    result = _local("show", "sessions", "--limit", "3", "--where", "revenue > 0", "--format", "json")
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert len(rows) == 3 and all(float(r["revenue"]) > 0 for r in rows)
    staged = json.loads(_local("show", "clickstream_staging.stg_visits", "--limit", "1", "--format", "json").stdout)
    assert set(staged[0]) >= {"visit_id", "visit_reasons", "quality_flags"}


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["show", "sesions"],
            "no table or view clickstream.sesions in the warehouse (did you mean clickstream.sessions?)",
        ),
        (
            ["query", "SELECT devise_type FROM clickstream.sessions"],
            "Unrecognized name: devise_type; Did you mean device_type? at [1:8]",
        ),
        (["query", "SELECT * FROM sesions"], "Table not found: sesions (did you mean clickstream.sessions?) at [1:15]"),
        (["query", "SELECT s.devise_type FROM clickstream.sessions s"], "(did you mean device_type?) at [1:10]"),
        (["query", "SELECT 1 +"], "Syntax error: Unexpected end of statement at [1:11]"),
        (
            ["show", "sessions", "--where", "revenue > 'a lot'"],
            "No matching signature for operator > for argument types: NUMERIC, STRING. "
            "Supported signature: ANY > ANY (--where, at column 1)",
        ),
    ],
)
def test_a_mistake_is_one_line_with_what_was_probably_meant(demo_warehouse, args, message):
    result = _local(*args)
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "sql, message",
    [
        # INT64 compared with a STRING: DuckDB would cast the string and run it.
        (
            "SELECT * FROM clickstream.visits_by_page WHERE page_views >= '1'",
            "No matching signature for operator >= for argument types: INT64, STRING. "
            "Supported signature: ANY >= ANY at [1:48]",
        ),
        # Two columns of one name: DuckDB would return both.
        (
            "SELECT device_type, device_type FROM clickstream.sessions",
            "Duplicate column names in the result are not supported. Found duplicate(s): device_type",
        ),
        # A column of the wrong table, which DuckDB's binder would report as a Binder Error.
        (
            "SELECT s.page_views FROM clickstream.sessions AS s",
            "Name page_views not found inside s (did you mean page_view_count?) at [1:10]",
        ),
    ],
)
def test_a_query_bigquery_refuses_is_refused_with_bigquerys_message_before_it_runs(demo_warehouse, sql, message):
    result = _local("query", sql)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.strip() == message
    assert "Error:" not in result.stderr  # nothing of DuckDB's (Binder Error, Catalog Error, ...)


def test_columns_are_named_as_bigquery_names_them(demo_warehouse):
    result = _local(
        "query",
        "SELECT device_type, COUNT(*), SUM(revenue) AS revenue, MAX(revenue) FROM clickstream.sessions GROUP BY 1",
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0].split() == ["device_type", "f0_", "revenue", "f1_"]
    [row] = json.loads(_local("query", "SELECT 1, 'a' AS a, 2", "--format", "json").stdout)
    assert row == {"f0_": 1, "a": "a", "f1_": 2}


def test_rows_cut_by_the_limit_are_counted(demo_warehouse):
    numbers = "SELECT n FROM UNNEST(GENERATE_ARRAY(1, 24)) AS n ORDER BY n"
    cut = _local("query", numbers, "--limit", "20")
    assert cut.exit_code == 0, cut.stderr
    assert cut.stdout.split()[1:] == [str(n) for n in range(1, 21)]
    assert cut.stderr.strip() == "20 of 24 rows"
    assert _local("query", numbers, "--limit", "24").stderr.strip() == "(24 rows)"
    assert _local("query", numbers).stderr.strip() == "(24 rows)"

    sessions = (
        connect(demo_warehouse, read_only=True).execute("SELECT COUNT(*) FROM clickstream.sessions").fetchone()[0]
    )
    assert sessions > 20
    assert _local("show", "sessions").stderr.strip() == f"20 of {sessions:,} rows"
    shown = _local("show", "sessions", "--limit", "2", "--format", "json")
    assert len(json.loads(shown.stdout)) == 2 and shown.stderr.strip() == f"2 of {sessions:,} rows"
    # A --where counts the rows it keeps.
    kept = _local("show", "sessions", "--limit", "1", "--where", "device_type = 'mobile'")
    mobile = (
        connect(demo_warehouse, read_only=True)
        .execute("SELECT COUNT(*) FROM clickstream.sessions WHERE device_type = 'mobile'")
        .fetchone()[0]
    )
    assert kept.stderr.strip() == f"1 of {mobile:,} rows"


def test_the_warehouse_is_read_only(demo_warehouse):
    result = _local("query", "SELECT COUNT(*) AS n FROM clickstream.sessions")
    before = result.stdout
    refused = _local("query", "DELETE FROM clickstream.sessions WHERE TRUE")
    assert refused.exit_code == 2
    assert _local("query", "SELECT COUNT(*) AS n FROM clickstream.sessions").stdout == before

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
    sql = "SELECT category, revenue, TIMESTAMP '2024-07-01 10:00:00' AS at, NULL AS nothing FROM clickstream.sales_by_category"
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
            '"devise_type" not found in FROM clause! (did you mean device_type?)',
        ),
        (["query", "SELECT * FROM clickstream.sesions"], "(did you mean clickstream.sessions?)"),
        (["query", "SELECT 1 +"], "SQL that does not parse as BigQuery"),
    ],
)
def test_a_mistake_is_one_line_with_what_was_probably_meant(demo_warehouse, args, message):
    result = _local(*args)
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_the_warehouse_is_read_only(demo_warehouse):
    result = _local("query", "SELECT COUNT(*) AS n FROM clickstream.sessions")
    before = result.stdout
    refused = _local("query", "DELETE FROM clickstream.sessions WHERE TRUE")
    assert refused.exit_code == 2
    assert _local("query", "SELECT COUNT(*) AS n FROM clickstream.sessions").stdout == before

"""The whole workflow over the real sample data reconciles with an independent count."""

import json
from collections import Counter
from decimal import Decimal

import pytest

from glue.contract import to_money, unwrap_event
from glue.sql_tests import Harness

pytestmark = pytest.mark.realdata


def independent_count(directory):
    """Counted straight from the raw files in Python, sharing no code with the SQL."""
    counts = Counter()
    pages = Counter()
    revenue = Decimal("0")
    for path in sorted(directory.glob("*.jsonl")):
        for line in path.open(encoding="utf-8"):
            visit = json.loads(line)
            counts["visits"] += 1
            for element in visit["events"]:
                event = unwrap_event(element)
                counts[event["event_type"]] += 1
                if event["event_type"] == "page_view":
                    pages[event["details"]["page_url"]] += 1
                if event["event_type"] == "purchase":
                    revenue += to_money(event["details"]["amount"])
                    counts["items"] += len(event["details"]["items"])
    return counts, pages, revenue


@pytest.fixture(scope="module")
def built(graph, real_data_dir):
    harness = Harness(graph)
    for path in sorted(real_data_dir.glob("*.jsonl")):
        harness.gcs(
            path.read_text(encoding="utf-8").splitlines(), f"gs://landing/visits/hour=2024-07-01T00/{path.name}"
        )
    report = harness.run(with_assertions=True)
    assert report.ok, [r.message for r in report.failed()]
    return harness


def test_workflow_reconciles_with_the_raw_files(built, real_data_dir):
    counts, pages, revenue = independent_count(real_data_dir)
    assert built.scalar("SELECT COUNT(*) FROM clickstream.sessions") == counts["visits"] == 8804
    assert built.scalar("SELECT COUNT(*) FROM clickstream.rejected_visits") == 0
    by_type = dict(
        built.connection.execute("SELECT event_type, COUNT(*) FROM clickstream.events GROUP BY 1").fetchall()
    )
    assert by_type == {k: counts[k] for k in ("page_view", "add_item_to_cart", "purchase")}
    assert built.scalar("SELECT COUNT(*) FROM clickstream.purchase_items") == counts["items"]
    assert built.scalar("SELECT SUM(revenue) FROM clickstream.sessions") == revenue
    assert built.scalar("SELECT SUM(revenue) FROM clickstream.sales_by_category") == revenue
    assert (
        dict(built.connection.execute("SELECT page_url, page_views FROM clickstream.visits_by_page").fetchall())
        == pages
    )
    assert built.scalar("SELECT SUM(page_views) FROM clickstream.page_views_per_minute") == counts["page_view"]


def test_second_run_with_no_new_input_changes_no_row(built):
    tables = [
        "sessions",
        "events",
        "purchase_items",
        "rejected_visits",
        "page_views_per_minute",
        "activity_per_minute",
        "visits_by_page",
        "popular_items",
        "sales_by_category",
        "visits_by_device",
    ]
    before = {t: built.connection.execute(f"SELECT * FROM clickstream.{t} ORDER BY ALL").fetchall() for t in tables}
    report = built.run()
    assert all(r.changed == 0 for r in report.results if r.action.name in {f"clickstream.{t}" for t in tables[:4]})
    after = {t: built.connection.execute(f"SELECT * FROM clickstream.{t} ORDER BY ALL").fetchall() for t in tables}
    assert after == before

"""Per-minute aggregates (late data within the lookback) and the four dashboard marts."""
import json
from datetime import datetime, timezone
from decimal import Decimal

from glue.local.harness import assert_rows

UTC = timezone.utc


def _page_visit(session: str, stamp: str, page: str = "home") -> dict:
    return {"session_id": session, "user_id": "UID-1", "device_type": "desktop",
            "events": [{"event_type": "page_view", "timestamp": stamp,
                        "details": {"page_url": f"https://example.com/{page}", "referrer_url": None}}]}


def test_page_views_per_minute_counts_by_minute_and_page(harness):
    harness.pubsub([_page_visit("a", "2024-07-01T09:00:05"), _page_visit("b", "2024-07-01T09:00:59"),
                    _page_visit("c", "2024-07-01T09:01:00"), _page_visit("d", "2024-07-01T09:01:00", "cart")])
    harness.run("clickstream.page_views_per_minute")
    assert_rows(harness.rows("page_views_per_minute", "* EXCLUDE (loaded_at)"), [
        {"minute": datetime(2024, 7, 1, 9, 0, tzinfo=UTC), "page_url": "https://example.com/home", "page_views": 2},
        {"minute": datetime(2024, 7, 1, 9, 1, tzinfo=UTC), "page_url": "https://example.com/home", "page_views": 1},
        {"minute": datetime(2024, 7, 1, 9, 1, tzinfo=UTC), "page_url": "https://example.com/cart", "page_views": 1},
    ])


def test_late_event_within_lookback_updates_its_minute(harness):
    harness.pubsub([_page_visit("a", "2024-07-01T09:00:05"), _page_visit("b", "2024-07-01T12:00:00")])
    harness.run("clickstream.page_views_per_minute")
    # Arrives after 09:00 was aggregated, within the 180-minute lookback of the newest minute.
    harness.pubsub([_page_visit("late", "2024-07-01T09:00:30")])
    report = harness.run("clickstream.page_views_per_minute")
    assert report.by_name("page_views_per_minute").mode == "merged"
    nine = harness.rows("page_views_per_minute", "page_views", "minute = TIMESTAMPTZ '2024-07-01 09:00:00+00'")
    assert nine == [{"page_views": 2}]


def test_late_event_beyond_lookback_waits_for_a_full_refresh(harness):
    harness.pubsub([_page_visit("a", "2024-07-01T06:00:05"), _page_visit("b", "2024-07-01T12:00:00")])
    harness.run("clickstream.page_views_per_minute")
    harness.pubsub([_page_visit("late", "2024-07-01T06:00:30")])
    harness.run("clickstream.page_views_per_minute")
    where = "minute = TIMESTAMPTZ '2024-07-01 06:00:00+00'"
    assert harness.rows("page_views_per_minute", "page_views", where) == [{"page_views": 1}]
    harness.run("clickstream.page_views_per_minute", full_refresh=True)
    assert harness.rows("page_views_per_minute", "page_views", where) == [{"page_views": 2}]


def test_incremental_branch_merges_into_a_given_prior_state(harness):
    loaded = datetime(2024, 7, 1, 9, 30, tzinfo=UTC)
    prior = [{"minute": datetime(2024, 7, 1, 8, 59, tzinfo=UTC), "page_url": "https://example.com/home",
              "page_views": 7, "loaded_at": loaded}]
    harness.pubsub([_page_visit("a", "2024-07-01T09:00:05")])
    harness.run("clickstream.events")
    harness.prior("clickstream.page_views_per_minute", prior)
    harness.run("clickstream.page_views_per_minute")
    assert_rows(harness.rows("page_views_per_minute", "* EXCLUDE (loaded_at)"), [
        {"minute": datetime(2024, 7, 1, 8, 59, tzinfo=UTC), "page_url": "https://example.com/home", "page_views": 7},
        {"minute": datetime(2024, 7, 1, 9, 0, tzinfo=UTC), "page_url": "https://example.com/home", "page_views": 1}])


def test_only_the_minutes_of_newly_loaded_events_are_recomputed(harness):
    harness.pubsub([_page_visit("a", "2024-07-01T09:00:05"), _page_visit("b", "2024-07-01T09:05:00")])
    harness.run("clickstream.page_views_per_minute", "clickstream.activity_per_minute")
    first = {r["minute"].minute: r["loaded_at"] for r in harness.rows("page_views_per_minute")}

    nothing_new = harness.run("clickstream.page_views_per_minute", "clickstream.activity_per_minute")
    assert nothing_new.by_name("page_views_per_minute").changed == 0
    assert nothing_new.by_name("activity_per_minute").changed == 0

    harness.pubsub([_page_visit("c", "2024-07-01T09:03:30")])  # within the lookback, between the two
    report = harness.run("clickstream.page_views_per_minute", "clickstream.activity_per_minute")
    # 09:03 and every minute after it are recomputed; 09:00, before the new event, is left as it was.
    assert report.by_name("page_views_per_minute").changed == 2
    assert report.by_name("activity_per_minute").changed == 2
    rows = {r["minute"].minute: r for r in harness.rows("page_views_per_minute")}
    assert rows[0]["loaded_at"] == first[0] and rows[5]["loaded_at"] == first[5]
    [newest] = harness.rows("events", "MAX(loaded_at) AS loaded_at")
    assert rows[3]["page_views"] == 1 and rows[3]["loaded_at"] == newest["loaded_at"] > first[0]


def test_activity_per_minute(harness, visit):
    harness.pubsub([visit])
    harness.run("clickstream.activity_per_minute")
    assert_rows(harness.rows("activity_per_minute", "* EXCLUDE (loaded_at)"), [
        {"minute": datetime(2024, 7, 1, 9, 0, tzinfo=UTC), "visits_started": 1, "page_views": 2,
         "add_to_carts": 0, "purchases": 0, "units_sold": 0, "revenue": Decimal("0")},
        {"minute": datetime(2024, 7, 1, 9, 1, tzinfo=UTC), "visits_started": 0, "page_views": 0,
         "add_to_carts": 1, "purchases": 1, "units_sold": 2, "revenue": Decimal("59.98")},
    ])


def test_marts_from_two_visits(harness, visit):
    other = json.loads(json.dumps(visit))
    other["device_type"] = "desktop"
    other["events"] = other["events"][:2]
    harness.pubsub([visit, other])
    harness.run("visits_by_device", "visits_by_page", "popular_items", "sales_by_category")
    assert_rows(harness.rows("visits_by_device", "device_type, visits, share_of_visits, visits_with_purchase, revenue"), [
        {"device_type": "mobile", "visits": 1, "share_of_visits": 0.5, "visits_with_purchase": 1, "revenue": Decimal("59.98")},
        {"device_type": "desktop", "visits": 1, "share_of_visits": 0.5, "visits_with_purchase": 0, "revenue": Decimal("0")},
    ])
    assert_rows(harness.rows("visits_by_page", "page_url, page_views, visits"), [
        {"page_url": "https://example.com/home", "page_views": 2, "visits": 2},
        {"page_url": "https://example.com/products", "page_views": 2, "visits": 2},
    ])
    assert harness.rows("popular_items", "sales_rank, product_id, units_sold, orders, revenue, times_added_to_cart") == [
        {"sales_rank": 1, "product_id": "PER-001", "units_sold": 2, "orders": 1, "revenue": Decimal("59.98"),
         "times_added_to_cart": 1}]
    assert harness.rows("sales_by_category", "category, orders, units_sold, revenue") == [
        {"category": "peripherals", "orders": 1, "units_sold": 2, "revenue": Decimal("59.98")}]


def test_assertions_pass_on_good_data_and_catch_a_bad_amount(harness, visit):
    harness.pubsub([visit])
    assert harness.run(with_assertions=True).ok
    wrong = json.loads(json.dumps(visit))
    wrong["session_id"] = "SID-WRONG"
    wrong["events"][3]["event"]["details"]["amount"] = 10.0
    harness.pubsub([wrong])
    report = harness.run(with_assertions=True)
    [failed] = report.failed()
    assert failed.action.table == "assert_purchase_amount_matches_items"
    assert failed.rows == 1 and failed.sample[0][2] == "ORD-1"

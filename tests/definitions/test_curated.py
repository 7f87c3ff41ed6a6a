"""Curated models: sessions, events, purchase_items, on both the full and incremental branches."""

import json
from datetime import datetime, timezone
from decimal import Decimal

from glue.sql_tests import assert_rows

UTC = timezone.utc


def test_sessions_one_row_per_visit_with_counts_and_exact_revenue(harness, visit):
    # Float noise as in the sample data (379.94000000000005): money is rounded to the cent.
    visit["events"][3]["event"]["details"]["amount"] = 59.980000000000004
    harness.pubsub([visit])
    harness.run("clickstream.sessions")
    [row] = harness.rows("sessions", "* EXCLUDE (visit_id, loaded_at)")
    assert row == {
        "session_id": "SID-1001",
        "user_id": "UID-2002",
        "device_type": "mobile",
        "latitude": 37.7749,
        "longitude": -122.4194,
        "user_agent": "Mozilla/5.0 (iPhone)",
        "quality_flags": [],
        "session_start": datetime(2024, 7, 1, 9, 0, tzinfo=UTC),
        "session_end": datetime(2024, 7, 1, 9, 1, 40, tzinfo=UTC),
        "page_view_count": 2,
        "add_to_cart_count": 1,
        "purchase_count": 1,
        "revenue": Decimal("59.98"),
    }


def test_events_flattened_with_zero_based_index_and_typed_fields(harness, visit):
    harness.pubsub([visit])
    harness.run("clickstream.events")
    rows = harness.rows("events", "event_index, event_type, page_url, product_id, price, quantity, order_id, amount")
    assert_rows(
        rows,
        [
            {
                "event_index": 0,
                "event_type": "page_view",
                "page_url": "https://example.com/home",
                "product_id": None,
                "price": None,
                "quantity": None,
                "order_id": None,
                "amount": None,
            },
            {
                "event_index": 1,
                "event_type": "page_view",
                "page_url": "https://example.com/products",
                "product_id": None,
                "price": None,
                "quantity": None,
                "order_id": None,
                "amount": None,
            },
            {
                "event_index": 2,
                "event_type": "add_item_to_cart",
                "page_url": None,
                "product_id": "PER-001",
                "price": Decimal("29.99"),
                "quantity": 2,
                "order_id": None,
                "amount": None,
            },
            {
                "event_index": 3,
                "event_type": "purchase",
                "page_url": None,
                "product_id": None,
                "price": None,
                "quantity": None,
                "order_id": "ORD-1",
                "amount": Decimal("59.98"),
            },
        ],
    )


def test_timestamps_with_offsets_and_fractions_are_utc(harness, visit):
    events = visit["events"]
    events[0]["event"]["timestamp"] = "2024-07-01T11:00:00+02:00"
    events[1]["event"]["timestamp"] = "2024-07-01T09:00:20.250Z"
    events[2]["event"]["timestamp"] = "2024-07-01 09:01:05"
    harness.pubsub([visit])
    harness.run("clickstream.events")
    stamps = {r["event_index"]: r["event_timestamp"] for r in harness.rows("events", "event_index, event_timestamp")}
    assert stamps[0] == datetime(2024, 7, 1, 9, 0, tzinfo=UTC)
    assert stamps[1] == datetime(2024, 7, 1, 9, 0, 20, 250000, tzinfo=UTC)
    assert stamps[2] == datetime(2024, 7, 1, 9, 1, 5, tzinfo=UTC)


def test_purchase_items_line_totals_to_the_cent(harness, visit):
    items = visit["events"][3]["event"]["details"]["items"]
    items.append(
        {
            "product_id": "SFT-003",
            "product_name": "Photo Editor Pro",
            "category": "software",
            "price": 79.99000000000001,
            "quantity": 3,
        }
    )
    visit["events"][3]["event"]["details"]["amount"] = 299.95000000000005
    harness.pubsub([visit])
    harness.run("clickstream.purchase_items")
    rows = harness.rows("purchase_items", "order_id, item_index, product_id, price, quantity, line_total")
    assert_rows(
        rows,
        [
            {
                "order_id": "ORD-1",
                "item_index": 0,
                "product_id": "PER-001",
                "price": Decimal("29.99"),
                "quantity": 2,
                "line_total": Decimal("59.98"),
            },
            {
                "order_id": "ORD-1",
                "item_index": 1,
                "product_id": "SFT-003",
                "price": Decimal("79.99"),
                "quantity": 3,
                "line_total": Decimal("239.97"),
            },
        ],
    )


def test_incremental_run_adds_only_new_loads_and_rerun_changes_nothing(harness, visit):
    harness.pubsub([visit])
    harness.run("clickstream.sessions", "clickstream.events")
    first = harness.rows("events")
    second_visit = json.loads(json.dumps(visit))
    second_visit["session_id"] = "SID-2"
    harness.pubsub([second_visit])
    report = harness.run("clickstream.sessions", "clickstream.events")
    assert report.by_name("sessions").mode == "appended"  # a new visit's key cannot be there yet
    assert report.by_name("sessions").changed == 1
    after = harness.rows("events")
    assert len(after) == 8
    assert all(row in after for row in first)  # earlier rows untouched, load time included
    again = harness.run("clickstream.sessions", "clickstream.events")
    assert again.by_name("events").changed == 0
    assert harness.rows("events") == after


def test_full_refresh_equals_incremental_history(harness, visit):
    batches = []
    for n in range(3):
        v = json.loads(json.dumps(visit))
        v["session_id"] = f"SID-{n}"
        batches.append(v)
    for v in batches:
        harness.pubsub([v])
        harness.run("clickstream.sessions", "clickstream.events", "clickstream.purchase_items")
    # loaded_at included: a full refresh rebuilds from the payload store, which keeps each load's time.
    incremental = {t: harness.rows(t) for t in ("sessions", "events", "purchase_items")}
    harness.run("clickstream.sessions", "clickstream.events", "clickstream.purchase_items", full_refresh=True)
    for table, rows in incremental.items():
        assert_rows(harness.rows(table), rows)


def test_a_full_refresh_after_raw_data_expired_leaves_history_unchanged(harness, visit):
    # Raw Pub/Sub partitions expire and landing objects are deleted; the payload store is the
    # permanent record. A full refresh never rebuilds it (protected) and rebuilds the rest from it.
    broken = json.loads(json.dumps(visit))
    del broken["user_id"]
    harness.pubsub([visit, broken])
    harness.gcs([dict(visit, session_id="SID-GCS")])
    everything = (
        "clickstream.sessions",
        "clickstream.events",
        "clickstream.purchase_items",
        "clickstream.rejected_visits",
    )
    harness.run(*everything)
    tables = ("sessions", "events", "purchase_items", "rejected_visits")
    before = {t: harness.rows(t) for t in tables}  # loaded_at included: history keeps its load times
    harness.expire_raw()
    report = harness.run(*everything, full_refresh=True, with_assertions=True)
    assert report.ok, [r.message for r in report.failed()]
    assert report.by_name("stg_visit_payloads").mode == "appended"  # protected: run incrementally
    assert harness.rows("stg_visit_payloads", "COUNT(*) AS n") == [{"n": 3}]
    for table in tables:
        assert_rows(harness.rows(table), before[table])

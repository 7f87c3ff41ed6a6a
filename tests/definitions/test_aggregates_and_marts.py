"""Per-minute aggregates (late data of any age, clocks in the future) and the four dashboard marts."""

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from glue.sql_tests import assert_rows

UTC = timezone.utc


def _page_visit(session: str, stamp: str, page: str = "home") -> dict:
    return {
        "session_id": session,
        "user_id": "UID-1",
        "device_type": "desktop",
        "events": [
            {
                "event_type": "page_view",
                "timestamp": stamp,
                "details": {"page_url": f"https://example.com/{page}", "referrer_url": None},
            }
        ],
    }


def test_page_views_per_minute_counts_by_minute_and_page(harness):
    harness.pubsub(
        [
            _page_visit("a", "2024-07-01T09:00:05"),
            _page_visit("b", "2024-07-01T09:00:59"),
            _page_visit("c", "2024-07-01T09:01:00"),
            _page_visit("d", "2024-07-01T09:01:00", "cart"),
        ]
    )
    harness.run("clickstream.page_views_per_minute")
    assert_rows(
        harness.rows("page_views_per_minute", "* EXCLUDE (loaded_at)"),
        [
            {"minute": datetime(2024, 7, 1, 9, 0, tzinfo=UTC), "page_url": "https://example.com/home", "page_views": 2},
            {"minute": datetime(2024, 7, 1, 9, 1, tzinfo=UTC), "page_url": "https://example.com/home", "page_views": 1},
            {"minute": datetime(2024, 7, 1, 9, 1, tzinfo=UTC), "page_url": "https://example.com/cart", "page_views": 1},
        ],
    )


def test_late_event_updates_its_minute(harness):
    harness.pubsub([_page_visit("a", "2024-07-01T09:00:05"), _page_visit("b", "2024-07-01T12:00:00")])
    harness.run("clickstream.page_views_per_minute")
    # Arrives after 09:00 was aggregated.
    harness.pubsub([_page_visit("late", "2024-07-01T09:00:30")])
    report = harness.run("clickstream.page_views_per_minute")
    assert report.by_name("page_views_per_minute").mode == "merged"
    nine = harness.rows("page_views_per_minute", "page_views", "minute = TIMESTAMPTZ '2024-07-01 09:00:00+00'")
    assert nine == [{"page_views": 2}]


def test_an_event_three_days_late_is_counted_in_its_own_minute_by_the_next_run(harness):
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    stamp = lambda moment: moment.strftime("%Y-%m-%dT%H:%M:%S")  # noqa: E731
    three_days_ago = now - timedelta(days=3)
    harness.pubsub([_page_visit("a", stamp(three_days_ago)), _page_visit("b", stamp(now - timedelta(minutes=5)))])
    harness.run("clickstream.page_views_per_minute", "clickstream.activity_per_minute")
    harness.pubsub([_page_visit("late", stamp(three_days_ago + timedelta(seconds=30)))])
    report = harness.run("clickstream.page_views_per_minute", "clickstream.activity_per_minute")
    # Only the late event's minute is written, and no full refresh is needed.
    assert report.by_name("page_views_per_minute").changed == 1
    minute = f"minute = TIMESTAMPTZ '{three_days_ago:%Y-%m-%d %H:%M}:00+00'"
    assert harness.rows("page_views_per_minute", "page_views", minute) == [{"page_views": 2}]
    assert harness.rows("activity_per_minute", "page_views, visits_started", minute) == [
        {"page_views": 2, "visits_started": 2}
    ]


def test_an_event_dated_2099_is_refused_and_later_minutes_still_count(harness):
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    stamp = lambda moment: moment.strftime("%Y-%m-%dT%H:%M:%S")  # noqa: E731
    harness.pubsub([_page_visit("future", "2099-01-01T00:00:00"), _page_visit("a", stamp(now - timedelta(minutes=10)))])
    harness.run("clickstream.page_views_per_minute", "clickstream.rejected_visits")
    [rejected] = harness.rows("rejected_visits", "first_reason")
    assert rejected["first_reason"] == "events[0].timestamp: more than 60 minutes after the visit was received"
    harness.pubsub([_page_visit("b", stamp(now - timedelta(minutes=2)))])
    harness.run("clickstream.page_views_per_minute")
    minutes = [r["minute"] for r in harness.rows("page_views_per_minute", "minute", "TRUE ORDER BY minute")]
    assert minutes == [now - timedelta(minutes=10), now - timedelta(minutes=2)]


def test_a_malformed_geolocation_keeps_the_visit_with_null_coordinates_and_a_flag(harness):
    visit = dict(_page_visit("geo", "2024-07-01T09:00:05"), geolocation="abc")
    harness.pubsub([visit])
    harness.run("clickstream.sessions", "clickstream.page_views_per_minute", "clickstream.rejected_visits")
    assert harness.rows("sessions", "latitude, longitude, quality_flags, page_view_count") == [
        {
            "latitude": None,
            "longitude": None,
            "quality_flags": ['geolocation: not "latitude,longitude"'],
            "page_view_count": 1,
        }
    ]
    assert harness.rows("rejected_visits", "COUNT(*) AS n") == [{"n": 0}]
    assert harness.rows("page_views_per_minute", "SUM(page_views) AS n") == [{"n": 1}]


def test_incremental_branch_merges_into_a_given_prior_state(harness):
    loaded = datetime(2024, 7, 1, 9, 30, tzinfo=UTC)
    prior = [
        {
            "minute": datetime(2024, 7, 1, 8, 59, tzinfo=UTC),
            "page_url": "https://example.com/home",
            "page_views": 7,
            "loaded_at": loaded,
        }
    ]
    harness.pubsub([_page_visit("a", "2024-07-01T09:00:05")])
    harness.run("clickstream.events")
    harness.prior("clickstream.page_views_per_minute", prior)
    harness.run("clickstream.page_views_per_minute")
    assert_rows(
        harness.rows("page_views_per_minute", "* EXCLUDE (loaded_at)"),
        [
            {
                "minute": datetime(2024, 7, 1, 8, 59, tzinfo=UTC),
                "page_url": "https://example.com/home",
                "page_views": 7,
            },
            {"minute": datetime(2024, 7, 1, 9, 0, tzinfo=UTC), "page_url": "https://example.com/home", "page_views": 1},
        ],
    )


def test_only_the_minutes_of_newly_loaded_events_are_recomputed(harness):
    harness.pubsub([_page_visit("a", "2024-07-01T09:00:05"), _page_visit("b", "2024-07-01T09:05:00")])
    harness.run("clickstream.page_views_per_minute", "clickstream.activity_per_minute")
    first = {r["minute"].minute: r["loaded_at"] for r in harness.rows("page_views_per_minute")}

    nothing_new = harness.run("clickstream.page_views_per_minute", "clickstream.activity_per_minute")
    assert nothing_new.by_name("page_views_per_minute").changed == 0
    assert nothing_new.by_name("activity_per_minute").changed == 0

    harness.pubsub([_page_visit("c", "2024-07-01T09:03:30")])  # between the two
    report = harness.run("clickstream.page_views_per_minute", "clickstream.activity_per_minute")
    # Only 09:03, the new event's minute, is written; 09:00 and 09:05 are left as they were.
    assert report.by_name("page_views_per_minute").changed == 1
    assert report.by_name("activity_per_minute").changed == 1
    rows = {r["minute"].minute: r for r in harness.rows("page_views_per_minute")}
    assert rows[0]["loaded_at"] == first[0] and rows[5]["loaded_at"] == first[5]
    [newest] = harness.rows("events", "MAX(loaded_at) AS loaded_at")
    assert rows[3]["page_views"] == 1 and rows[3]["loaded_at"] == newest["loaded_at"] > first[0]


def test_activity_per_minute(harness, visit):
    harness.pubsub([visit])
    harness.run("clickstream.activity_per_minute")
    assert_rows(
        harness.rows("activity_per_minute", "* EXCLUDE (loaded_at)"),
        [
            {
                "minute": datetime(2024, 7, 1, 9, 0, tzinfo=UTC),
                "visits_started": 1,
                "page_views": 2,
                "add_to_carts": 0,
                "purchases": 0,
                "units_sold": 0,
                "revenue": Decimal("0"),
            },
            {
                "minute": datetime(2024, 7, 1, 9, 1, tzinfo=UTC),
                "visits_started": 0,
                "page_views": 0,
                "add_to_carts": 1,
                "purchases": 1,
                "units_sold": 2,
                "revenue": Decimal("59.98"),
            },
        ],
    )


def test_marts_from_two_visits(harness, visit):
    other = json.loads(json.dumps(visit))
    other["device_type"] = "desktop"
    other["events"] = other["events"][:2]
    harness.pubsub([visit, other])
    harness.run("visits_by_device", "visits_by_page", "popular_items", "sales_by_category")
    assert_rows(
        harness.rows("visits_by_device", "device_type, visits, share_of_visits, visits_with_purchase, revenue"),
        [
            {
                "device_type": "mobile",
                "visits": 1,
                "share_of_visits": 0.5,
                "visits_with_purchase": 1,
                "revenue": Decimal("59.98"),
            },
            {
                "device_type": "desktop",
                "visits": 1,
                "share_of_visits": 0.5,
                "visits_with_purchase": 0,
                "revenue": Decimal("0"),
            },
        ],
    )
    assert_rows(
        harness.rows("visits_by_page", "page_url, page_views, visits"),
        [
            {"page_url": "https://example.com/home", "page_views": 2, "visits": 2},
            {"page_url": "https://example.com/products", "page_views": 2, "visits": 2},
        ],
    )
    assert harness.rows(
        "popular_items", "sales_rank, product_id, units_sold, orders, revenue, times_added_to_cart"
    ) == [
        {
            "sales_rank": 1,
            "product_id": "PER-001",
            "units_sold": 2,
            "orders": 1,
            "revenue": Decimal("59.98"),
            "times_added_to_cart": 1,
        }
    ]
    assert harness.rows("sales_by_category", "category, orders, units_sold, revenue") == [
        {"category": "peripherals", "orders": 1, "units_sold": 2, "revenue": Decimal("59.98")}
    ]


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

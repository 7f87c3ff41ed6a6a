"""definitions/ml/: the purchase-propensity features, on both engines (the harness compares them)."""

import copy
from datetime import datetime, timezone
from decimal import Decimal

UTC = timezone.utc
# What describes a visit or its user: everything but its keys, label and load time.
FEATURES = (
    "device_type, hour_of_day, day_of_week, page_views, cart_additions, cart_value, "
    "prior_visits, prior_purchases, seconds_since_last_visit"
)


def _page_view(at: str, page: str) -> dict:
    return {
        "event": {"event_type": "page_view", "timestamp": at, "details": {"page_url": f"https://example.com/{page}"}}
    }


def test_features_count_only_what_came_before_the_first_purchase(harness, visit):
    # Browsing after the purchase is not known when a prediction is wanted: it is not counted.
    visit["events"].append(_page_view("2024-07-01T09:02:00", "about"))
    harness.pubsub([visit])
    harness.run("clickstream_ml.session_features")
    [row] = harness.rows("session_features", f"{FEATURES}, purchased")
    assert row == {
        "device_type": "mobile",
        "hour_of_day": 9,
        "day_of_week": 2,  # 2024-07-01 was a Monday; BigQuery counts Sunday as 1
        "page_views": 2,
        "cart_additions": 1,
        "cart_value": Decimal("59.98"),
        "prior_visits": 0,
        "prior_purchases": 0,
        "seconds_since_last_visit": None,
        "purchased": True,
    }


def test_no_feature_gives_the_label_away(harness, visit):
    # Two visits alike up to the purchase, one with it and one without: every feature is the
    # same, so none of them can carry the purchase (a count of purchases, revenue, the items).
    without = copy.deepcopy(visit)
    without["session_id"], without["user_id"] = "SID-1002", "UID-2003"
    without["events"] = visit["events"][:3]
    visit["events"].append(_page_view("2024-07-01T09:02:00", "contact"))
    harness.pubsub([visit, without])
    harness.run("clickstream_ml.session_features")
    bought, did_not = sorted(harness.rows("session_features", f"{FEATURES}, purchased"), key=lambda r: r["purchased"])[
        ::-1
    ]
    assert (bought.pop("purchased"), did_not.pop("purchased")) == (True, False)
    assert bought == did_not


def test_a_users_history_comes_from_their_earlier_visits_across_runs(harness, visit):
    harness.pubsub([visit])
    harness.run("clickstream_ml.session_features")
    later = copy.deepcopy(visit)
    later["session_id"] = "SID-1003"
    for event in later["events"]:
        event["event"]["timestamp"] = event["event"]["timestamp"].replace("2024-07-01T09", "2024-08-20T10")
    later["events"] = later["events"][:2]  # browses, buys nothing
    harness.pubsub([later])
    harness.run("clickstream_ml.session_features")  # the incremental branch: reads its own earlier rows
    rows = harness.rows(
        "session_features", "session_start, prior_visits, prior_purchases, seconds_since_last_visit, purchased"
    )
    first, second = sorted(rows, key=lambda r: r["session_start"])
    assert first["prior_visits"] == 0
    seconds = int((datetime(2024, 8, 20, 10, tzinfo=UTC) - datetime(2024, 7, 1, 9, tzinfo=UTC)).total_seconds())
    assert second == {
        "session_start": datetime(2024, 8, 20, 10, tzinfo=UTC),
        "prior_visits": 1,
        "prior_purchases": 1,
        "seconds_since_last_visit": seconds,
        "purchased": False,
    }

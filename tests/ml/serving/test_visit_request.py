"""glue/ml/serving/visit_request.py: what a prediction request must be."""

import json

import pytest

from glue.ml.serving import BadRequest, parse

GOOD = {
    "user_id": "UID-1234",
    "device_type": "mobile",
    "session_start": "2024-08-18T10:00:00Z",
    "page_views": 3,
    "cart_additions": 1,
    "cart_value": 59.98,
}


def test_a_visit_in_progress_gets_its_time_features_in_utc_as_bigquery_counts_them():
    visit = parse(json.dumps({**GOOD, "session_start": "2024-08-18T12:30:00+02:00"}).encode())
    # 2024-08-18 was a Sunday: BigQuery's DAYOFWEEK is 1.
    assert visit.time_features() == {"hour_of_day": 10, "day_of_week": 1}
    assert visit.visit_id is None and visit.cart_value == 59.98


@pytest.mark.parametrize(
    "body, status, problem",
    [
        (b"{nope", 400, "the body is not JSON"),
        (b"[1, 2]", 400, "a JSON object"),
        (json.dumps({**GOOD, "page_views": -1}).encode(), 422, "page_views: a whole number from 0, not -1"),
        (json.dumps({**GOOD, "page_views": True}).encode(), 422, "page_views: a whole number from 0, not true"),
        (json.dumps({**GOOD, "cart_value": "59.98"}).encode(), 422, 'cart_value: a number from 0, not "59.98"'),
        (json.dumps({**GOOD, "session_start": "yesterday"}).encode(), 422, "session_start: an ISO 8601 timestamp"),
        (json.dumps({**GOOD, "user_id": ""}).encode(), 422, 'user_id: a non-empty string, not ""'),
        (json.dumps({**GOOD, "purchased": True}).encode(), 422, "unknown fields: purchased"),
        (b" " * 1_048_577, 413, "over 1,048,576 bytes"),
    ],
)
def test_a_malformed_request_is_refused_with_each_problem_named(body, status, problem):
    with pytest.raises(BadRequest) as refused:
        parse(body)
    assert refused.value.status == status
    assert any(problem in p for p in refused.value.problems), refused.value.problems

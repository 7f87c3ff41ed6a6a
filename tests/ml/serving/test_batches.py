"""glue/ml/serving/instances.py: a batch of visits ({"instances": [...]}) answered in order and every
prediction stored; a batch over the limit, or with any wrong visit, refused whole."""

from __future__ import annotations

import json

from glue.ml.serving import MAX_BATCH_VISITS
from glue.ml.serving.visit_request import MAX_BODY_BYTES
from tests.ml.serving.helpers import VISIT, ListSink, requests, service


def _batch(visits: list[dict]) -> str:
    return json.dumps({"instances": visits})


def test_a_batch_of_100_visits_gets_100_predictions_in_its_order_and_all_100_are_stored(model_dir):
    visits = [{**VISIT, "visit_id": f"v{i}", "cart_additions": i % 4, "cart_value": 30.0 * (i % 4)} for i in range(100)]
    sink = ListSink()
    served = service(model_dir, sink)
    served.start()
    batch, alone = requests(
        served,
        ("POST", "/predict", _batch(visits)),
        ("POST", "/predict", json.dumps({**visits[3], "visit_id": "alone"})),
    )
    served.stop()
    assert batch.status_code == 200
    predictions = batch.json()["predictions"]
    assert [p["visit_id"] for p in predictions] == [f"v{i}" for i in range(100)]
    # The cart decides, and a visit scores the same in a batch as alone.
    assert predictions[3]["probability"] > 0.5 > predictions[0]["probability"]
    assert predictions[3]["probability"] == alone.json()["probability"]
    stored = {row["prediction_id"]: row["visit_id"] for row in sink.rows}
    assert stored == {p["prediction_id"]: p["visit_id"] for p in predictions} | {alone.json()["prediction_id"]: "alone"}
    assert served.served == 101


def test_a_batch_over_the_maximum_is_refused_naming_the_limit(model_dir):
    sink = ListSink()
    served = service(model_dir, sink)
    served.start()
    [refused] = requests(served, ("POST", "/predict", _batch([VISIT] * (MAX_BATCH_VISITS + 1))))
    served.stop()
    assert MAX_BATCH_VISITS == 1_000
    assert refused.status_code == 413
    assert refused.json()["problems"] == ["instances: 1,001 visits; at most 1,000 in one request"]
    assert sink.rows == []


def test_the_maximum_is_the_service_s_to_set(model_dir):
    served = service(model_dir, ListSink(), max_batch_visits=3)
    served.start()
    fits, over = requests(served, ("POST", "/predict", _batch([VISIT] * 3)), ("POST", "/predict", _batch([VISIT] * 4)))
    served.stop()
    assert fits.status_code == 200 and len(fits.json()["predictions"]) == 3
    assert over.status_code == 413 and "at most 3 in one request" in over.json()["problems"][0]


def test_a_batch_with_a_wrong_visit_is_refused_whole_naming_each_wrong_visit_by_its_index(model_dir):
    visits = [VISIT, {**VISIT, "device_type": "toaster"}, VISIT, {**VISIT, "page_views": -1, "user_id": ""}, "a visit"]
    sink = ListSink()
    served = service(model_dir, sink)
    served.start()
    [refused] = requests(served, ("POST", "/predict", _batch(visits)))
    served.stop()
    assert refused.status_code == 422
    assert refused.json()["problems"] == [
        'instances[1]: device_type: one of the values the model was trained on ("desktop", "mobile"), not "toaster"',
        'instances[3]: user_id: a non-empty string, not ""',
        "instances[3]: page_views: a whole number from 0, not -1",
        "instances[4]: a visit is a JSON object of its fields",
    ]
    assert sink.rows == [] and served.served == 0  # none of it scored or stored


def test_what_is_not_a_batch_of_visits_is_refused(model_dir):
    served = service(model_dir, ListSink())
    served.start()
    responses = requests(
        served,
        ("POST", "/predict", json.dumps({"instances": []})),
        ("POST", "/predict", json.dumps({"instances": {"user_id": "UID-1"}})),
        ("POST", "/predict", json.dumps({"instances": [VISIT], "parameters": {}})),
    )
    served.stop()
    assert [r.status_code for r in responses] == [422, 422, 422]
    assert [r.json()["problems"] for r in responses] == [
        ["instances: a list of 1 to 1,000 visits, not []"],
        ['instances: a list of 1 to 1,000 visits, not {"user_id": "UID-1"}'],
        ['unknown fields: parameters (a batch is {"instances": [...]})'],
    ]


def test_a_body_over_the_limit_is_refused_naming_it(model_dir):
    served = service(model_dir, ListSink())
    served.start()
    [refused] = requests(served, ("POST", "/predict", b" " * (MAX_BODY_BYTES + 1)))
    served.stop()
    assert refused.status_code == 413
    assert refused.json()["problems"] == ["the body is over 1,048,576 bytes, the most a request may send"]

"""glue/ml/serving/domain.py: a category the model never saw is refused naming those it did; a number
outside the trained range is answered, and named in the answer and the stored prediction."""

from __future__ import annotations

import json
import shutil

from glue.ml.classifier import Model
from glue.ml.serving import TrainedDomain
from tests.ml.serving.helpers import VISIT, ListSink, requests, service

WITHIN = {**VISIT, "cart_value": 60.0}  # VISIT's 120.0 is above the trained 90.0 (3 carts of 30.0)
NEW_USER = {**WITHIN, "user_id": "UID-NEW"}  # no history: every derived feature within its range


def test_a_device_type_the_model_never_saw_is_refused_naming_the_values_it_did(model_dir):
    sink = ListSink()
    served = service(model_dir, sink)
    served.start()
    [refused] = requests(served, ("POST", "/predict", json.dumps({**VISIT, "device_type": "toaster"})))
    served.stop()
    assert refused.status_code == 422
    assert refused.json()["problems"] == [
        'device_type: one of the values the model was trained on ("desktop", "mobile"), not "toaster"'
    ]
    assert sink.rows == [] and served.served == 0


def test_page_views_above_the_trained_maximum_are_answered_and_flagged_in_the_answer_and_the_stored_row(model_dir):
    sink = ListSink()
    served = service(model_dir, sink)
    served.start()
    within, above = requests(
        served,
        ("POST", "/predict", json.dumps({**NEW_USER, "page_views": 8})),  # the trained maximum
        ("POST", "/predict", json.dumps({**NEW_USER, "page_views": 50})),
    )
    served.stop()
    assert within.status_code == above.status_code == 200
    assert within.json()["out_of_range_features"] == []
    assert above.json()["out_of_range_features"] == ["page_views"] and 0 <= above.json()["probability"] <= 1
    stored = {row["prediction_id"]: row["out_of_range_features"] for row in sink.rows}
    assert stored == {within.json()["prediction_id"]: [], above.json()["prediction_id"]: ["page_views"]}


def test_derived_features_are_held_to_their_trained_range_too(model_dir):
    # UID-1 bought before; no visit the model was trained on had a prior purchase or a last visit.
    sink = ListSink()
    served = service(model_dir, sink)
    served.start()
    [answer] = requests(served, ("POST", "/predict", json.dumps(WITHIN)))
    served.stop()
    assert answer.json()["out_of_range_features"] == ["prior_purchases", "seconds_since_last_visit"]


def test_the_domain_comes_from_the_export_and_a_feature_exported_without_a_range_is_never_flagged(model_dir, tmp_path):
    copy = shutil.copytree(model_dir, tmp_path / "model")
    path = copy / "assets" / "model_metadata.json"
    metadata = json.loads(path.read_text())
    del metadata["features"]["cart_value"]["min"], metadata["features"]["cart_value"]["max"]
    path.write_text(json.dumps(metadata))
    domain = TrainedDomain.of(Model.load(copy), metadata)
    assert domain.vocabularies == {"device_type": ["desktop", "mobile"]}
    assert domain.ranges["page_views"] == (2.0, 8.0)  # rng.integers(2, 9) in helpers.export_model
    assert "cart_value" not in domain.ranges and domain.unranged == ["cart_value"]
    assert domain.out_of_range({"page_views": 1, "cart_value": 1e9, "hour_of_day": None}) == ["page_views"]
    assert domain.describe() == "1 vocabulary, 7 ranges (none exported for cart_value)"

"""glue/ml/serving/app.py: predictions over HTTP, each one stored; a malformed request refused and not."""

from __future__ import annotations

import json
import threading

import duckdb
import httpx
import uvicorn

from glue.ml.serving import HistoryLookup, LocalWarehouse, PredictionService, PredictionWriter
from glue.ports import free_port
from tests.ml.serving.helpers import VISIT, ListSink
from tests.ml.serving.helpers import requests as _requests
from tests.ml.serving.helpers import service as _service


def test_a_visit_gets_a_probability_and_is_stored_with_its_inputs(model_dir):
    sink = ListSink()
    service = _service(model_dir, sink)
    service.start()
    full, empty = _requests(
        service,
        ("POST", "/predict", json.dumps({**VISIT, "visit_id": "v1"})),
        ("POST", "/predict", json.dumps({**VISIT, "cart_additions": 0, "cart_value": 0})),
    )
    service.stop()
    assert full.status_code == empty.status_code == 200
    assert full.json()["probability"] > 0.5 > empty.json()["probability"]  # the cart decides
    assert full.json()["predicted_purchase"] is True and full.json()["visit_id"] == "v1"
    stored = {row["prediction_id"]: row for row in sink.rows}
    assert set(stored) == {full.json()["prediction_id"], empty.json()["prediction_id"]}
    inputs = stored[full.json()["prediction_id"]]["inputs"]
    # The user's history from the lookup, the time features from session_start (a Tuesday, UTC).
    assert inputs["prior_visits"] == 1 and inputs["prior_purchases"] == 1
    assert inputs["seconds_since_last_visit"] == 19 * 86400 + 10 * 3600
    assert (inputs["hour_of_day"], inputs["day_of_week"]) == (10, 3)


def test_a_malformed_request_gets_a_clear_4xx_and_is_never_stored(model_dir):
    sink = ListSink()
    service = _service(model_dir, sink)
    service.start()
    responses = _requests(
        service,
        ("POST", "/predict", "{not json"),
        ("POST", "/predict", json.dumps({**VISIT, "page_views": "many"})),
        ("GET", "/predict", None),
        ("GET", "/nowhere", None),
        ("GET", "/healthz", None),
    )
    service.stop()
    assert [r.status_code for r in responses] == [400, 422, 405, 404, 200]
    assert responses[1].json()["problems"] == ['page_views: a whole number from 0, not "many"']
    assert sink.rows == [] and responses[4].json()["served"] == 0


def test_every_prediction_the_running_server_answered_is_in_the_warehouse_after_it_stops(model_dir, tmp_path):
    # The real server (uvicorn, with its lifespan) and the local warehouse, as `clickstream ml serve` runs them.
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as db:
        db.execute("CREATE SCHEMA ml")
        db.execute(
            "CREATE TABLE ml.session_features (user_id VARCHAR, session_start TIMESTAMPTZ, purchased BOOLEAN, loaded_at TIMESTAMPTZ)"
        )
    store = LocalWarehouse(path, "ml")
    service = PredictionService(
        model_dir,
        HistoryLookup(store.newest_load, store.history_rows),
        PredictionWriter(store, 50, 0.05),
        log=lambda _: None,
    )
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(service, host="127.0.0.1", port=port, lifespan="on", log_level="warning"))
    thread = threading.Thread(target=server.run)
    thread.start()
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            for _ in range(200):  # the server's own startup: no fixed sleep
                try:
                    client.get("/healthz")
                    break
                except httpx.ConnectError:
                    threading.Event().wait(0.05)
            answers = [client.post("/predict", json={**VISIT, "visit_id": f"v{i}"}) for i in range(120)]
            refused = client.post("/predict", json={**VISIT, "user_id": None})
    finally:
        server.should_exit = True
        thread.join()
    assert {a.status_code for a in answers} == {200} and refused.status_code == 422
    with duckdb.connect(str(path), read_only=True) as db:
        stored = dict(db.execute("SELECT prediction_id, visit_id FROM ml.predictions").fetchall())
    assert stored == {a.json()["prediction_id"]: a.json()["visit_id"] for a in answers}

"""glue/ml/serving/app.py: predictions over HTTP, each one stored; a malformed request refused and not."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from datetime import datetime, timezone

import duckdb
import httpx
import numpy as np
import pytest
import uvicorn

from glue.ml.serving import HistoryLookup, LocalWarehouse, PredictionService, PredictionWriter
from glue.ml.training import train

VISIT = {
    "user_id": "UID-1",
    "device_type": "mobile",
    "session_start": "2024-08-20T10:00:00Z",
    "page_views": 6,
    "cart_additions": 2,
    "cart_value": 120.0,
}


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    """A boosted tree exported as BigQuery ML lays one out, trained on rows where the cart decides."""
    rng = np.random.default_rng(5)
    count = 600
    carts = rng.integers(0, 4, count)
    rows = {
        "device_type": rng.choice(["desktop", "mobile"], count).tolist(),
        "hour_of_day": rng.integers(0, 24, count).tolist(),
        "day_of_week": rng.integers(1, 8, count).tolist(),
        "page_views": rng.integers(2, 9, count).tolist(),
        "cart_additions": carts.tolist(),
        "cart_value": (carts * 30.0).tolist(),
        "prior_visits": rng.integers(0, 3, count).tolist(),
        "prior_purchases": [0] * count,
        "seconds_since_last_visit": [None] * count,
        "purchased": ((carts > 1) & (rng.random(count) < 0.8)).tolist(),
    }
    types = {name: "BIGINT" for name in rows} | {
        "device_type": "VARCHAR",
        "cart_value": "DOUBLE",
        "purchased": "BOOLEAN",
    }
    model = train("ml.m", {"model_type": "BOOSTED_TREE_CLASSIFIER", "input_label_cols": ["purchased"]}, rows, types)
    directory = tmp_path_factory.mktemp("model")
    model.export(directory)
    return directory


class ListSink:
    def __init__(self):
        self.rows = []

    def write(self, rows):
        self.rows += rows


def _service(model_dir, sink) -> PredictionService:
    history = [("UID-1", datetime(2024, 8, 1, tzinfo=timezone.utc).timestamp(), True)]
    lookup = HistoryLookup(lambda: datetime(2024, 8, 2, tzinfo=timezone.utc), lambda: history)
    return PredictionService(
        model_dir, lookup, PredictionWriter(sink, batch_rows=100, batch_seconds=0.05), log=lambda _: None
    )


def _requests(service, *calls):
    async def send():
        transport = httpx.ASGITransport(app=service)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return [await client.request(method, path, content=body) for method, path, body in calls]

    return asyncio.run(send())


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


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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
    port = _free_port()
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

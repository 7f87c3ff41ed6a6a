"""What the service's tests share: a visit, a sink that keeps what it is given, a service over an
exported model with one user's history, and requests sent to it as ASGI."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from pathlib import Path

import httpx
import numpy as np

from glue.ml.serving import HistoryLookup, PredictionService, PredictionWriter
from glue.ml.training import train

VISIT = {
    "user_id": "UID-1",
    "device_type": "mobile",
    "session_start": "2024-08-20T10:00:00Z",
    "page_views": 6,
    "cart_additions": 2,
    "cart_value": 120.0,
}


def export_model(directory: Path) -> Path:
    """A boosted tree exported as BigQuery ML lays one out, trained on rows where the cart decides:
    device_type desktop or mobile, page_views 2 to 8, no user with prior purchases."""
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
    model.export(directory)
    return directory


class ListSink:
    def __init__(self):
        self.rows = []

    def write(self, rows):
        self.rows += rows


def service(model_dir: Path, sink, **options) -> PredictionService:
    """The service over `model_dir`, storing in `sink`; UID-1 has one earlier visit, which bought."""
    history = [("UID-1", datetime(2024, 8, 1, tzinfo=timezone.utc).timestamp(), True)]
    lookup = HistoryLookup(lambda: datetime(2024, 8, 2, tzinfo=timezone.utc), lambda: history)
    options.setdefault("log", lambda _: None)
    return PredictionService(model_dir, lookup, PredictionWriter(sink, batch_rows=100, batch_seconds=0.05), **options)


def requests(app, *calls) -> list[httpx.Response]:
    """Each (method, path, body) sent in turn to the ASGI `app`, and its response."""

    async def send():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return [await client.request(method, path, content=body) for method, path, body in calls]

    return asyncio.run(send())

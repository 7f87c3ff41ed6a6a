"""`clickstream ml serve`: purchase probabilities for visits in progress, over HTTP (ASGI).

    POST /predict   a visit in progress (visit_request.py) -> {"probability": ..., ...}
                    or a batch, {"instances": [...]} -> {"predictions": [...]} (instances.py)
    GET  /healthz   the model, the history's age, predictions stored and waiting

Each visit is one row through the exported model (loaded_model.py: the same files BigQuery ML's
EXPORT MODEL writes), with the user's history from an in-memory lookup of session_features. A
category the model was not trained on is refused; a number outside its training range is answered
and named (domain.py). Every answered prediction is queued for <ml dataset>.predictions; a request
that is refused is not. A thread looks every `refresh_seconds` for a newer exported model or newer
features and swaps them in. Starting, the service logs its address, the model and its training.
"""

from __future__ import annotations

import gc
import json
import threading
import time
import uuid
from collections import deque
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import numpy as np

from glue.ml.serving.history import HistoryLookup
from glue.ml.serving.instances import MAX_BATCH_VISITS, checked_visits, is_batch
from glue.ml.serving.loaded_model import load_model
from glue.ml.serving.visit_request import MAX_BODY_BYTES, BadRequest, decode

_JSON = [(b"content-type", b"application/json")]


class PredictionService:
    """The ASGI application and what it holds: the model, the history lookup, the writer (a
    PredictionWriter, or a StoringProcess that writes in a process of its own)."""

    def __init__(
        self,
        model_dir: Path,
        history: HistoryLookup,
        writer,
        refresh_seconds: float = 60.0,
        log: Callable[[str], None] = print,
        address: str | None = None,
        max_batch_visits: int = MAX_BATCH_VISITS,
    ):
        self.model_dir, self.history, self.writer, self.refresh_seconds = model_dir, history, writer, refresh_seconds
        self.log, self.address, self.max_batch_visits = log, address, max_batch_visits
        self.loaded = load_model(model_dir)
        self.served = 0
        # The last answers' own time, for /healthz: single visits, and batches apart.
        self.answer_seconds: deque[float] = deque(maxlen=10_000)
        self.batch_seconds: deque[float] = deque(maxlen=1_000)
        self._stop = threading.Event()
        self._refresher = threading.Thread(target=self._refresh_loop, name="model-refresh", daemon=True)

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        self.refresh()
        self.writer.start()
        self._refresher.start()
        where = f"http://{self.address}" if self.address else "(address not given)"
        self.log(
            f"serving on {where}: {self.loaded.describe()} from {self.model_dir}; "
            f"training: {self.loaded.describe_training()}; batches of at most {self.max_batch_visits:,}"
        )
        _settle()

    def stop(self) -> None:
        self._stop.set()
        self.writer.close()

    def refresh(self) -> None:
        """Swaps in a newer exported model and newer history; a failure keeps what is loaded."""
        try:
            if self.history.refresh():
                self.log(f"history of {len(self.history.current):,} users, features as of {self.history.current.as_of}")
                _settle()
        except Exception as error:  # the warehouse busy or unreachable: the old history serves on
            self.log(f"history not refreshed: {error}")
        try:
            newest = max(p.stat().st_mtime for p in self.model_dir.rglob("*") if p.is_file())
            if newest > self.loaded.files_changed:
                self.loaded = load_model(self.model_dir)
                self.log(f"swapped in {self.loaded.describe()}; training: {self.loaded.describe_training()}")
        except Exception as error:  # a half-written export: the next look takes it
            self.log(f"model not reloaded: {error}")

    def _refresh_loop(self) -> None:
        while not self._stop.wait(self.refresh_seconds):
            self.refresh()

    # ------------------------------------------------------------------ predicting
    def predict(self, body: bytes) -> dict:
        """The answer to a request's body: one visit's, or a batch's {"predictions": [...]}."""
        request = decode(body)
        loaded, history = self.loaded, self.history.current
        visits = checked_visits(request, loaded.domain, history, self.max_batch_visits)
        probabilities = loaded.probabilities([inputs for _, inputs in visits])
        answers, now = [], datetime.now(timezone.utc)
        for (visit, inputs), probability in zip(visits, probabilities):
            prediction_id, outside = str(uuid.uuid4()), loaded.domain.out_of_range(inputs)
            self.writer.add(
                {
                    "prediction_id": prediction_id,
                    "predicted_at": now,
                    "visit_id": visit.visit_id,
                    # An erased user who came back: answered, stored without the id.
                    "user_id": None if history.erased(visit.user_id) else visit.user_id,
                    "inputs": inputs,
                    "probability": probability,
                    "model_version": loaded.version,
                    "out_of_range_features": outside,
                }
            )
            answers.append(
                {
                    "prediction_id": prediction_id,
                    "visit_id": visit.visit_id,
                    "probability": probability,
                    "predicted_purchase": bool(probability >= 0.5),
                    "model_version": loaded.version,
                    "out_of_range_features": outside,
                }
            )
        self.served += len(answers)
        return {"predictions": answers} if is_batch(request) else answers[0]

    def health(self) -> dict:
        return {
            "status": "ok",
            "model_version": self.loaded.version,
            "model_type": self.loaded.model.model_type,
            "features_as_of": self.history.current.as_of.isoformat() if self.history.current.as_of else None,
            "users": len(self.history.current),
            "served": self.served,
            "stored": self.writer.stored,
            "waiting": self.writer.pending,
            **_percentiles(self.answer_seconds),
            **_percentiles(self.batch_seconds, "batch_answer_ms"),
        }

    # ------------------------------------------------------------------ ASGI
    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        method, path = scope["method"], scope["path"]
        if path == "/healthz" and method == "GET":
            await _respond(send, 200, self.health())
        elif path == "/predict" and method == "POST":
            body = await _body(receive, MAX_BODY_BYTES)
            started = time.perf_counter()
            try:
                answer = self.predict(body)
                await _respond(send, 200, answer)
            except BadRequest as error:
                answer = None
                await _respond(send, error.status, {"error": "bad request", "problems": error.problems})
            timed = self.batch_seconds if answer is not None and "predictions" in answer else self.answer_seconds
            timed.append(time.perf_counter() - started)
        elif path in ("/predict", "/healthz"):
            await _respond(send, 405, {"error": f"{path} takes {'POST' if path == '/predict' else 'GET'}"})
        else:
            await _respond(send, 404, {"error": f"no {path}: POST /predict or GET /healthz"})

    async def _lifespan(self, receive, send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.stop()
                await send({"type": "lifespan.shutdown.complete"})
                return


def _percentiles(seconds: deque[float], name: str = "answer_ms") -> dict:
    """p50 and p99 of the last answers, in milliseconds, from the request's body read to the
    response sent: the service's own time, without the network or the queue before it."""
    if not seconds:
        return {}
    ordered = sorted(seconds)
    return {f"{name}_p{q}": round(ordered[min(len(ordered) - 1, len(ordered) * q // 100)] * 1000, 3) for q in (50, 99)}


def _settle() -> None:
    """Moves what is loaded (model, history) out of the garbage collector's sight: a full
    collection otherwise walks it all, stalling every answer in flight."""
    gc.collect()
    gc.freeze()


async def _body(receive, limit: int) -> bytes:
    """The request's body, read to its end but kept only to `limit` + 1 bytes: enough to refuse it."""
    chunks, kept = [], 0
    while True:
        message = await receive()
        if kept <= limit:
            chunk = message.get("body", b"")
            chunks.append(chunk)
            kept += len(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)[: limit + 1]


def _default(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(type(value).__name__)


async def _respond(send, status: int, body: dict) -> None:
    data = json.dumps(body, default=_default).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*_JSON, (b"content-length", str(len(data)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": data})

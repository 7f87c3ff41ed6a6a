"""`clickstream ml serve`: purchase probabilities for visits in progress, over HTTP (ASGI).

    POST /predict   a visit in progress (visit_request.py) -> {"probability": ..., ...}
    GET  /healthz   the model, the history's age, predictions stored and waiting

Each answer is one row through the exported model (the same files BigQuery ML's EXPORT MODEL
writes; a boosted tree's trees walked directly, compiled_trees.py), with the user's history from an in-memory lookup of session_features. Every answered
prediction is queued for <ml dataset>.predictions; a request that is refused is not. A thread
looks every `refresh_seconds` for a newer exported model or newer features and swaps them in.
"""

from __future__ import annotations

import gc
import hashlib
import json
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import numpy as np

from glue.ml.classifier import Model
from glue.ml.features import tree_matrix
from glue.ml.serving.compiled_trees import CompiledTrees
from glue.ml.serving.history import HistoryLookup
from glue.ml.serving.visit_request import BadRequest, parse

_JSON = [(b"content-type", b"application/json")]


@dataclass
class LoadedModel:
    model: Model
    version: str  # the first 12 hex digits of model.bst's SHA-256
    files_changed: float  # the newest modification time of its files
    trees: CompiledTrees | None = None  # a boosted tree's, walked for each row

    def probability(self, inputs: dict) -> float:
        """The probability of the positive class for one row of the model's inputs."""
        rows = {name: [value] for name, value in inputs.items()}
        if self.trees is None:
            return float(self.model.probabilities(rows)[0])
        return self.trees.probabilities(tree_matrix(self.model.columns, rows)[0].tolist())[0]


def load_model(directory: Path) -> LoadedModel:
    if not (directory / "assets" / "model_metadata.json").is_file():
        raise FileNotFoundError(
            f"{directory}: no exported model here (assets/model_metadata.json). Train and export it with "
            "`clickstream local run --tags ml`, or pass --model with an EXPORT MODEL directory"
        )
    model = Model.load(directory)
    digest = hashlib.sha256((directory / "model.bst").read_bytes()).hexdigest()[:12] if model.booster else "linear"
    changed = max(p.stat().st_mtime for p in directory.rglob("*") if p.is_file())
    trees = CompiledTrees(model.booster, len(model.class_names)) if model.booster is not None else None
    return LoadedModel(model, digest, changed, trees)


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
    ):
        self.model_dir, self.history, self.writer, self.refresh_seconds = model_dir, history, writer, refresh_seconds
        self.log = log
        self.loaded = load_model(model_dir)
        self.served = 0
        self.answer_seconds: deque[float] = deque(maxlen=10_000)  # the last answers' own time, for /healthz
        self._stop = threading.Event()
        self._refresher = threading.Thread(target=self._refresh_loop, name="model-refresh", daemon=True)

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        self.refresh()
        self.writer.start()
        self._refresher.start()
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
                self.log(f"model {self.loaded.version} loaded")
        except Exception as error:  # a half-written export: the next look takes it
            self.log(f"model not reloaded: {error}")

    def _refresh_loop(self) -> None:
        while not self._stop.wait(self.refresh_seconds):
            self.refresh()

    # ------------------------------------------------------------------ predicting
    def predict(self, body: bytes) -> dict:
        visit = parse(body)
        loaded, history = self.loaded, self.history.current
        inputs = {
            "device_type": visit.device_type,
            **visit.time_features(),
            "page_views": visit.page_views,
            "cart_additions": visit.cart_additions,
            "cart_value": visit.cart_value,
            **history.features(visit.user_id, visit.session_start),
        }
        probability = loaded.probability(inputs)
        prediction_id = str(uuid.uuid4())
        self.writer.add(
            {
                "prediction_id": prediction_id,
                "predicted_at": datetime.now(timezone.utc),
                "visit_id": visit.visit_id,
                "user_id": visit.user_id,
                "inputs": inputs,
                "probability": probability,
                "model_version": loaded.version,
            }
        )
        self.served += 1
        return {
            "prediction_id": prediction_id,
            "visit_id": visit.visit_id,
            "probability": probability,
            "predicted_purchase": bool(probability >= 0.5),
            "model_version": loaded.version,
        }

    def health(self) -> dict:
        return {
            "status": "ok",
            "model_version": self.loaded.version,
            "features_as_of": self.history.current.as_of.isoformat() if self.history.current.as_of else None,
            "users": len(self.history.current),
            "served": self.served,
            "stored": self.writer.stored,
            "waiting": self.writer.pending,
            **_percentiles(self.answer_seconds),
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
            body = await _body(receive)
            started = time.perf_counter()
            try:
                await _respond(send, 200, self.predict(body))
            except BadRequest as error:
                await _respond(send, error.status, {"error": "bad request", "problems": error.problems})
            self.answer_seconds.append(time.perf_counter() - started)
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


def _percentiles(seconds: deque[float]) -> dict:
    """p50 and p99 of the last answers, in milliseconds, from the request's body read to the
    response sent: the service's own time, without the network or the queue before it."""
    if not seconds:
        return {}
    ordered = sorted(seconds)
    return {
        f"answer_ms_p{q}": round(ordered[min(len(ordered) - 1, len(ordered) * q // 100)] * 1000, 3) for q in (50, 99)
    }


def _settle() -> None:
    """Moves what is loaded (model, history) out of the garbage collector's sight: a full
    collection otherwise walks it all, stalling every answer in flight."""
    gc.collect()
    gc.freeze()


async def _body(receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


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

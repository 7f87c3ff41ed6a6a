"""Every prediction served, stored with its inputs in <ml dataset>.predictions (its columns:
glue/ml/predictions_table.py), a batch at a time.

The service answers first and stores after: `PredictionWriter.add` only queues the row, and a
thread of its own writes the queue when `batch_rows` are waiting or `batch_seconds` after the
oldest of them. A write that fails (the local warehouse busy with a run, BigQuery unreachable)
keeps its rows for the next attempt; `close` writes what is left, so that a stopped service has
stored everything it answered.
"""

from __future__ import annotations

import threading
import time
from typing import Callable, Protocol


class PredictionSink(Protocol):
    def write(self, rows: list[dict]) -> None: ...


class PredictionWriter:
    def __init__(
        self,
        sink: PredictionSink,
        batch_rows: int = 500,
        batch_seconds: float = 1.0,
        on_error: Callable[[Exception], None] | None = None,
    ):
        self.sink, self.batch_rows, self.batch_seconds = sink, batch_rows, batch_seconds
        self.on_error = on_error
        self.stored = 0
        self.failed_writes = 0
        self._queue: list[dict] = []
        self._oldest: float | None = None
        self._condition = threading.Condition()
        self._closing = False
        self._thread = threading.Thread(target=self._run, name="prediction-writer", daemon=True)

    def start(self) -> "PredictionWriter":
        self._thread.start()
        return self

    @property
    def pending(self) -> int:
        return len(self._queue)

    def add(self, row: dict) -> None:
        with self._condition:
            if not self._queue:
                self._oldest = time.monotonic()
            self._queue.append(row)
            if len(self._queue) >= self.batch_rows:
                self._condition.notify()

    def _due(self) -> bool:
        waited = time.monotonic() - self._oldest if self._oldest is not None else 0.0
        return len(self._queue) >= self.batch_rows or (self._queue and waited >= self.batch_seconds)

    def _run(self) -> None:
        while True:
            with self._condition:
                while not self._closing and not self._due():
                    wait = self.batch_seconds if self._oldest is None or not self._queue else None
                    if wait is None:
                        wait = max(0.0, self.batch_seconds - (time.monotonic() - self._oldest))
                    self._condition.wait(wait)
                if self._closing:
                    return
                batch, self._queue, self._oldest = self._queue, [], None
            if not self._write(batch):
                time.sleep(self.batch_seconds)  # the sink is busy: try again later, rows kept

    def _write(self, batch: list[dict]) -> bool:
        try:
            self.sink.write(batch)
        except Exception as error:  # any failure keeps the rows: nothing answered is dropped
            self.failed_writes += 1
            with self._condition:
                self._queue[:0] = batch
                self._oldest = self._oldest or time.monotonic()
            if self.on_error:
                self.on_error(error)
            return False
        self.stored += len(batch)
        return True

    def close(self, attempts: int = 10) -> None:
        """Stops the thread and writes what is queued, trying up to `attempts` times."""
        with self._condition:
            self._closing = True
            self._condition.notify()
        if self._thread.is_alive():
            self._thread.join()
        for _ in range(attempts):
            with self._condition:
                batch, self._queue = self._queue, []
            if not batch or self._write(batch):
                if not self._queue:
                    return
            else:
                time.sleep(self.batch_seconds)

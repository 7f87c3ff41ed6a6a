"""The predictions writer in a process of its own, so that storing never stalls an answer.

Writing a batch to the local warehouse takes some 40 ms, much of it holding Python's global
interpreter lock: in the service's process every answer in flight waited for it (p99 at 300
requests a second rose from 6 ms to 46 ms; docs/benchmarks.md). Here the service only appends each
row to a list; a thread hands the list over a pipe every `hand_over_seconds`; the child process runs
a PredictionWriter on the sink that `sink_factory` makes there (picklable: a class and its
arguments), and counts what it stored in shared memory. `close` hands over what is left and waits
until the child has written all of it.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from typing import Callable

from glue.ml.serving.predictions import PredictionSink, PredictionWriter

_DONE = None


def _child(receiver, sink_factory, batch_rows, batch_seconds, stored, failed) -> None:
    os.nice(10)  # the answers come first: storing waits for a free core

    def complain(error: Exception) -> None:
        failed.value += 1
        print(f"predictions not stored yet, kept for the next attempt: {error}", file=sys.stderr)

    writer = PredictionWriter(sink_factory(), batch_rows, batch_seconds, on_error=complain).start()
    while True:
        rows = receiver.recv()
        if rows is _DONE:
            break
        for row in rows:
            writer.add(row)
        stored.value = writer.stored
    writer.close()
    stored.value = writer.stored


class StoringProcess:
    """PredictionWriter's interface (start, add, close, stored, pending), with the writing done in a child."""

    def __init__(
        self,
        sink_factory: Callable[[], PredictionSink],
        batch_rows: int = 500,
        batch_seconds: float = 1.0,
        hand_over_seconds: float = 0.05,
    ):
        context = multiprocessing.get_context("spawn")  # not fork: the service has threads
        self._receiver, self._sender = context.Pipe(duplex=False)
        self._stored, self._failed = context.Value("q", 0), context.Value("q", 0)
        self._process = context.Process(
            target=_child,
            args=(self._receiver, sink_factory, batch_rows, batch_seconds, self._stored, self._failed),
            name="prediction-storing",
            daemon=True,
        )
        self._rows: list[dict] = []
        self._handed = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._hand_over_seconds = hand_over_seconds
        self._thread = threading.Thread(target=self._hand_over_loop, name="prediction-hand-over", daemon=True)

    def start(self) -> "StoringProcess":
        self._process.start()
        self._thread.start()
        return self

    def add(self, row: dict) -> None:
        with self._lock:
            self._rows.append(row)

    @property
    def stored(self) -> int:
        return self._stored.value

    @property
    def failed_writes(self) -> int:
        return self._failed.value

    @property
    def pending(self) -> int:
        return len(self._rows) + self._handed - self.stored

    def _hand_over(self) -> None:
        with self._lock:
            rows, self._rows = self._rows, []
        if rows:
            self._sender.send(rows)
            self._handed += len(rows)

    def _hand_over_loop(self) -> None:
        while not self._stop.wait(self._hand_over_seconds):
            self._hand_over()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self._hand_over()
        self._sender.send(_DONE)
        self._process.join()

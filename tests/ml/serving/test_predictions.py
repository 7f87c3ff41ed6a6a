"""glue/ml/serving/predictions.py: the batched writer stores every prediction, even through failures."""

import threading

from glue.ml.serving import PredictionWriter


class FlakySink:
    """Refuses the first `failures` writes, as a warehouse busy with a run does."""

    def __init__(self, failures: int = 0):
        self.failures, self.batches, self.written = failures, [], threading.Event()

    def write(self, rows):
        if self.failures:
            self.failures -= 1
            raise RuntimeError("the warehouse is busy")
        self.batches.append(list(rows))
        self.written.set()


def test_a_full_batch_is_written_without_waiting_for_the_timer():
    sink = FlakySink()
    writer = PredictionWriter(sink, batch_rows=3, batch_seconds=3600).start()
    for i in range(3):
        writer.add({"n": i})
    assert sink.written.wait(10)
    assert sink.batches == [[{"n": 0}, {"n": 1}, {"n": 2}]]
    writer.close()


def test_rows_a_failed_write_held_are_written_later_and_close_writes_the_rest():
    sink, errors = FlakySink(failures=2), []
    writer = PredictionWriter(sink, batch_rows=2, batch_seconds=0.01, on_error=errors.append).start()
    for i in range(5):
        writer.add({"n": i})
    writer.close()
    assert sorted(row["n"] for batch in sink.batches for row in batch) == [0, 1, 2, 3, 4]
    assert writer.stored == 5 and writer.pending == 0
    assert len(errors) == writer.failed_writes == 2

"""glue/visits_processed.py: watching the visits-processed subscription ends when it is told to."""

from types import SimpleNamespace

import pytest

from glue.visits_processed import PULL_WAIT_SECONDS, next_messages


class QuietSubscription:
    """A subscription with nothing in it, on a simulated clock: each pull waits as long as it
    may, as a real pull on an empty subscription does, and the clock moves by that much."""

    def __init__(self):
        self.now, self.waits = 0.0, []

    def clock(self) -> float:
        return self.now

    def pause(self, seconds: float) -> None:
        self.now += seconds

    def pull(self, subscription, max_messages, timeout, retry):
        self.waits.append(timeout)
        self.now += timeout
        return SimpleNamespace(received_messages=[])


@pytest.mark.parametrize("timeout", [0.5, 5, 45])
def test_a_watch_with_a_timeout_ends_at_its_timeout_not_at_the_pulls_wait(timeout):
    quiet = QuietSubscription()
    assert next_messages(quiet, "projects/p/subscriptions/s", timeout, quiet.clock, quiet.pause) is None
    # A watch told 5 s once took 30 s: its pull waited PULL_WAIT_SECONDS regardless.
    assert quiet.now <= timeout + 0.2 + 0.1
    assert max(quiet.waits) <= min(timeout, PULL_WAIT_SECONDS)


def test_the_first_message_ends_the_wait():
    message = SimpleNamespace(received_messages=["m"])
    subscriber = SimpleNamespace(pull=lambda **_: message)
    assert next_messages(subscriber, "projects/p/subscriptions/s", 5) is message

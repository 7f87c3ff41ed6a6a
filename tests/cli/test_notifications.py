"""`clickstream notifications watch`: which project it watches."""

from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from glue.cli import main


@pytest.fixture
def pulled(monkeypatch):
    """The subscriptions the command pulls from, with no Pub/Sub behind them."""
    seen = []

    class Subscriber:
        subscription_path = staticmethod(lambda project, name: f"projects/{project}/subscriptions/{name}")

        def pull(self, subscription, **_):
            seen.append(subscription)
            return SimpleNamespace(received_messages=[])

    monkeypatch.setattr("google.cloud.pubsub_v1.SubscriberClient", Subscriber)
    monkeypatch.setattr("glue.cli.notifications._cloud_subscriber", Subscriber)  # no credentials or network here
    monkeypatch.delenv("PUBSUB_EMULATOR_HOST", raising=False)
    local = SimpleNamespace(project="clickstream-local", environment=lambda: {})
    monkeypatch.setattr("glue.stack.running_stack", lambda settings: local)
    monkeypatch.setattr("glue.stack.use_running_stack", lambda settings: local)
    return seen


def test_a_project_named_on_the_command_line_is_watched_while_the_local_stack_is_up(pulled):
    result = CliRunner().invoke(main, ["notifications", "watch", "--project", "my-project", "--timeout", "0.1"])
    assert result.exit_code == 0, result.output
    assert pulled and all(s.startswith("projects/my-project/") for s in pulled)


def test_without_a_project_the_local_stacks_is_watched(pulled, monkeypatch):
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "from-the-environment")
    result = CliRunner().invoke(main, ["notifications", "watch", "--timeout", "0.1"])
    assert result.exit_code == 0, result.output
    assert pulled and all(s.startswith("projects/clickstream-local/") for s in pulled)

"""`clickstream ml watch` and its RetrainingTrigger (glue/visits_processed.py): the ml workflow
started by enough processed visits."""

from types import SimpleNamespace

from click.testing import CliRunner

from glue.cli import main
from glue.visits_processed import ObjectProcessed, RetrainingTrigger


def _processed(visits: int) -> ObjectProcessed:
    return ObjectProcessed("gs://b/visits/x.jsonl", visits + 1, visits, 1, 0, None)


def test_the_workflow_starts_once_enough_visits_were_processed_and_the_count_restarts():
    trigger = RetrainingTrigger(min_new_visits=500)
    assert not trigger.notified([_processed(200), _processed(299)])
    assert trigger.waiting_visits == 499
    assert trigger.notified([_processed(1)])
    assert trigger.waiting_visits == 0 and not trigger.notified([_processed(10)])


def test_watch_starts_the_ml_workflow_configuration_on_google_cloud(monkeypatch):
    batches = [[_processed(300)], [_processed(300)]]
    acknowledged = []

    class Subscriber:
        def subscription_path(self, project, name):
            return f"projects/{project}/subscriptions/{name}"

        def acknowledge(self, subscription, ack_ids):
            acknowledged.append((subscription, ack_ids))

    def next_messages(subscriber, subscription, timeout):
        if not batches:
            return None
        batch = batches.pop(0)
        return SimpleNamespace(
            received_messages=[
                SimpleNamespace(ack_id=f"a{len(batches)}", message=SimpleNamespace(data=p.to_json(), publish_time=None))
                for p in batch
            ]
        )

    monkeypatch.setattr("google.cloud.pubsub_v1.SubscriberClient", Subscriber)
    monkeypatch.setattr("glue.visits_processed.next_messages", next_messages)
    result = CliRunner().invoke(main, ["ml", "watch", "--project", "acme", "--region", "us-central1", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "300 visits waiting" in result.output
    assert (
        "dry run: would start projects/acme/locations/us-central1/repositories/clickstream/workflowConfigs/ml-retraining"
        in result.output
    )
    assert [s for s, _ in acknowledged] == ["projects/acme/subscriptions/visits-processed-ml"] * 2

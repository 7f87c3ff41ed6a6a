"""The lab's real sample (../shared/data/challenge-lab-visits, 2024-07-01 to 2024-08-30) through the
ml workflow with the rolling split, as a run at midnight after its last day would train: the
visits of 2024-08-24 to 2024-08-30 evaluate, the week before trains."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sklearn.metrics import roc_auc_score

from glue.runner import Executor
from glue.settings import get_settings
from glue.sql_tests import Harness

RUN = datetime(2024, 8, 31, tzinfo=timezone.utc)


def run_at(harness: Harness, clock: datetime, *names: str):
    """The named actions and what they depend on, assertions included, with CURRENT_TIMESTAMP() at
    `clock` (the harness's own clock starts at the present and only moves forward)."""
    actions = harness.graph.select(list(names), [], include_dependencies=True, apart=get_settings().separate_tags)
    report = Executor(harness.connection, clock=clock, buckets=harness.buckets).run(actions)
    assert report.ok, "\n".join(r.message for r in report.failed())
    return report


@pytest.mark.realdata
def test_on_the_real_sample_the_champion_keeps_the_target_on_the_held_out_week(graph, real_data_dir, tmp_path):
    harness = Harness(graph, buckets=tmp_path / "buckets")
    for path in sorted(real_data_dir.glob("*.jsonl")):
        harness.gcs(
            path.read_text(encoding="utf-8").splitlines(), f"gs://landing/visits/hour=2024-07-01T00/{path.name}"
        )
    run_at(harness, RUN, "clickstream_ml.purchase_propensity_scores", "clickstream_ml.export_purchase_propensity")

    trainings = {t["model"]: t for t in harness.rows("model_trainings")}
    assert set(trainings) == {"purchase_propensity", "purchase_propensity_baseline"}
    for training in trainings.values():
        assert [training[c].date().isoformat() for c in ("training_start", "evaluation_start", "evaluation_end")] == [
            "2024-08-17",
            "2024-08-24",
            "2024-08-31",
        ]
    decisions = {d["challenger"]: d for d in harness.rows("model_decisions")}
    [champion] = [d for d in decisions.values() if d["promoted"]]
    # Both models on the held-out week (the figures docs/ml.md reports), and the champion the better.
    assert {m: round(d["challenger_roc_auc"], 3) for m, d in decisions.items()} == {
        "purchase_propensity": pytest.approx(0.843, abs=0.02),
        "purchase_propensity_baseline": pytest.approx(0.861, abs=0.02),
    }
    assert champion["challenger_roc_auc"] == max(d["challenger_roc_auc"] for d in decisions.values())
    assert champion["challenger_roc_auc"] >= 0.78  # the target
    # The champion's scores of the held-out week give that ROC AUC, computed independently.
    scores = harness.rows("purchase_propensity_scores", "probability, purchased, model_trained_at")
    assert {s["model_trained_at"] for s in scores} == {champion["challenger_trained_at"]}
    assert len(scores) == trainings[champion["challenger"]]["evaluation_visits"]
    auc = roc_auc_score([s["purchased"] for s in scores], [s["probability"] for s in scores])
    assert auc == pytest.approx(champion["challenger_roc_auc"], abs=1e-9)

"""Champion and challenger (choose_purchase_propensity_champion, model_decisions): a new training
replaces the model served only when it scores better on the same evaluation window; scoring and
the export follow the champion.

Five simulated weeks on the harness's clock, the planted signal alternating (planted, reversed,
planted, reversed, reversed), the workflow run after weeks 2, 3 and 5: the first champion learns
week 1; the challengers of week 2 learn the reversed signal and are judged on week 3's planted one
(worse); those of week 4 learn the reversed signal and are judged on week 5's (better).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from glue.ml import store
from glue.ml.classifier import Model
from glue.ml.linear_export import STAND_IN
from glue.ml.training import train
from glue.runner import BigQueryML, Translator
from glue.sql_tests import Harness
from tests.ml.serving.helpers import ListSink, service
from tests.ml.simulated_weeks import SCORES_AND_EXPORT, SimulatedWeeks


@pytest.fixture
def weeks(graph, tmp_path) -> SimulatedWeeks:
    return SimulatedWeeks(Harness(graph, buckets=tmp_path / "buckets"), tmp_path)


def _exported(weeks: SimulatedWeeks) -> dict[str, str]:
    """The exported files' digests, but for a logistic regression's sample of BigQuery's predictions,
    which each export takes from the evaluation window of the time."""
    [directory] = Path(weeks.harness.buckets).glob("*/purchase_propensity")
    return {
        p.relative_to(directory).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in directory.rglob("*")
        if p.is_file() and not p.name.startswith("predictions-")
    }


def _scored_by(weeks: SimulatedWeeks, week: int) -> set:
    begin, end = weeks.bounds(week)
    where = f"session_start >= TIMESTAMP '{begin.isoformat()}' AND session_start < TIMESTAMP '{end.isoformat()}'"
    return {r["model_trained_at"] for r in weeks.harness.rows("purchase_propensity_scores", "model_trained_at", where)}


def test_a_worse_challenger_is_recorded_and_not_served_and_a_better_one_replaces_the_champion(weeks):
    weeks.simulate(1, "planted")
    weeks.simulate(2, "reversed")
    weeks.run_after(2, *SCORES_AND_EXPORT)
    [champion] = weeks.rows("model_decisions", "promoted")
    first_export = _exported(weeks)
    [directory] = Path(weeks.harness.buckets).glob("*/purchase_propensity")
    logged = []
    served = service(directory, ListSink(), log=logged.append)  # the prediction service, on the export
    first_version = served.loaded.version
    assert _scored_by(weeks, 2) == {champion["challenger_trained_at"]}

    weeks.simulate(3, "planted")
    weeks.run_after(3, *SCORES_AND_EXPORT)
    worse = weeks.rows("model_decisions", f"decided_at > TIMESTAMP '{champion['decided_at'].isoformat()}'")
    assert len(worse) == 2 and not any(d["promoted"] for d in worse)
    for decision in worse:  # recorded with both scores, on the same window
        assert decision["champion"] == champion["challenger"]
        assert decision["challenger_roc_auc"] < decision["champion_roc_auc"], decision
    assert _exported(weeks) == first_export  # not served: the export is the champion's still
    assert _scored_by(weeks, 3) == {champion["challenger_trained_at"]}
    served.refresh()
    assert served.loaded.version == first_version

    weeks.simulate(4, "reversed")
    weeks.simulate(5, "reversed")
    weeks.run_after(5, *SCORES_AND_EXPORT)
    better = weeks.rows("model_decisions", f"decided_at > TIMESTAMP '{worse[0]['decided_at'].isoformat()}'")
    [promoted] = [d for d in better if d["promoted"]]
    assert promoted["challenger_roc_auc"] > promoted["champion_roc_auc"]
    assert promoted["challenger_roc_auc"] == max(d["challenger_roc_auc"] for d in better)
    # The export is the new champion's, whichever model type it is, and scores as the warehouse does.
    assert _exported(weeks) != first_export
    exported = Model.load(directory)
    served.refresh()  # the service's next look at the export swaps the new champion in
    assert served.loaded.version != first_version and served.loaded.model.model_type == promoted["challenger_type"]
    assert any(line.startswith(f"swapped in model {served.loaded.version}") for line in logged), logged
    assert exported.model_type == promoted["challenger_type"]
    assert _scored_by(weeks, 5) == {promoted["challenger_trained_at"]}
    # The exported files alone give the new champion's scores of week 5.
    trained_at = promoted["challenger_trained_at"].isoformat()
    scored = weeks.harness.rows(
        "purchase_propensity_scores", "visit_id, probability", f"model_trained_at = TIMESTAMP '{trained_at}'"
    )
    features = {f["visit_id"]: f for f in weeks.harness.rows("session_features")}
    rows = {name: [features[s["visit_id"]][name] for s in scored] for name in exported.feature_names}
    rows["cart_value"] = [float(value) for value in rows["cart_value"]]
    assert exported.probabilities(rows).tolist() == pytest.approx([s["probability"] for s in scored], abs=1e-6)


def test_an_export_replaces_the_previous_one_whole_even_of_another_model_type(tmp_path):
    rows = {"pages": [1, 2, 3, 4] * 50, "bought": [False, False, True, True] * 50}
    types = {"pages": "BIGINT", "bought": "BOOLEAN"}
    connection = duckdb.connect()
    for name, model_type in (("ds.tree", "BOOSTED_TREE_CLASSIFIER"), ("ds.logistic", "LOGISTIC_REG")):
        options = {"model_type": model_type, "input_label_cols": ["bought"], "data_split_method": "NO_SPLIT"}
        store.save(connection, train(name, options, rows, types))
    ml = BigQueryML(connection, Translator(), "test", tmp_path)
    directory = tmp_path / "models" / "purchase_propensity"
    assert ml.statement("EXPORT MODEL `p.ds.tree` OPTIONS (uri = 'gs://models/purchase_propensity/')")
    assert Model.load(directory).model_type == "BOOSTED_TREE_CLASSIFIER"
    assert ml.statement("EXPORT MODEL `p.ds.logistic` OPTIONS (uri = 'gs://models/purchase_propensity/')")
    # No model.bst of the tree is left: where BigQuery ML writes its SavedModel, a note. The model
    # is what EXPORT DATA writes beside it, as export_purchase_propensity.sqlx does.
    assert [p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file()] == [STAND_IN]
    for name, call in (
        ("weights", "ML.WEIGHTS(MODEL `p.ds.logistic`)"),
        ("feature_info", "ML.FEATURE_INFO(MODEL `p.ds.logistic`)"),
    ):
        uri = f"gs://models/purchase_propensity/assets/{name}-*.json"
        assert ml.statement(
            f"EXPORT DATA OPTIONS (uri = '{uri}', format = 'JSON', overwrite = true) AS SELECT * FROM {call}"
        )
    exported = Model.load(directory)
    assert exported.model_type == "LOGISTIC_REG"
    logistic = store.load(connection, "ds.logistic")
    assert exported.probabilities(rows).tolist() == pytest.approx(logistic.probabilities(rows).tolist(), abs=1e-12)
    assert sorted(p.name for p in directory.parent.iterdir()) == ["purchase_propensity"]

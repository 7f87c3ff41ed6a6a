"""The check on definitions/ml/: BigQuery ML's statements and calls analyzed as BigQuery would."""

from __future__ import annotations

import pytest

from tests.conftest import copy_project
from tests.oracle.test_check import _check_edited

SCORES = "definitions/ml/purchase_propensity_scores.sqlx"
EDITS = {
    "a misspelt column in ML.PREDICT's input": (
        SCORES,
        "AND session_start >= scored_from\n",
        "AND session_strt >= scored_from\n",
        "Unrecognized name: session_strt",
    ),
    "a column ML.PREDICT does not return": (
        SCORES,
        "p.prob, predicted_purchased,",
        "p.prob, predicted_purchase,",
        "Unrecognized name: predicted_purchase",
    ),
    "a model no action makes": (
        "definitions/ml/choose_purchase_propensity_champion.sqlx",
        'MODEL ${ref("purchase_propensity")}',
        "MODEL `clickstream_ml.purchase_propensty`",
        "Model not found: clickstream_ml.purchase_propensty",
    ),
    "a column ML.WEIGHTS does not return, in EXPORT DATA": (
        "definitions/ml/export_purchase_propensity.sqlx",
        'SELECT processed_input, weight, category_weights\n  FROM ML.WEIGHTS(MODEL ${ref("purchase_propensity_baseline")}',
        'SELECT processed_input, weight, category_weight\n  FROM ML.WEIGHTS(MODEL ${ref("purchase_propensity_baseline")}',
        "Unrecognized name: category_weight",
    ),
    "an IF condition that is not a BOOL": (
        "definitions/ml/purchase_propensity_alternate.sqlx",
        "IF due THEN",
        "IF new_visits THEN",
        "an IF condition is a BOOL; this one is INT64",
    ),
}


@pytest.fixture(scope="module")
def project(settings, tmp_path_factory):
    return copy_project(settings, tmp_path_factory.mktemp("project"))


@pytest.mark.parametrize("case", EDITS)
def test_a_bigquery_ml_mistake_is_reported_at_its_sqlx_line(case, project, oracle, settings):
    file, old, new, words = EDITS[case]
    report, original = _check_edited(project, oracle, settings, old, new, file)
    [problem] = [p for p in report.problems if p.file == file]
    assert words in problem.message
    assert problem.line == original[: original.index(old)].count("\n") + 1


def test_every_ml_action_is_analyzed(graph, oracle, settings):
    from glue.oracle import check_graph

    report = check_graph(graph, oracle, settings)
    assert report.ok, "\n".join(p.format() for p in report.problems)
    # The trainings table, made by an operations action, has the columns its CREATE TABLE lists.
    assert dict(report.schemas["clickstream_ml.model_trainings"])["roc_auc"] == "FLOAT64"
    assert report.schemas["clickstream_ml.purchase_propensity_scores"][3] == ("probability", "FLOAT64")

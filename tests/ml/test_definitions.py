"""What definitions/ml/ writes twice, because BigQuery takes a model's name and a table's columns
only as written: the copies agree."""

from __future__ import annotations

from glue.bigquery_types import from_duckdb
from glue.dataform import If, blocks
from glue.ml.predictions_table import COLUMNS
from glue.ml.sql import create_model
from glue.sql_tests import Harness


def _statements(nodes: list) -> list[str]:
    found = []
    for node in nodes:
        if isinstance(node, If):
            for branch in node.branches:
                found += _statements(branch.body)
        else:
            found.append(node.text)
    return found


def _options(graph, name: str) -> list[dict]:
    """The OPTIONS of each CREATE MODEL in the action's script, by model type."""
    action = graph.find(f"clickstream_ml.{name}")
    created = [create_model(s) for script in action.queries for s in _statements(blocks(script))]
    return [c.options for c in created if c is not None]


def test_the_alternate_trains_each_type_with_the_options_of_its_own_model(graph):
    [tree] = _options(graph, "purchase_propensity")
    [logistic] = _options(graph, "purchase_propensity_baseline")
    assert (tree["model_type"], logistic["model_type"]) == ("BOOSTED_TREE_CLASSIFIER", "LOGISTIC_REG")
    assert _options(graph, "purchase_propensity_alternate") == [tree, logistic]


def test_the_predictions_table_made_before_the_service_has_the_services_columns(graph):
    harness = Harness(graph)
    harness.run(
        "clickstream_ml.training_split", "clickstream_ml.create_predictions_table"
    )  # the view makes the dataset
    described = harness.connection.execute("DESCRIBE clickstream_ml.predictions").fetchall()
    assert [(name, from_duckdb(kind)) for name, kind, *_ in described] == list(COLUMNS)

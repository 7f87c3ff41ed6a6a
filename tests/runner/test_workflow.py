"""glue/runner/workflow.py: each action planned as the executor runs it; a failure named, its dependents skipped."""

import pytest

from glue.runner import Executor
from tests.conftest import BASE_VISIT


@pytest.mark.parametrize(
    "kind, existing, full_refresh, step",
    [
        ("view", None, False, "create view"),
        ("view", "view", False, "replace view"),
        ("table", None, False, "create"),
        ("table", "table", False, "replace"),
        ("table", "view", False, "replace the view with a table"),
        ("incremental", "table", False, "merge on visit_id"),
        ("incremental", "table", True, "rebuild"),
        ("assertion", "view", False, "check"),
    ],
)
def test_each_kind_of_action_is_planned_as_the_executor_would_run_it(kind, existing, full_refresh, step):
    from glue.dataform import Action
    from glue.runner import planned_step

    action = Action("s.t", kind, "s", "t", unique_key=["visit_id"])
    assert planned_step(action, existing, full_refresh) == step


def test_an_incremental_without_a_key_appends_and_operations_count_their_statements():
    from glue.dataform import Action
    from glue.runner import planned_step

    assert planned_step(Action("s.t", "incremental", "s", "t"), "table", False) == "append"
    operations = Action("s.t", "operations", "s", "t", queries=["SELECT 1", "SELECT 2"])
    assert planned_step(operations, None, False) == "run 2 statement(s)"


def test_failing_assertion_is_named_with_sample_rows_and_dependents_skipped(graph, harness):
    harness.pubsub([BASE_VISIT])
    harness.run("clickstream.sessions")
    harness.connection.execute("INSERT INTO clickstream.sessions SELECT * FROM clickstream.sessions")
    # Make visits_by_device depend on the failing assertion, as `dependencies:` in SQLX would.
    unique = graph.find("assert_sessions_loaded")
    target = graph.find("visits_by_device")
    target.dependencies = [*target.dependencies, unique.name]
    try:
        report = Executor(harness.connection).run(graph.order({unique.name, target.name}))
    finally:
        target.dependencies.remove(unique.name)
    failed, skipped = report.results
    assert failed.status == "failed" and "assert_sessions_loaded" in failed.message
    assert failed.sample and failed.columns == ["visit_id", "rows_with_key", "problems"]
    assert skipped.status == "skipped" and unique.name in skipped.message

"""Assertions: every hour over the newest loads, every day (the audit release) over whole tables."""

import pytest

from glue.runner import Executor, compile_graph
from glue.sql_tests import Harness


@pytest.fixture(scope="module")
def audit_graph(settings):
    """The graph as the daily audit's release configuration compiles it (clickstream.yaml)."""
    release = settings.infra["dataform"]["release_configs"]["audit"]
    return compile_graph(settings, dict(release["vars"]))


def test_the_hourly_check_reads_the_newest_hour_and_the_audit_reads_everything(graph, audit_graph, visit):
    harness = Harness(graph)  # the runner alone: the duplicate below is planted behind both engines
    harness.pubsub([visit])
    harness.run("clickstream.sessions")
    # A copy of the session loaded two hours ago: a duplicate the last hour's check cannot see.
    harness.connection.execute(
        "INSERT INTO clickstream.sessions SELECT * REPLACE (loaded_at - INTERVAL 2 HOUR AS loaded_at) "
        "FROM clickstream.sessions"
    )
    hourly = harness.run("assert_sessions_loaded", with_assertions=True)
    assert hourly.by_name("assert_sessions_loaded").status == "ok"

    audit = audit_graph.find("assert_sessions_loaded")
    assert "audit" in audit.tags
    report = Executor(harness.connection).run([audit])
    [result] = report.results
    assert result.status == "failed" and result.columns == ["visit_id", "rows_with_key", "problems"]
    assert [row[1] for row in result.sample] == [2, 2]


def test_every_assertion_is_in_the_daily_audit_and_the_small_tables_only_there(graph):
    assertions = [a for a in graph.actions.values() if a.kind == "assertion"]
    assert assertions and all("audit" in a.tags for a in assertions)
    audit_only = {a.table for a in assertions if a.tags == ["audit"]}
    assert audit_only == {"assert_marts", "assert_landing_objects", "assert_pubsub_staged"}

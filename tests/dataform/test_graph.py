"""glue/dataform/graph.py: selecting actions by tag and name, with their dependencies and assertions."""

import pytest

from glue.dataform import Graph


def test_selection_by_tag_and_action_brings_dependencies(graph):
    names = [a.name for a in graph.select(actions=["visits_by_device"])]
    assert (
        names.index("clickstream_staging.stg_visit_payloads")
        < names.index("clickstream.sessions")
        < names.index("clickstream.device_totals")
        < names.index("clickstream.visits_by_device")
    )
    assert "clickstream.events" not in names
    staging = [a for a in graph.select(tags=["staging"], include_dependencies=False) if a.kind != "assertion"]
    assert {a.schema for a in staging} == {"clickstream_staging"}


def test_an_inline_assertion_runs_with_the_table_it_checks():
    target = lambda name: {"schema": "ds", "name": name}  # noqa: E731
    compiled = {
        "tables": [{"target": target("t"), "type": "table", "query": "SELECT 1 AS a"}],
        "assertions": [
            {
                "target": target("t_assertions_uniqueKey_0"),
                "parentAction": target("t"),
                "query": "SELECT 1 FROM ds.t WHERE FALSE",
                "dependencyTargets": [target("t")],
            }
        ],
    }
    names = [a.name for a in Graph(compiled).select(actions=["t"])]
    assert names == ["ds.t", "ds.t_assertions_uniqueKey_0"]


def test_an_unknown_tag_or_action_is_refused_with_the_closest_name(graph):
    # A typo once ran nothing and exited 0.
    with pytest.raises(KeyError, match=r"no action has the tag 'mart' \(did you mean marts\?\); the tags are "):
        graph.select(tags=["mart"])
    with pytest.raises(KeyError, match=r"no action named 'sesions' \(did you mean sessions\?\)"):
        graph.select(actions=["sesions"])

"""The generated data docs: committed docs/ match the graph, and every column of every table is described."""

import pytest

from glue.data_dictionary import relations, render, stale
from glue.oracle import check_graph


@pytest.fixture(scope="module")
def schemas(graph, oracle, settings):
    """Each action's output columns with BigQuery's types, from ZetaSQL's analysis."""
    return check_graph(graph, oracle, settings).schemas


def test_the_committed_docs_match_the_compiled_graph(graph, settings, schemas):
    outdated = stale(
        settings.root / "docs", render(graph, settings.curated_dataset, schemas, settings.column_classes())
    )
    assert outdated == [], f"docs/ is out of date ({', '.join(outdated)}): run `clickstream docs` and commit"


def test_every_column_of_every_table_is_described(graph, schemas):
    missing = [
        f"{r.action.name}.{name}"
        for r in relations(graph, schemas)
        for name, _, description in r.columns
        if not description.strip()
    ]
    assert missing == []


def test_a_description_names_a_column_the_table_has(graph, schemas):
    outputs = {r.action.name: {name for name, _, _ in r.columns} for r in relations(graph, schemas)}
    stray = [
        f"{name}.{column}"
        for name, columns in outputs.items()
        for column in graph.actions[name].columns
        if column not in columns
    ]
    assert stray == []


def test_types_are_bigquerys_own(graph, schemas):
    [sessions] = [r for r in relations(graph, schemas) if r.action.name == "clickstream.sessions"]
    types = {name: kind for name, kind, _ in sessions.columns}
    assert (types["revenue"], types["session_start"], types["page_view_count"]) == ("NUMERIC", "TIMESTAMP", "INT64")

"""The generated data docs: committed docs/ match the graph, and every curated column is described."""
from glue.docs import bigquery_type, relations, render, stale


def test_the_committed_docs_match_the_compiled_graph(graph, settings):
    outdated = stale(settings.root / "docs", render(graph, settings.curated_dataset))
    assert outdated == [], f"docs/ is out of date ({', '.join(outdated)}): run `clickstream docs` and commit"


def test_every_curated_column_is_described(graph, settings):
    missing = [f"{r.action.name}.{name}" for r in relations(graph) if r.action.schema == settings.curated_dataset
               for name, _, description in r.columns if not description.strip()]
    assert missing == []


def test_duckdb_types_are_named_as_bigquery_names_them():
    assert [bigquery_type(t) for t in ("VARCHAR", "BIGINT", "DECIMAL(38,9)", "TIMESTAMP WITH TIME ZONE",
                                       "VARCHAR[]", "DOUBLE", "BOOLEAN", "DATE")] == [
        "STRING", "INT64", "NUMERIC", "TIMESTAMP", "ARRAY<STRING>", "FLOAT64", "BOOL", "DATE"]

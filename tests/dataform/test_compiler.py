"""glue/dataform/compiler.py: the project compiles, every model parses as BigQuery SQL, errors name the file."""

import pytest

from glue.dataform import CompilationError, compile_project


def test_the_raw_tables_provisioning_names_are_the_workflows_sources(settings, graph):
    # clickstream.yaml names them for provisioning and the local warehouse; the SQLX declares them.
    declared = {a.name for a in graph.actions.values() if a.kind == "declaration"}
    named = {
        f"{settings.raw_dataset}.{settings.raw[key]}" for key in ("pubsub_table", "gcs_table", "gcs_objects_table")
    }
    assert named == declared


def test_compilation_errors_name_the_file(settings):
    # The CLI wants a real node_modules beside the project, so the broken file goes into this one.
    bad = settings.root / "definitions" / "zz_pytest_broken.sqlx"
    bad.write_text('config { type: "table" }\nSELECT * FROM ${ref("no_such_table")}\n')
    try:
        with pytest.raises(CompilationError) as error:
            compile_project(settings.root, settings.dataform_cli)
    finally:
        bad.unlink()
    assert "definitions/zz_pytest_broken.sqlx" in str(error.value)
    assert "no_such_table" in str(error.value)


def test_every_model_parses_as_bigquery_sql(graph):
    import sqlglot

    for action in graph.actions.values():
        for sql in [action.query, action.incremental_query, *action.pre_ops, *action.incremental_pre_ops]:
            if sql:
                sqlglot.parse(sql, read="bigquery")

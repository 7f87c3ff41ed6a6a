"""glue/dataform/compiler.py: the project compiles, every model parses as BigQuery SQL, errors name the file."""

import pytest

from glue.dataform import CompilationError, compile_project
from tests.conftest import copy_project


def test_the_raw_tables_provisioning_names_are_the_workflows_sources(settings, graph):
    # clickstream.yaml names them for provisioning and the local warehouse; the SQLX declares them.
    declared = {a.name for a in graph.actions.values() if a.kind == "declaration"}
    named = {
        f"{settings.raw_dataset}.{settings.raw[key]}" for key in ("pubsub_table", "gcs_table", "gcs_objects_table")
    }
    # And the table `clickstream ml serve` writes its predictions to.
    named.add(f"{settings.ml_dataset}.{settings.ml['serve']['predictions_table']}")
    assert named == declared


def test_compilation_errors_name_the_file(settings, tmp_path):
    # In a copy of the project: the project itself is compiled by other tests at the same time.
    project = copy_project(settings, tmp_path)
    (project / "definitions" / "zz_broken.sqlx").write_text(
        'config { type: "table" }\nSELECT * FROM ${ref("no_such_table")}\n'
    )
    with pytest.raises(CompilationError) as error:
        compile_project(project, settings.dataform_cli)
    assert "definitions/zz_broken.sqlx" in str(error.value)
    assert "no_such_table" in str(error.value)


def test_every_model_parses_as_bigquery_sql(graph):
    import sqlglot

    from glue.ml.sql import calls

    for action in graph.actions.values():
        for sql in [action.query, action.incremental_query, *action.pre_ops, *action.incremental_pre_ops]:
            # As the runner gives it to sqlglot: each BigQuery ML call replaced by the table of its rows.
            for call in reversed(calls(sql)):
                sql = sql[: call.start] + "ml_rows" + sql[call.end :]
            if sql:
                sqlglot.parse(sql, read="bigquery")

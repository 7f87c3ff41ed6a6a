"""glue/dataform/compiler.py: the project compiles, every model parses as BigQuery SQL, and an error is
shown at its file, line and column, with the line, a caret and what to do."""

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


# An analyst's slips that fail the compilation, all in one compile of a copy of the project:
# {file: (text written (a new file when old is None), old text)}.
MART = "definitions/marts/visits_by_hour.sqlx"
SLIPS = {
    # A misspelt ref, in a new mart.
    MART: (
        'config {\n  type: "view",\n  columns: {\n    hour_of_day: "Hour.",\n    visits: "Visits."\n  }\n}\n\n'
        "SELECT EXTRACT(HOUR FROM session_start) AS hour_of_day, COUNT(*) AS visits\n"
        'FROM ${ref("sesions")}\nGROUP BY hour_of_day\n',
        None,
    ),
    # A comma missing between two column descriptions: the test of the mart and the assertion
    # reading it would fail too, only because the mart did not compile.
    "definitions/marts/visits_by_device.sqlx": (
        '    visits_with_purchase: "Visits that bought something."\n',
        '    visits_with_purchase: "Visits that bought something.",\n',
    ),
    # A misspelt name in the config block's dependencies.
    "definitions/ml/export_purchase_propensity.sqlx": (
        '["assert_purchase_propensity_qualty"]',
        '["assert_purchase_propensity_quality"]',
    ),
}


@pytest.fixture(scope="module")
def failed(settings, tmp_path_factory) -> CompilationError:
    # In a copy of the project: the project itself is compiled by other tests at the same time.
    project = copy_project(settings, tmp_path_factory.mktemp("project"))
    for file, (new, old) in SLIPS.items():
        path = project / file
        if old is None:
            path.write_text(new)
        else:
            assert old in path.read_text(), f"{file} no longer holds {old!r}: update the test"
            path.write_text(path.read_text().replace(old, new, 1))
    with pytest.raises(CompilationError) as error:
        compile_project(project, settings.dataform_cli)
    return error.value


def _shown(error: CompilationError, file: str) -> list[str]:
    """The three lines shown for the problem in `file`: where and what, the line, the caret."""
    lines = str(error).splitlines()
    [at] = [i for i, line in enumerate(lines) if line.startswith(file + ":")]
    return lines[at : at + 3]


def test_an_unknown_ref_is_shown_at_the_call_with_the_closest_action(failed):
    assert _shown(failed, MART) == [
        f'{MART}:10:8: ref("sesions") names no action; did you mean "sessions"?',
        '    10 | FROM ${ref("sesions")}',
        "       |        ^",
    ]


def test_a_syntax_error_in_the_config_block_is_shown_at_the_token_with_a_hint(failed, settings):
    file = "definitions/marts/visits_by_device.sqlx"
    text = '    conversion_rate: "visits_with_purchase / visits, 0 to 1.",'
    line = (settings.root / file).read_text().split("\n").index(text) + 1
    assert _shown(failed, file) == [
        f"{file}:{line}:5: Unexpected identifier 'conversion_rate' in the config block: "
        "a comma missing after the previous property?",
        f"{line:>6} | {text}",
        "       |     ^",
    ]


def test_an_unknown_dependency_is_shown_in_the_config_block(failed):
    file = "definitions/ml/export_purchase_propensity.sqlx"
    [where, _, caret] = _shown(failed, file)
    assert where.startswith(f"{file}:5:18: ")
    assert where.endswith(
        'the dependency "assert_purchase_propensity_qualty" names no action; '
        'did you mean "assert_purchase_propensity_quality"?'
    )
    assert caret == "       |" + " " * 18 + "^"


def test_errors_that_only_follow_from_another_are_left_out(failed):
    # Dataform's own: "Could not resolve" the misspelt name and the mart that did not compile, the
    # mart's test ("Dataset ... could not be found") and the assertion reading it (a missing dependency).
    assert len(failed.errors) == 7
    assert [p.file for p in failed.problems] == [
        "definitions/marts/visits_by_device.sqlx",
        MART,
        "definitions/ml/export_purchase_propensity.sqlx",
    ]
    assert failed.left_out == 4
    assert str(failed).endswith("(4 more errors follow from these, not shown)")


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

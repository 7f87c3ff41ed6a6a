"""Every column is of a class of personal data, and each personal column of a table carries its
class's policy tag in the compiled graph (includes/privacy.js, workflow_settings.yaml pii_ vars)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from glue.dataform import CompilationError, compile_project
from glue.oracle import check_graph
from glue.runner import compile_graph
from tests.conftest import copy_project

TAGS = {
    "identifier": "projects/p/locations/us/taxonomies/1/policyTags/11",
    "precise_location": "projects/p/locations/us/taxonomies/1/policyTags/12",
    "device_fingerprint": "projects/p/locations/us/taxonomies/1/policyTags/13",
    "network_address": "projects/p/locations/us/taxonomies/1/policyTags/14",
}


@pytest.fixture(scope="module")
def schemas(graph, oracle, settings):
    """Each action's output columns, as BigQuery's analyzer resolves them."""
    return check_graph(graph, oracle, settings).schemas


def test_every_column_of_every_table_and_view_is_in_exactly_one_class(settings, schemas):
    classes = settings.column_classes()
    listed = [c for name in [*settings.privacy["classes"], "none"] for c in settings.vars[f"pii_{name}"].split()]
    assert len(listed) == len(set(listed)), "a column is named in two pii_ vars"
    unclassified = sorted(
        {f"{table}.{column}" for table, columns in schemas.items() for column, _ in columns}
        - {f"{table}.{column}" for table, columns in schemas.items() for column, _ in columns if column in classes}
    )
    assert not unclassified
    assert {classes[c] for c in ("user_id", "session_id", "latitude", "longitude", "user_agent", "payload")} == {
        "identifier",
        "precise_location",
        "device_fingerprint",
    }


def test_the_compiled_graph_tags_each_personal_column_of_a_table_with_its_class(settings):
    graph = compile_graph(settings, {f"policy_tag_{name}": tag for name, tag in TAGS.items()})
    classes = settings.column_classes()
    tagged = set()
    for action in graph.actions.values():
        if action.kind in ("table", "incremental") or (action.kind == "operations" and action.has_output):
            for column in action.columns:
                kind = classes[column]
                assert action.policy_tags.get(column) == ([TAGS[kind]] if kind in TAGS else None), (action.name, column)
                if kind in TAGS:
                    tagged.add(f"{action.table}.{column}")
        else:
            assert not action.policy_tags, action.name  # views are masked through the tables they read
    assert {"sessions.user_id", "sessions.latitude", "sessions.user_agent", "stg_visit_payloads.payload"} <= tagged
    assert not compile_graph(settings).find("sessions").policy_tags  # locally: no tags


def test_a_column_of_no_class_fails_the_compilation_naming_it_and_where_to_classify_it(settings, tmp_path):
    project = copy_project(settings, tmp_path / "project")
    sessions = project / "definitions" / "curated" / "sessions.sqlx"
    text = sessions.read_text()
    assert "    user_id: columns.user_id,\n" in text
    sessions.write_text(
        text.replace("    user_id: columns.user_id,\n", '    user_id: columns.user_id,\n    email: "E-mail.",\n')
    )
    with pytest.raises(CompilationError) as error:
        compile_project(project, settings.dataform_cli)
    message = str(error.value)
    assert "definitions/curated/sessions.sqlx" in message
    assert "column email has no class of personal data" in message and "pii_identifier" in message
    assert replace(settings, root=project).column_classes().get("email") is None

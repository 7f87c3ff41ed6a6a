"""`clickstream governance apply` at the request level, through the official Dataplex and
Service Usage clients; the aspects' documentation comes from the compiled graph."""

from __future__ import annotations

from click.testing import CliRunner
from google.protobuf import json_format

from glue.cli import governance as governance_cli
from glue.governance.declared import governance_resources
from glue.provision.plan import apply, make_plan
from tests.cloud_apis import command_lines
from tests.conftest import copy_project

LAKE = "projects/acme/locations/us-central1/lakes/clickstream"
SESSIONS = (
    "projects/acme/locations/us/entryGroups/@bigquery/entries/bigquery.googleapis.com/"
    "projects/acme/datasets/clickstream/tables/sessions"
)
ASPECT = "acme.global.clickstream-data-product"


def plan_for(settings, graph, clients):
    return make_plan(governance_resources(settings, graph, "acme", "us-central1", clients))


def test_a_fresh_project_gets_lake_zones_sharing_and_documented_aspects_then_nothing_changes(settings, graph, api):
    server, state, clients = api
    first = plan_for(settings, graph, clients)
    assert {s.action for s in first.steps} == {"create"}
    apply(first)

    assert set(state["zones"]) == {f"{LAKE}/zones/raw", f"{LAKE}/zones/curated"}
    assert state["zones"][f"{LAKE}/zones/curated"].type_.name == "CURATED"
    assets = {a.resource_spec.name: a.resource_spec.type_.name for a in state["assets"].values()}
    assert assets == {
        "projects/acme/buckets/acme-clickstream-landing": "STORAGE_BUCKET",
        "projects/acme/datasets/clickstream": "BIGQUERY_DATASET",
        "projects/acme/datasets/clickstream_ml": "BIGQUERY_DATASET",
    }
    raw_readers = [list(b.members) for b in state["policies"][f"{LAKE}/zones/raw"].bindings]
    assert raw_readers == [["serviceAccount:clickstream-pipeline@acme.iam.gserviceaccount.com"]]
    assert list(state["policies"][f"{LAKE}/zones/curated"].bindings) == []  # no analyst group configured yet
    assert state["services"] == {"projects/acme/services/datalineage.googleapis.com": 2}  # ENABLED

    sessions = json_format.MessageToDict(state["entries"][SESSIONS].aspects[ASPECT]._pb.data)
    action = graph.find("clickstream.sessions")
    assert sessions["description"] == action.description and sessions["columns"] == action.columns
    assert sessions["owner"] == "data-engineering" and sessions["contains_pii"] is True
    curated = {
        a.table
        for a in graph.actions.values()
        if a.schema == "clickstream" and a.kind != "assertion" and (a.kind != "operations" or a.has_output)
    }
    ml = {
        "session_features",
        "training_split",
        "training_visits",
        "model_trainings",
        "model_decisions",
        "model_monitoring",
        "purchase_propensity_scores",
    }
    assert {e.rsplit("/", 1)[-1] for e in state["entries"]} == curated | ml

    server.requests.clear()
    second = plan_for(settings, graph, clients)
    assert second.pending == [] and second.summary().startswith("nothing to change")
    assert not [name for name in server.calls() if name.startswith(("Create", "Update", "Set", "Enable"))]


def test_a_changed_sqlx_description_changes_the_plan(settings, graph, api, tmp_path):
    """Edit a column description in a copy of the project's SQLX, compile it with the real CLI,
    and the plan wants to update exactly that table's aspect."""
    from glue.dataform import Graph, compile_project

    _, _, clients = api
    apply(plan_for(settings, graph, clients))
    copy_root = copy_project(settings, tmp_path / "project")
    sqlx = copy_root / "definitions" / "curated" / "sessions.sqlx"
    sqlx.write_text(
        sqlx.read_text().replace(
            "revenue: \"Sum of the visit's purchase amounts", "revenue: \"Total of the visit's purchase amounts"
        )
    )
    edited = Graph(compile_project(copy_root, settings.dataform_cli))
    assert edited.find("clickstream.sessions").columns["revenue"].startswith("Total of")

    plan = plan_for(settings, edited, clients)
    assert [(s.resource.kind, s.resource.name, s.differences) for s in plan.pending] == [
        ("dataplex table aspect", "clickstream.sessions", ["columns differs from the compiled graph and settings"])
    ]


def test_dry_run_prints_the_plan_and_changes_nothing(api, monkeypatch):
    server, _, clients = api
    monkeypatch.setattr(governance_cli, "real_clients", lambda: clients)
    lines = command_lines(["governance", "apply", "--project", "acme", "--region", "us-central1", "--dry-run"])
    assert f"+ create dataplex lake {LAKE}" in lines
    assert "+ create dataplex table aspect clickstream.sessions" in lines
    assert not [name for name in server.calls() if name.startswith(("Create", "Update", "Set", "Enable"))]


def test_a_refusal_names_the_role_or_the_api(settings, graph, api, monkeypatch):
    from google.api_core import exceptions

    from glue.cli.provision import run_plan

    _, _, clients = api
    resources = governance_resources(settings, graph, "acme", "us-central1", clients)

    def refuse(*args, **kwargs):
        raise exceptions.PermissionDenied("Permission 'dataplex.lakes.get' denied")

    monkeypatch.setattr(clients.dataplex, "get_lake", refuse)
    with CliRunner().isolation() as (_, err, *_):  # run_plan prints with click
        code = run_plan(resources, "acme", dry_run=True)
        printed = err.getvalue().decode()
    assert code == 2 and "roles/dataplex.admin" in printed

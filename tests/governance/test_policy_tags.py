"""Column-level security at the request level: the policy-tag taxonomy, its tags and their
readers through the official Data Catalog client, the data masking policies and theirs through
the official BigQuery Data Policy client, on the recording servers of tests/cloud_apis.py."""

from __future__ import annotations

import copy
import dataclasses

import pytest

from glue.cli import governance as governance_cli
from glue.governance.policy_tags import policy_tag_vars, privacy_resources
from glue.provision.plan import apply, make_plan
from tests.cloud_apis import command_lines

LOCATION = "projects/acme/locations/us"
TAXONOMY = "clickstream-personal-data"
CLASSES = ["identifier", "precise_location", "device_fingerprint", "network_address"]
PRIVACY_KINDS = ("policy tag", "bigquery data policy", "data policy readers")
MUTATIONS = ("Create", "Update", "Set", "Enable", "Delete")
DRY_RUN = ["governance", "apply", "--project", "acme", "--region", "us-central1", "--dry-run"]


def with_readers(settings, raw=(), analyst=(), data_scientist=(), **masking):
    """The project's settings with these privacy readers, and these classes' masking changed."""
    infra = copy.deepcopy(settings.infra)
    infra["privacy"]["readers"] = {"raw": list(raw), "analyst": list(analyst), "data_scientist": list(data_scientist)}
    for privacy_class, expression in masking.items():
        infra["privacy"]["classes"][privacy_class]["masking"] = expression
    return dataclasses.replace(settings, infra=infra)


READERS = {
    "raw": ["group:pii-readers@example.com"],
    "analyst": ["group:analysts@example.com", "serviceAccount:clickstream-serve@{project}.iam.gserviceaccount.com"],
    "data_scientist": ["group:data-science@example.com", "group:analysts@example.com"],
}


def plan_for(settings, clients):
    return make_plan(privacy_resources(settings, "acme", "us", clients.policy_tags, clients.data_policies))


def mutations(server) -> list[str]:
    return [name for name in server.calls() if name.startswith(MUTATIONS)]


def privacy_lines(lines: list[str]) -> list[str]:
    return [line for line in lines if line.split(" ", 2)[-1].startswith(PRIVACY_KINDS)]


def dry_run(settings, clients, monkeypatch) -> list[str]:
    monkeypatch.setattr(governance_cli, "get_settings", lambda: settings)
    monkeypatch.setattr(governance_cli, "real_clients", lambda: clients)
    return command_lines(DRY_RUN)


def test_a_dry_run_on_an_empty_project_lists_the_taxonomy_tags_and_data_policies_and_changes_nothing(
    settings, api, monkeypatch
):
    server, _, clients = api
    lines = dry_run(settings, clients, monkeypatch)
    expected = [f"+ create policy tag taxonomy {TAXONOMY} in {LOCATION}"]
    for privacy_class in CLASSES:
        expected += [
            f"+ create policy tag {TAXONOMY}/{privacy_class}",
            f"+ create bigquery data policy {LOCATION}/dataPolicies/clickstream_{privacy_class}",
        ]
    assert privacy_lines(lines) == expected  # no readers configured: no IAM
    assert mutations(server) == []


def test_with_readers_the_dry_run_lists_their_bindings_too(settings, api, monkeypatch):
    server, _, clients = api
    lines = privacy_lines(dry_run(with_readers(settings, **READERS), clients, monkeypatch))
    fine_grained = [line for line in lines if line.startswith("+ create policy tag readers")]
    masked = [line for line in lines if line.startswith("+ create data policy readers")]
    assert fine_grained == [
        f"+ create policy tag readers {TAXONOMY}/{c}: roles/datacatalog.categoryFineGrainedReader for "
        "group:pii-readers@example.com"
        for c in CLASSES
    ]
    assert masked[0] == (
        f"+ create data policy readers {LOCATION}/dataPolicies/clickstream_identifier: "
        "roles/bigquerydatapolicy.maskedReader for group:analysts@example.com, group:data-science@example.com, "
        "serviceAccount:clickstream-serve@acme.iam.gserviceaccount.com"
    )
    assert len(lines) == 1 + 4 * 4 and mutations(server) == []


def test_apply_creates_the_taxonomy_tags_data_policies_and_bindings_then_nothing_changes(settings, api):
    server, state, clients = api
    configured = with_readers(settings, **READERS)
    first = plan_for(configured, clients)
    assert {s.action for s in first.steps} == {"create"}
    apply(first)

    (taxonomy,) = state["taxonomies"].values()
    assert taxonomy.name.startswith(f"{LOCATION}/taxonomies/") and taxonomy.display_name == TAXONOMY
    assert [t.name for t in taxonomy.activated_policy_types] == ["FINE_GRAINED_ACCESS_CONTROL"]
    tags = {t.display_name: t for t in state["policy_tags"].values()}
    assert sorted(tags) == sorted(CLASSES)
    assert all(t.name.startswith(f"{taxonomy.name}/policyTags/") for t in tags.values())
    assert tags["identifier"].description == settings.infra["privacy"]["classes"]["identifier"]["description"]

    masked_readers = [
        "group:analysts@example.com",
        "group:data-science@example.com",
        "serviceAccount:clickstream-serve@acme.iam.gserviceaccount.com",
    ]
    for privacy_class in CLASSES:
        data_policy = state["data_policies"][f"{LOCATION}/dataPolicies/clickstream_{privacy_class}"]
        assert data_policy.data_policy_type.name == "DATA_MASKING_POLICY"
        assert data_policy.policy_tag == tags[privacy_class].name
        expression = data_policy.data_masking_policy.predefined_expression.name
        assert expression == ("SHA256" if privacy_class == "identifier" else "ALWAYS_NULL")
        bindings = [(b.role, list(b.members)) for b in state["privacy_policies"][tags[privacy_class].name].bindings]
        assert bindings == [("roles/datacatalog.categoryFineGrainedReader", ["group:pii-readers@example.com"])]
        bindings = [(b.role, list(b.members)) for b in state["privacy_policies"][data_policy.name].bindings]
        assert bindings == [("roles/bigquerydatapolicy.maskedReader", masked_readers)]

    server.requests.clear()
    second = plan_for(configured, clients)
    assert second.pending == [] and second.summary().startswith("nothing to change: 17 resources")
    assert mutations(server) == []


def test_a_second_governance_apply_says_nothing_to_change(settings, api, monkeypatch):
    server, _, clients = api
    apply(plan_for(settings, clients))
    server.requests.clear()
    lines = dry_run(settings, clients, monkeypatch)
    assert privacy_lines(lines)[0] == f"= exists policy tag taxonomy {TAXONOMY} in {LOCATION}"
    assert all(line.startswith("= exists") for line in privacy_lines(lines))
    assert len(privacy_lines(lines)) == 9 and mutations(server) == []


def test_a_changed_masking_updates_exactly_that_data_policy(settings, api):
    _, state, clients = api
    apply(plan_for(settings, clients))
    changed = with_readers(settings, precise_location="DEFAULT_MASKING_VALUE")

    plan = plan_for(changed, clients)
    assert [(s.resource.kind, s.resource.name, s.differences) for s in plan.pending] == [
        (
            "bigquery data policy",
            f"{LOCATION}/dataPolicies/clickstream_precise_location",
            ["masking: ALWAYS_NULL -> DEFAULT_MASKING_VALUE"],
        )
    ]
    apply(plan)
    expressions = {
        name.rsplit("/", 1)[-1]: p.data_masking_policy.predefined_expression.name
        for name, p in state["data_policies"].items()
    }
    assert expressions == {
        "clickstream_identifier": "SHA256",
        "clickstream_precise_location": "DEFAULT_MASKING_VALUE",
        "clickstream_device_fingerprint": "ALWAYS_NULL",
        "clickstream_network_address": "ALWAYS_NULL",
    }
    assert plan_for(changed, clients).pending == []


def test_removed_readers_lose_their_binding(settings, api):
    _, state, clients = api
    apply(plan_for(with_readers(settings, **READERS), clients))
    fewer = with_readers(settings, raw=READERS["raw"], analyst=["group:analysts@example.com"])
    plan = plan_for(fewer, clients)
    assert {s.resource.kind for s in plan.pending} == {"data policy readers"} and len(plan.pending) == 4
    apply(plan)
    policy = state["privacy_policies"][f"{LOCATION}/dataPolicies/clickstream_network_address"]
    assert [list(b.members) for b in policy.bindings] == [["group:analysts@example.com"]]


def test_policy_tag_vars_name_each_existing_tag(settings, api):
    _, state, clients = api
    assert policy_tag_vars(clients, "acme", "US", settings) == {}
    apply(plan_for(settings, clients))
    tags = {t.display_name: t.name for t in state["policy_tags"].values()}
    assert policy_tag_vars(clients, "acme", "US", settings) == {f"policy_tag_{c}": tags[c] for c in CLASSES}


def test_without_credentials_the_dry_run_declares_them(settings, monkeypatch):
    from google.auth.exceptions import DefaultCredentialsError

    def no_credentials():
        raise DefaultCredentialsError("no credentials")

    monkeypatch.setattr(governance_cli, "real_clients", no_credentials)
    lines = command_lines(DRY_RUN)
    assert f"? declare policy tag taxonomy {TAXONOMY} in {LOCATION}" in lines
    assert f"? declare bigquery data policy {LOCATION}/dataPolicies/clickstream_identifier" in lines


def test_an_unknown_masking_is_refused(settings, api):
    from glue.settings import SettingsError

    _, _, clients = api
    with pytest.raises(SettingsError, match="masking 'HASH'"):
        plan_for(with_readers(settings, identifier="HASH"), clients)

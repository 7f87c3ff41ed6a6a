"""The job as a resource of `clickstream deploy`'s plan (glue.provision.plan), and what its
launch is made of in each environment."""

from __future__ import annotations

import pytest

from glue.dataflow import dos_alert_job_resources, job_launch, template_image, template_spec_path
from glue.provision.plan import apply, make_plan
from glue.settings import get_settings
from tests.dataflow.fakes import dataflow_api, dataflow_clients


@pytest.fixture
def fake():
    server, state = dataflow_api()
    yield server, state, dataflow_clients(server.start())
    server.stop()


def test_the_resource_plans_and_applies_like_any_other(fake, monkeypatch):
    monkeypatch.delenv("CLICKSTREAM_LANDING_BUCKET", raising=False)
    server, state, clients = fake
    settings = get_settings()
    target = settings.environment("prod", project="acme")
    spec, image = template_spec_path(settings, target), template_image(settings, target, "r1")
    resources = dos_alert_job_resources(settings, target, clients, spec, image, mapping={}, sleep=lambda s: None)
    plan = make_plan(resources)
    assert [s.action for s in plan.steps] == ["create"] and resources[0].kind == "Dataflow job (launch)"
    apply(plan)
    again = make_plan(dos_alert_job_resources(settings, target, clients, spec, image, mapping={}))
    assert [s.action for s in again.steps] == ["ok"]
    newer = dos_alert_job_resources(
        settings, target, clients, spec, template_image(settings, target, "r2"), mapping={}, sleep=lambda s: None
    )
    (step,) = make_plan(newer).steps
    assert step.action == "update" and step.differences[0].startswith("update in place: image r1 -> r2")


def test_a_developers_job_has_its_own_name_and_datasets(monkeypatch):
    monkeypatch.setenv("CLICKSTREAM_DEVELOPER", "Ann.B")
    monkeypatch.delenv("CLICKSTREAM_LANDING_BUCKET", raising=False)
    settings = get_settings()
    target = settings.environment("dev")
    launch = job_launch(settings, target, "gs://b/templates/dos-alert.json", "img:1")
    assert launch.job_name == "clickstream-dos-alert-ann-b"
    assert launch.parameters["counts-table"] == "clickstream-dev:clickstream_ann_b.page_views_per_minute_stream"
    assert launch.environment["max_workers"] == 1
    parameter = launch.parameter(update=True, mapping={"A": "B"}, validate_only=True)
    assert list(parameter.environment.additional_experiments) == ["graph_validate_only"]
    assert dict(parameter.transform_name_mappings) == {"A": "B"} and parameter.update

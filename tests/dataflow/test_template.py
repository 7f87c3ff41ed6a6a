"""The Flex Template: its image installs from uv.lock and runs the pipeline module, and its
metadata declares exactly the pipeline's options."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "dos_alert" / "Dockerfile"
METADATA = json.loads((ROOT / "dos_alert" / "metadata.json").read_text(encoding="utf-8"))


def instruction(name: str) -> str:
    """The value of the Dockerfile's last NAME instruction (ENV KEY=VALUE gives KEY=VALUE)."""
    lines = [line.split(None, 1)[1] for line in DOCKERFILE.read_text().splitlines() if line.startswith(name + " ")]
    assert lines, f"dos_alert/Dockerfile has no {name}"
    return lines[-1].strip()


def option_flags() -> dict[str, bool]:
    """DosAlertOptions' flags, without dashes, and whether the job requires each."""
    pytest.importorskip("apache_beam", reason="Apache Beam is not installed")
    import argparse

    from dos_alert.pipeline import REQUIRED, DosAlertOptions

    parser = argparse.ArgumentParser()
    DosAlertOptions._add_argparse_args(parser)
    return {
        action.option_strings[0][2:]: action.dest in REQUIRED
        for action in parser._actions
        if action.option_strings and action.option_strings[0].startswith("--") and action.dest != "help"
    }


@pytest.fixture(scope="module")
def flags() -> dict[str, bool]:
    return option_flags()


def test_the_metadata_names_exactly_the_pipelines_options(flags):
    declared = {p["name"]: p for p in METADATA["parameters"]}
    assert set(declared) == set(flags), "add or remove the option in dos_alert/metadata.json too"
    for name, parameter in declared.items():
        assert parameter["label"] and parameter["helpText"], name
        assert parameter["isOptional"] is (not flags[name]), name
        for regex in parameter.get("regexes", []):
            re.compile(regex)


def test_the_metadata_regexes_accept_what_deploy_sends_and_is_a_template_metadata():
    from google.cloud import dataflow_v1beta3 as dataflow

    metadata = dataflow.TemplateMetadata.from_json(json.dumps(METADATA))
    assert metadata.name and metadata.description and metadata.streaming
    regexes = {p["name"]: p.get("regexes", []) for p in METADATA["parameters"]}
    sent = {
        "subscription": "projects/acme/subscriptions/visits-dos-alert",
        "alerts-topic": "projects/acme/topics/visits-alerts",
        "counts-table": "acme:clickstream_ann.page_views_per_minute_stream",
        "archive-dir": "gs://acme-clickstream-landing/archive",
        "window-seconds": "60",
    }
    for name, value in sent.items():
        assert all(re.fullmatch(r, value) for r in regexes[name]), (name, value)
    assert not any(re.fullmatch(r, "abc") for r in regexes["window-seconds"])


def test_the_image_installs_the_lock_and_uses_its_beam_and_python():
    text = DOCKERFILE.read_text()
    assert "uv export --frozen --no-dev --extra beam --no-emit-project" in text
    assert "uv pip install --system --require-hashes" in text and "--no-deps" in text
    lock = (ROOT / "uv.lock").read_text()
    beam = re.search(r'name = "apache-beam"\nversion = "([^"]+)"', lock).group(1)
    base = re.search(r"^FROM apache/beam_python(\d+\.\d+)_sdk:(\S+)$", text, re.M)
    assert base and base.group(2) == beam, "the SDK image's Beam must be the locked one"
    assert re.search(r"python(\d)(\d+)-template-launcher-base", text).groups() == tuple(base.group(1).split("."))
    uv = re.search(r"^uv==(\S+)", (ROOT / ".ci" / "uv.txt").read_text(), re.M)
    if uv:
        assert f"ghcr.io/astral-sh/uv:{uv.group(1)} " in text


def test_the_entrypoint_runs_from_the_lock_and_lists_the_pipeline_options(flags):
    key, _, path = instruction("ENV").partition("=")
    assert key == "FLEX_TEMPLATE_PYTHON_PY_FILE"
    workdir = instruction("WORKDIR")
    local = ROOT / Path(path).relative_to(workdir)  # the image's WORKDIR is the repository root
    assert local.is_file(), local
    ran = subprocess.run([sys.executable, str(local), "--help"], capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0, ran.stderr
    for flag in flags:
        assert f"--{flag}" in ran.stdout


@pytest.mark.skipif(not shutil.which("hadolint", path=str(Path(sys.executable).parent)), reason="no hadolint")
def test_the_dockerfile_passes_hadolint():
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent))
    ran = subprocess.run([hadolint, str(DOCKERFILE)], capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0, ran.stdout + ran.stderr

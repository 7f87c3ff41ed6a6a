"""The lock: uv.lock pins what pyproject.toml asks for, and the check `make lint` runs fails when
they disagree, so a dependency change cannot land without its lock."""

from __future__ import annotations

import shutil
import subprocess
import tomllib

import pytest

from glue.settings import PROJECT_ROOT

UV = PROJECT_ROOT / ".uv" / "bin" / "uv"
pytestmark = pytest.mark.skipif(not UV.exists(), reason="uv is installed by `make setup` (.uv/bin/uv)")


def check(folder) -> subprocess.CompletedProcess:
    return subprocess.run([str(UV), "lock", "--check"], cwd=folder, capture_output=True, text=True, timeout=120)


def test_the_lock_matches_pyproject_and_a_changed_requirement_fails_the_check(tmp_path):
    for name in ("pyproject.toml", "uv.lock"):
        shutil.copy(PROJECT_ROOT / name, tmp_path / name)
    assert check(tmp_path).returncode == 0

    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"pyyaml>=6,<7"', '"pyyaml>=6,<6.0.1"'))
    stale = check(tmp_path)
    assert stale.returncode != 0
    assert "needs to be updated" in stale.stderr


def test_every_extra_is_locked_with_hashes_and_beam_is_the_version_the_job_is_typed_for():
    lock = tomllib.loads((PROJECT_ROOT / "uv.lock").read_text())
    packages = {p["name"]: p for p in lock["package"]}
    project = packages["clickstream-elt"]
    assert set(project["optional-dependencies"]) == {"dev", "beam"}
    assert packages["apache-beam"]["version"] == "2.78.0"
    registry = [p for p in lock["package"] if "registry" in p.get("source", {})]
    assert registry and all(all(w.get("hash", "").startswith("sha256:") for w in p.get("wheels", [])) for p in registry)

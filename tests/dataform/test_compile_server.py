"""The long-lived compile server answers what `dataform compile --json` prints (glue/dataform/compile_server.js)."""

from __future__ import annotations

import json
import subprocess

import pytest

from glue.dataform import CompilationError
from glue.dataform.compiler import CompileWorker, _node_modules
from tests.conftest import copy_project


@pytest.fixture(scope="module")
def worker(settings):
    running = CompileWorker(_node_modules(settings.dataform_cli))
    yield running
    running.close()


def test_the_server_compiles_what_the_cli_prints(settings, worker):
    variables = {"ml_dataset": "ml_elsewhere", "user_data_retention_days": "30"}
    printed = subprocess.run(
        [
            str(settings.dataform_cli),
            "compile",
            str(settings.root),
            "--json",
            "--vars=" + ",".join(f"{k}={v}" for k, v in variables.items()),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert worker.compile(settings.root, variables, timeout=120) == json.loads(printed.stdout)


def test_the_server_compiles_each_edit_and_places_its_errors(settings, worker, tmp_path):
    root = copy_project(settings, tmp_path / "project")
    mart = root / "definitions" / "marts" / "visits_by_page.sqlx"
    first = worker.compile(root, None, timeout=120)
    mart.write_text(mart.read_text().replace('ref("page_totals")', 'ref("page_totalz")'))
    with pytest.raises(CompilationError) as refused:
        worker.compile(root, None, timeout=120)
    assert 'did you mean "page_totals"' in str(refused.value) and "definitions/marts/visits_by_page.sqlx:" in str(
        refused.value
    )
    mart.write_text(mart.read_text().replace('ref("page_totalz")', 'ref("page_totals")') + "\n-- again\n")
    again = worker.compile(root, None, timeout=120)  # the same process, after a failed compile
    [before] = [t for t in first["tables"] if t["target"]["name"] == "visits_by_page"]
    [after] = [t for t in again["tables"] if t["target"]["name"] == "visits_by_page"]
    assert after["query"].rstrip() == before["query"].rstrip() + "\n\n-- again"


def test_what_the_projects_javascript_logs_does_not_break_the_answers(settings, worker, tmp_path):
    root = copy_project(settings, tmp_path / "project")
    (root / "includes" / "noisy.js").write_text('console.log("hello from an include");\nmodule.exports = {};\n')
    assert worker.compile(root, None, timeout=120)["tables"]

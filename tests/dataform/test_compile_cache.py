"""A process compiles the same project text with the same vars once (glue/dataform/compiler.py)."""

from __future__ import annotations

from glue.dataform.compiler import compile_project, project_hash
from tests.conftest import copy_project


def test_a_compilation_is_reused_until_a_file_or_a_var_changes(settings, tmp_path):
    root = copy_project(settings, tmp_path / "project")

    first = compile_project(root, settings.dataform_cli)
    first["tables"].clear()  # each caller gets its own copy
    again = compile_project(root, settings.dataform_cli)
    assert again["tables"]
    names = {t["target"]["name"] for t in again["tables"]}
    assert "visits_by_hour" not in names

    before = project_hash(root)
    (root / "definitions" / "marts" / "visits_by_hour.sqlx").write_text(
        'config { type: "view", columns: privacy.classified({visits: "Visits."}) }\nSELECT COUNT(*) AS visits FROM ${ref("sessions")}\n'
    )
    assert project_hash(root) != before
    changed = compile_project(root, settings.dataform_cli)
    assert "visits_by_hour" in {t["target"]["name"] for t in changed["tables"]}
    with_vars = compile_project(root, settings.dataform_cli, {"user_data_retention_days": "30"})
    assert with_vars != changed


def test_a_compilation_on_disk_serves_a_new_process_without_compiling(settings, tmp_path, monkeypatch):
    from glue.dataform import compiler

    root, cache = copy_project(settings, tmp_path / "project"), tmp_path / "compiled"
    compiled = compile_project(root, settings.dataform_cli, {"ml_dataset": "ml_x"}, cache_dir=cache)
    assert len(list(cache.glob("*.json"))) == 1
    monkeypatch.setattr(compiler, "_COMPILED", {})  # as in a new process

    def no_compiler(modules):
        raise AssertionError("compiled again although the project did not change")

    monkeypatch.setattr(compiler, "_worker", no_compiler)
    assert compile_project(root, settings.dataform_cli, {"ml_dataset": "ml_x"}, cache_dir=cache) == compiled
    monkeypatch.undo()
    (root / "definitions" / "marts" / "visits_by_page.sqlx").write_text(
        (root / "definitions" / "marts" / "visits_by_page.sqlx").read_text() + "\n-- edited\n"
    )
    edited = compile_project(root, settings.dataform_cli, {"ml_dataset": "ml_x"}, cache_dir=cache)
    assert edited != compiled and len(list(cache.glob("*.json"))) == 2

"""Starting, the service logs where it listens, the model it serves and the training that produced
it, as far as the export says: from PredictionService.start, and through `clickstream ml serve`."""

from __future__ import annotations

import json
import shutil

import duckdb
import uvicorn
from click.testing import CliRunner

from glue.cli import main
from glue.ml.serving import load_model
from tests.ml.serving.helpers import ListSink, service


def _startup_line(model_dir) -> str:
    lines = []
    served = service(model_dir, ListSink(), log=lines.append, address="127.0.0.1:8123")
    served.start()
    served.stop()
    [line] = [line for line in lines if line.startswith("serving on")]
    return line


def test_the_startup_line_names_the_address_the_model_and_that_the_export_records_no_training(model_dir):
    line = _startup_line(model_dir)
    version = load_model(model_dir).version
    assert line.startswith(f"serving on http://127.0.0.1:8123: model {version} (BOOSTED_TREE_CLASSIFIER, 9 features: ")
    assert f"from {model_dir}" in line and "batches of at most 1,000" in line
    assert "training: not recorded in the export (model_metadata.json written 20" in line


def test_the_startup_line_names_the_training_an_export_records(model_dir, tmp_path):
    copy = shutil.copytree(model_dir, tmp_path / "model")
    # As EXPORT DATA writes it: newline-delimited JSON, the wildcard filled in.
    record = {"trained_at": "2024-08-20 10:00:00 UTC", "reason": "first training", "training_visits": 480}
    (copy / "assets" / "training-000000000000.json").write_text(json.dumps(record) + "\n")
    line = _startup_line(copy)
    assert "training: trained_at 2024-08-20 10:00:00 UTC, reason first training, training_visits 480 (exported " in line


def test_clickstream_ml_serve_logs_the_line_with_the_address_it_was_given(model_dir, tmp_path, monkeypatch):
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as db:
        db.execute("CREATE SCHEMA clickstream_ml")
        db.execute(
            "CREATE TABLE clickstream_ml.session_features "
            "(user_id VARCHAR, session_start TIMESTAMPTZ, purchased BOOLEAN, loaded_at TIMESTAMPTZ)"
        )
    ran = {}

    def run(app, **options):  # uvicorn's lifespan, without the server
        ran.update(options)
        app.start()
        app.stop()

    monkeypatch.setattr(uvicorn, "run", run)
    arguments = ["ml", "serve", "--model", str(model_dir), "--warehouse", str(warehouse), "--port", "8123"]
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code == 0, result.output
    assert (ran["host"], ran["port"]) == ("127.0.0.1", 8123)  # clickstream.yaml's host, the port given
    assert "serving on http://127.0.0.1:8123: model " in result.stderr
    assert "training: not recorded in the export" in result.stderr

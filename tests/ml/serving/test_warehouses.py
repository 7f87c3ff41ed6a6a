"""glue/ml/serving/warehouses.py: the local warehouse, and BigQuery at the request level."""

from datetime import datetime, timezone

import duckdb

from glue.ml.serving import COLUMNS, BigQueryWarehouse, LocalWarehouse

ROW = {
    "prediction_id": "p1",
    "predicted_at": datetime(2024, 8, 20, 10, tzinfo=timezone.utc),
    "visit_id": None,
    "user_id": "UID-1",
    "inputs": {"page_views": 3},
    "probability": 0.25,
    "model_version": "abc",
    "out_of_range_features": [],
}


def test_the_local_warehouse_gives_history_and_keeps_predictions(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as db:
        db.execute("CREATE SCHEMA ml")
        db.execute(
            "CREATE TABLE ml.session_features AS SELECT * FROM (VALUES "
            "('u1', TIMESTAMPTZ '2024-08-01 00:00:00+00', TRUE, TIMESTAMPTZ '2024-08-02 00:00:00+00')) "
            "AS t(user_id, session_start, purchased, loaded_at)"
        )
    store = LocalWarehouse(path, "ml", suppression="staging.erased_users")
    assert store.erasures() == 0  # no list yet
    with duckdb.connect(str(path)) as db:
        db.execute("CREATE SCHEMA staging")
        db.execute("CREATE TABLE staging.erased_users AS SELECT 'k1' AS user_key UNION ALL SELECT 'k2'")
    assert store.erasures() == 2
    assert store.newest_load() == datetime(2024, 8, 2, tzinfo=timezone.utc)
    assert store.history_rows() == [("u1", datetime(2024, 8, 1, tzinfo=timezone.utc).timestamp(), True)]
    store.write([ROW, {**ROW, "prediction_id": "p2", "out_of_range_features": ["page_views", "cart_value"]}])
    with duckdb.connect(str(path), read_only=True) as db:
        assert db.execute(
            "SELECT prediction_id, inputs->>'page_views', probability, out_of_range_features FROM ml.predictions"
        ).fetchall() == [
            ("p1", "3", 0.25, []),
            ("p2", "3", 0.25, ["page_views", "cart_value"]),
        ]


def test_a_predictions_table_older_than_a_column_gets_it_at_the_first_write(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as db:
        db.execute("CREATE SCHEMA ml")
        db.execute(
            "CREATE TABLE ml.predictions (prediction_id VARCHAR, predicted_at TIMESTAMPTZ, visit_id VARCHAR, "
            "user_id VARCHAR, inputs JSON, probability DOUBLE, model_version VARCHAR)"
        )
        db.execute("INSERT INTO ml.predictions VALUES ('p0', now(), NULL, 'UID-0', '{}', 0.5, 'old')")
    LocalWarehouse(path, "ml").write([{**ROW, "out_of_range_features": ["page_views"]}])
    with duckdb.connect(str(path), read_only=True) as db:
        rows = db.execute("SELECT prediction_id, out_of_range_features FROM ml.predictions ORDER BY 1").fetchall()
    assert rows == [("p0", None), ("p1", ["page_views"])]


class FakeBigQuery:
    def __init__(self):
        self.queries, self.inserted = [], []

    def query(self, sql):
        self.queries.append(sql)
        return self

    def result(self):
        return []

    def insert_rows_json(self, table, rows):
        self.inserted.append((table, rows))
        return []


def test_bigquery_gets_the_table_made_and_predictions_streamed_with_json_inputs():
    client = FakeBigQuery()
    store = BigQueryWarehouse(client, "acme", "clickstream_ml")
    store.ensure_table()
    assert "CREATE TABLE IF NOT EXISTS `acme.clickstream_ml.predictions`" in client.queries[0]
    assert "inputs JSON" in client.queries[0] and "PARTITION BY DATE(predicted_at)" in client.queries[0]
    assert "out_of_range_features ARRAY<STRING>" in client.queries[0]
    # A table made by an older service gets the column before a row with it is streamed.
    assert client.queries[1] == (
        "ALTER TABLE `acme.clickstream_ml.predictions` ADD COLUMN IF NOT EXISTS out_of_range_features ARRAY<STRING>"
    )
    store.write([{**ROW, "out_of_range_features": ["page_views"]}])
    [(table, [row])] = client.inserted
    assert table == "acme.clickstream_ml.predictions"
    assert row["inputs"] == '{"page_views": 3}' and row["predicted_at"] == "2024-08-20T10:00:00+00:00"
    assert row["out_of_range_features"] == ["page_views"]


def test_the_columns_both_writers_write_are_those_the_declaration_describes(settings, graph):
    declared = graph.actions[f"{settings.ml_dataset}.{settings.ml['serve']['predictions_table']}"]
    assert list(declared.columns) == [name for name, _ in COLUMNS]
    assert all(declared.columns.values())

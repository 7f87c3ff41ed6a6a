"""glue/ml/serving/warehouses.py: the local warehouse, and BigQuery at the request level."""

from datetime import datetime, timezone

import duckdb

from glue.ml.serving import BigQueryWarehouse, LocalWarehouse

ROW = {
    "prediction_id": "p1",
    "predicted_at": datetime(2024, 8, 20, 10, tzinfo=timezone.utc),
    "visit_id": None,
    "user_id": "UID-1",
    "inputs": {"page_views": 3},
    "probability": 0.25,
    "model_version": "abc",
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
    store.write([ROW, {**ROW, "prediction_id": "p2"}])
    with duckdb.connect(str(path), read_only=True) as db:
        assert db.execute(
            "SELECT prediction_id, inputs->>'page_views', probability FROM ml.predictions"
        ).fetchall() == [
            ("p1", "3", 0.25),
            ("p2", "3", 0.25),
        ]


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
    store.write([ROW])
    [(table, [row])] = client.inserted
    assert table == "acme.clickstream_ml.predictions"
    assert row["inputs"] == '{"page_views": 3}' and row["predicted_at"] == "2024-08-20T10:00:00+00:00"

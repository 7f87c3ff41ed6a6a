"""`clickstream privacy erase --env ENV --user ID` at the request level: BigQuery's jobs.query
answered by the statements run (translated) on a local warehouse, Dataform's API by the fake
that records compilations and invocations, Cloud Storage by its emulator."""

from __future__ import annotations

import json
import re
from datetime import datetime

import duckdb
import pytest
from click.testing import CliRunner

from glue.cli import main
from glue.runner import Translator, connect
from tests.cloud_apis import _error, _response, dataform_api, dataform_client
from tests.privacy.test_erasure import ERASED, a_visit, clickstream

pytestmark = pytest.mark.emulator
PROJECT = "acme-erase"
QUERIES = re.compile(r"^/bigquery/v2/projects/([^/]+)/queries$")
TAGS = {"policy_tag_identifier": "projects/acme-erase/locations/us/taxonomies/1/policyTags/2"}


class WarehouseQueries:
    """BigQuery's jobs.query on a DuckDB warehouse: each statement, its parameters written in as
    BigQuery literals, runs translated as the local runner runs models. Records (sql, parameters)."""

    is_mtls = False

    def __init__(self, warehouse):
        self.warehouse = warehouse
        self.sent: list[tuple[str, dict]] = []

    def request(self, method, url, data=None, headers=None, timeout=None, **_):
        from urllib.parse import urlparse

        body = json.loads(data)
        assert method == "POST" and QUERIES.match(urlparse(url).path), (method, url)
        parameters = {p["name"]: p for p in body.get("queryParameters", [])}
        self.sent.append((body["query"], parameters))
        sql = re.sub(r"@(\w+)", lambda m: _literal(parameters[m.group(1)]), body["query"])
        db = connect(self.warehouse)
        try:
            cursor = db.execute(Translator("erasure").query(sql))
            columns = [d[0] for d in cursor.description] if cursor.description else []
            rows = cursor.fetchall() if columns else []
        except duckdb.CatalogException as error:  # as BigQuery answers a query of a missing table
            return _error(method, url, 404, "notFound", f"Not found: {error}")
        finally:
            db.close()
        dml = sql.split(None, 1)[0].upper() in ("UPDATE", "DELETE", "INSERT")
        response = {"jobComplete": True, "totalBytesProcessed": "1000", "totalRows": str(len(rows))}
        if dml:
            response["numDmlAffectedRows"] = str(rows[0][0] if rows else 0)
        else:
            response["schema"] = {"fields": [{"name": c, "type": _type(rows, i)} for i, c in enumerate(columns)]}
            response["rows"] = [{"f": [{"v": _value(v)} for v in row]} for row in rows]
        return _response(method, url, 200, response)


def _literal(parameter) -> str:
    kind = parameter["parameterType"]["type"]
    if kind == "ARRAY":
        values = [v["value"] for v in parameter["parameterValue"].get("arrayValues", [])]
        return "[" + ", ".join(f"TIMESTAMP '{v}'" for v in values) + "]"
    value = parameter["parameterValue"]["value"]
    return value if kind == "INT64" else "'" + value.replace("'", "\\'") + "'"


def _type(rows, i) -> str:
    sample = next((row[i] for row in rows if row[i] is not None), 0)
    return "TIMESTAMP" if isinstance(sample, datetime) else "INTEGER"


def _value(value):
    if isinstance(value, datetime):
        return str(int(value.timestamp() * 1_000_000))
    return None if value is None else str(int(value))


@pytest.fixture
def cloud(workspace, storage_emulator, monkeypatch):
    """A warehouse with the user in the payload store, the raw table, the ml tables and the stored
    predictions (one streamed minutes ago); the bucket's landing object and archive file; the
    clients `privacy erase --env` uses, on the fakes."""
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import bigquery, storage

    import glue.cli.privacy
    import glue.governance.policy_tags
    from glue.settings import get_settings

    landing = workspace / "in" / "visits-2024-07-01T09.jsonl"
    landing.parent.mkdir()
    visits = [a_visit(ERASED, "SID-E1", 1), a_visit("UID-KEEP-1", "SID-K1", 1)]
    lines = "\n".join(json.dumps(v) for v in visits) + "\nnot json at all\n"
    landing.write_text(lines)
    clickstream(
        "local",
        "run",
        "--input",
        str(landing),
        "--actions",
        "clickstream_ml.session_features",
        "--no-notify",
        "--no-check",
    )
    db = connect(workspace / "local" / "warehouse.duckdb")
    db.execute(
        "INSERT INTO clickstream_raw.visits_pubsub VALUES ('visits-to-bigquery', 'm1', now(), ?, '{}')",
        [json.dumps(a_visit(ERASED, "SID-E2", 3))],
    )
    db.execute("CREATE SCHEMA IF NOT EXISTS clickstream_ml")
    db.execute(
        "CREATE TABLE clickstream_ml.predictions (prediction_id VARCHAR, predicted_at TIMESTAMPTZ, visit_id VARCHAR, "
        "user_id VARCHAR, inputs JSON, probability DOUBLE, model_version VARCHAR)"
    )
    db.execute(
        "INSERT INTO clickstream_ml.predictions VALUES "
        "('p-old', now() - INTERVAL 3 HOUR, 'v1', ?, '{}', 0.4, 'm1'), "
        "('p-new', now() - INTERVAL 5 MINUTE, 'v2', ?, '{}', 0.4, 'm1'), "
        "('p-keep', now() - INTERVAL 3 HOUR, 'v3', 'UID-KEEP-1', '{}', 0.6, 'm1')",
        [ERASED, ERASED],
    )
    db.close()

    settings = get_settings()
    gcs = storage.Client(project=PROJECT, credentials=AnonymousCredentials())
    bucket = gcs.create_bucket(settings.landing_bucket_for(PROJECT))
    bucket.blob(f"{settings.landing_prefix}/hour=2024-07-01T09/visits.jsonl").upload_from_string(lines)
    archived = [{"payload": json.dumps(v), "attributes": {"client_ip": "198.51.100.0"}} for v in visits]
    bucket.blob("archive/raw/raw-2024-07-01T09:00:00-2024-07-01T09:05:00-00000-of-00001.jsonl").upload_from_string(
        "\n".join(json.dumps(a) for a in archived) + "\n"
    )

    queries = WarehouseQueries(workspace / "local" / "warehouse.duckdb")
    server, state = dataform_api()
    state["script"]["states"] = ["SUCCEEDED"]
    channel = server.start()
    bq = bigquery.Client(project=PROJECT, credentials=AnonymousCredentials(), _http=queries, location="US")
    monkeypatch.setattr(glue.cli.privacy, "cloud_clients_for", lambda target: (bq, gcs, dataform_client(channel), None))
    monkeypatch.setattr(glue.governance.policy_tags, "policy_tag_vars", lambda *args: TAGS)
    yield queries, state, bucket, workspace / "local" / "warehouse.duckdb"
    server.stop()


def erase(*flags) -> str:
    result = CliRunner().invoke(
        main, ["privacy", "erase", "--env", "staging", "--project", PROJECT, "--user", ERASED, *flags]
    )
    assert result.exit_code == 0, result.output
    return result.output


def held(warehouse) -> dict[str, int]:
    db = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {
            "payloads": db.execute(
                "SELECT COUNT(*) FROM clickstream_staging.stg_visit_payloads WHERE payload LIKE ?", [f"%{ERASED}%"]
            ).fetchone()[0],
            "raw": db.execute(
                "SELECT COUNT(*) FROM clickstream_raw.visits_pubsub WHERE data LIKE ?", [f"%{ERASED}%"]
            ).fetchone()[0],
            **{
                table: db.execute(
                    f"SELECT COUNT(*) FROM clickstream_ml.{table} WHERE user_id = ?", [ERASED]
                ).fetchone()[0]
                for table in ("session_features", "predictions")
            },
            "others": db.execute(
                "SELECT COUNT(*) FROM clickstream_ml.predictions WHERE user_id != ?", [ERASED]
            ).fetchone()[0],
            "listed": db.execute("SELECT COUNT(*) FROM clickstream_staging.erased_users").fetchone()[0],
        }
    finally:
        db.close()


def test_an_erasure_on_bigquery_sends_the_id_only_as_a_parameter_and_reaches_every_store(cloud):
    queries, dataform, bucket, warehouse = cloud
    before = held(warehouse)
    assert before["payloads"] == 1 and before["raw"] == 1 and before["session_features"] == 1
    assert before["predictions"] == 2 and before["listed"] == 0

    dry = erase("--dry-run")
    assert "would erase" in dry and "payload store: 1 payload(s) emptied" in dry
    assert "delete: 1 row(s) from acme-erase.clickstream_raw.visits_pubsub" in dry
    assert "delete: 1 row(s) from acme-erase.clickstream_ml.predictions" in dry
    assert "not yet: 1 row(s) of acme-erase.clickstream_ml.predictions" in dry
    assert dry.count("rewrite without the user's lines") == 2
    assert all(sql.lstrip().startswith("SELECT") for sql, _ in queries.sent)
    assert held(warehouse) == before and not dataform["invocations"]

    done = erase()
    assert "erased UID-ERASE-ME" in done
    after = held(warehouse)
    assert after == {
        **before,
        "payloads": 0,
        "raw": 0,
        "session_features": 0,
        "predictions": 1,
        "listed": 1,
    }
    # The id is in no statement's text: BigQuery keeps the text in its job history.
    assert queries.sent and not [sql for sql, _ in queries.sent if ERASED in sql]
    assert {p["parameterValue"]["value"] for _, ps in queries.sent for n, p in ps.items() if n == "user_id"} == {ERASED}
    # The reprocessing: one compilation of the load's day, with its range and the policy tags,
    # and one invocation naming the actions it runs and no others.
    [compilation] = dataform["compilations"].values()
    compiled_vars = dict(compilation.code_compilation_config.vars)
    assert compiled_vars["reprocess_from"] and compiled_vars["reprocess_until"] > compiled_vars["reprocess_from"]
    assert compiled_vars["policy_tag_identifier"] == TAGS["policy_tag_identifier"]
    [invocation] = dataform["invocations"].values()
    config = invocation.invocation_config
    assert not config.transitive_dependencies_included and invocation.compilation_result == compilation.name
    targets = {f"{t.database}.{t.schema}.{t.name}" for t in config.included_targets}
    assert {"acme-erase.clickstream.sessions", "acme-erase.clickstream_staging.stg_visits"} <= targets
    assert "acme-erase.clickstream_staging.stg_visit_payloads" not in targets
    # The objects: the user's lines gone, the others' kept.
    for blob in bucket.client.list_blobs(bucket):
        text = blob.download_as_text()
        assert ERASED not in text and "UID-KEEP-1" in text, blob.name
    assert "not yet: 1 row(s) of acme-erase.clickstream_ml.predictions" in done

    # A second erasure changes nothing and still says what waits for the streaming buffer. (The
    # fake Dataform runs nothing: staging is left as the reprocessing leaves it, without the
    # user, as tests/privacy/test_erasure.py shows the reprocessing itself does.)
    db = connect(warehouse)
    db.execute("DELETE FROM clickstream_staging.stg_visits WHERE user_id = ?", [ERASED])
    db.close()
    after = held(warehouse)
    sent = len(queries.sent)
    again = erase()
    assert all(sql.lstrip().startswith("SELECT") for sql, _ in queries.sent[sent:])
    assert held(warehouse) == after and len(dataform["invocations"]) == 1
    assert "not yet: 1 row(s)" in again and "reprocess: 0 load(s)" in again


def test_without_credentials_the_erasure_says_how_to_get_them(monkeypatch):
    from google.auth.exceptions import DefaultCredentialsError

    import glue.cli.privacy

    def no_credentials(target):
        raise DefaultCredentialsError("none")

    monkeypatch.setattr(glue.cli.privacy, "cloud_clients_for", no_credentials)
    result = CliRunner().invoke(main, ["privacy", "erase", "--env", "prod", "--user", "U1", "--dry-run"])
    assert result.exit_code == 2 and "gcloud auth application-default login" in result.output

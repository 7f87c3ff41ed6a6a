"""`clickstream privacy erase --user ID`: one user erased from every store, the others untouched,
the aggregates as if the user had never visited, and nothing brings the user back."""

from __future__ import annotations

import copy
import json
import shutil
from datetime import datetime, timedelta, timezone

from click.testing import CliRunner

from glue.cli import main
from glue.runner import connect
from tests.conftest import BASE_VISIT

ERASED = "UID-ERASE-ME"
PER_MINUTE = ("page_views_per_minute", "activity_per_minute")


def a_visit(user_id: str, session_id: str, minute: int) -> dict:
    visit = copy.deepcopy(BASE_VISIT)
    visit["user_id"], visit["session_id"] = user_id, session_id
    for event in visit["events"]:
        event["event"]["timestamp"] = event["event"]["timestamp"].replace("09:00", f"09:{minute:02d}")
    return visit


def clickstream(*args):
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def strings_naming(workspace, user_id: str) -> list[str]:
    """Every table column and every file of the local directory that holds the id anywhere."""
    db = connect(workspace / "local" / "warehouse.duckdb")
    found = []
    try:
        for schema, table, column in db.execute(
            "SELECT c.table_schema, c.table_name, c.column_name FROM information_schema.columns c "
            "JOIN information_schema.tables t USING (table_catalog, table_schema, table_name) "
            "WHERE t.table_type = 'BASE TABLE' AND c.data_type IN ('VARCHAR', 'JSON')"
        ).fetchall():
            sql = f'SELECT COUNT(*) FROM "{schema}"."{table}" WHERE CAST("{column}" AS VARCHAR) LIKE ?'
            if db.execute(sql, [f"%{user_id}%"]).fetchone()[0]:
                found.append(f"{schema}.{table}.{column}")
    finally:
        db.close()
    for path in (workspace / "local").rglob("*"):
        if path.is_file() and path.suffix in (".jsonl", ".json") and user_id in path.read_text(errors="replace"):
            found.append(str(path.relative_to(workspace)))
    return found


def rows(workspace, sql: str) -> list[tuple]:
    db = connect(workspace / "local" / "warehouse.duckdb")
    try:
        return sorted(db.execute(sql).fetchall(), key=str)
    finally:
        db.close()


def test_a_user_is_erased_everywhere_and_stays_erased(workspace):
    local = workspace / "local"
    # Landing objects: the user's first visit among others'.
    landing = workspace / "in" / "visits-2024-07-01T09.jsonl"
    landing.parent.mkdir()
    visits = [a_visit(ERASED, "SID-E1", 1), a_visit("UID-KEEP-1", "SID-K1", 1), a_visit("UID-KEEP-2", "SID-K2", 2)]
    landing.write_text("\n".join(json.dumps(v) for v in visits) + "\n")
    clickstream("local", "run", "--input", str(landing), "--no-notify")
    # Pub/Sub: the user's second visit, with a client IP, beside another user's.
    second, other = a_visit(ERASED, "SID-E2", 3), a_visit("UID-KEEP-3", "SID-K3", 3)
    db = connect(local / "warehouse.duckdb")
    published = datetime.now(timezone.utc) - timedelta(minutes=5)
    db.executemany(
        "INSERT INTO clickstream_raw.visits_pubsub VALUES (?, ?, ?, ?, ?)",
        [
            ("visits-to-bigquery", f"m{n}", published, json.dumps(v), '{"client_ip": "198.51.100.0"}')
            for n, v in enumerate([second, other])
        ],
    )
    # The stored predictions of the service.
    db.execute("CREATE SCHEMA IF NOT EXISTS clickstream_ml")
    db.execute(
        "CREATE TABLE clickstream_ml.predictions (prediction_id VARCHAR, predicted_at TIMESTAMPTZ, visit_id VARCHAR, "
        "user_id VARCHAR, inputs JSON, probability DOUBLE, model_version VARCHAR)"
    )
    db.execute(
        "INSERT INTO clickstream_ml.predictions VALUES ('p1', now(), 'v1', ?, ?, 0.4, 'm1'), "
        "('p2', now(), 'v2', 'UID-KEEP-1', '{}', 0.6, 'm1')",
        [ERASED, json.dumps({"user_id": ERASED})],
    )
    db.close()
    clickstream("local", "run", "--no-notify", "--no-check")
    clickstream("local", "run", "--actions", "clickstream_ml.session_features", "--no-notify", "--no-check")
    # The DoS-alert job's archive: both of the user's messages, and another user's.
    archive = local / "archive" / "raw" / "raw-2024-07-01T09:00:00-2024-07-01T09:05:00-00000-of-00001.jsonl"
    archive.parent.mkdir(parents=True)
    archive.write_text(
        "\n".join(
            json.dumps({"payload": json.dumps(v), "attributes": {"client_ip": "198.51.100.0"}})
            for v in (visits[0], second, other)
        )
        + "\n"
    )
    assert len(strings_naming(workspace, ERASED)) >= 8
    others = "SELECT * FROM clickstream.sessions WHERE user_id != '" + ERASED + "'"
    sessions_before = rows(workspace, others)
    events_before = rows(workspace, f"SELECT * FROM clickstream.events WHERE user_id != '{ERASED}'")
    assert len(sessions_before) == 3 and len(rows(workspace, "SELECT * FROM clickstream.sessions")) == 5

    dry = clickstream("privacy", "erase", "--user", ERASED, "--dry-run")
    assert "would erase" in dry and "payload store: 2 payload(s) emptied" in dry
    assert len(strings_naming(workspace, ERASED)) >= 8  # a dry run changes nothing

    done = clickstream("privacy", "erase", "--user", ERASED)
    assert "erased UID-ERASE-ME" in done
    assert strings_naming(workspace, ERASED) == []
    assert rows(workspace, others) == sessions_before
    assert rows(workspace, f"SELECT * FROM clickstream.events WHERE user_id != '{ERASED}'") == events_before
    assert rows(workspace, "SELECT user_id FROM clickstream_ml.predictions") == [("UID-KEEP-1",)]
    [(listed,)] = rows(workspace, "SELECT user_key FROM clickstream_staging.erased_users")
    assert ERASED not in listed and len(listed) == 64

    # A second erasure changes nothing.
    tables = {name: rows(workspace, f"SELECT * FROM clickstream.{name}") for name in ("sessions", *PER_MINUTE)}
    again = clickstream("privacy", "erase", "--user", ERASED)
    assert "already erased, nothing left to erase" in again
    assert {name: rows(workspace, f"SELECT * FROM clickstream.{name}") for name in tables} == tables

    # The aggregates: as a clean build from the payload store, where the user is no more.
    clean = workspace / "clean.duckdb"
    shutil.copy(local / "warehouse.duckdb", clean)
    clickstream("local", "run", "--warehouse", str(clean), "--full-refresh", "--no-notify")
    for name in PER_MINUTE:
        assert rows(workspace, f"SELECT * FROM clickstream.{name}") == sorted(
            connect(clean, read_only=True).execute(f"SELECT * FROM clickstream.{name}").fetchall(), key=str
        ), name

    # Nothing brings the user back: a replay of the archive, a late copy through Pub/Sub.
    clickstream("replay")
    db = connect(local / "warehouse.duckdb")
    db.execute(
        "INSERT INTO clickstream_raw.visits_pubsub VALUES ('visits-to-bigquery', 'late', ?, ?, '{}')",
        [datetime.now(timezone.utc), json.dumps(a_visit(ERASED, "SID-E3", 4))],
    )
    db.close()
    clickstream("local", "run", "--no-notify", "--no-check")
    # Only the raw table holds the late copy, as the subscription wrote it (its partitions expire
    # after 90 days); staging kept nothing of it.
    assert strings_naming(workspace, ERASED) == ["clickstream_raw.visits_pubsub.data"]
    reasons = rows(workspace, "SELECT first_reason FROM clickstream.rejected_visits WHERE payload IS NULL")
    assert reasons and all(r == ("erased: the user asked for their data to be erased",) for r in reasons)

    # Erasing again later also takes the raw copy out.
    assert "delete: 1 row(s) from clickstream_raw.visits_pubsub" in clickstream("privacy", "erase", "--user", ERASED)
    assert strings_naming(workspace, ERASED) == []


def test_the_payload_store_keeps_nothing_of_a_listed_user_on_both_engines(harness, settings, visit):
    """The suppression list as the SQL applies it, on the local runner and BigQuery's evaluator."""
    from glue.privacy import user_key

    harness.prior(
        "erased_users",
        [
            {
                "user_key": user_key(settings, ERASED),
                "erased_at": datetime(2026, 1, 1, tzinfo=timezone.utc),
                "rows_deleted": 3,
                "objects_rewritten": 1,
            }
        ],
    )
    harness.pubsub([{**visit, "user_id": ERASED}, {**visit, "session_id": "SID-OTHER"}])
    harness.run()

    [kept] = harness.rows("sessions", "user_id, session_id")
    assert kept == {"user_id": visit["user_id"], "session_id": "SID-OTHER"}
    [erased] = harness.rows("rejected_visits", "payload, reasons")
    assert erased == {"payload": None, "reasons": ["erased: the user asked for their data to be erased"]}
    assert harness.scalar("SELECT COUNT(*) FROM clickstream_staging.stg_visit_payloads WHERE payload IS NULL") == 1
    assert not harness.scalar(f"SELECT COUNT(*) FROM clickstream_staging.stg_visits WHERE user_id = '{ERASED}'")


def test_an_erasure_that_stopped_half_way_finishes_when_run_again(workspace):
    """Stopped after emptying the payloads, before the reprocessing: the next run still finds the
    loads (staging still names the user), and the aggregates end as a clean build's."""
    from glue import settings as settings_module
    from glue.privacy import erasure

    landing = workspace / "in" / "visits-2024-07-01T09.jsonl"
    landing.parent.mkdir()
    visits = [a_visit(ERASED, "SID-E1", 1), a_visit("UID-KEEP-1", "SID-K1", 1)]
    landing.write_text("\n".join(json.dumps(v) for v in visits) + "\n")
    clickstream("local", "run", "--input", str(landing), "--no-notify")
    db = connect(workspace / "local" / "warehouse.duckdb")
    erasure.empty_payloads(db, settings_module.get_settings(), ERASED)  # where the first run stopped
    db.close()

    done = clickstream("privacy", "erase", "--user", ERASED)
    assert "reprocess: 1 load(s)" in done
    assert strings_naming(workspace, ERASED) == []
    clean = workspace / "clean.duckdb"
    shutil.copy(workspace / "local" / "warehouse.duckdb", clean)
    clickstream("local", "run", "--warehouse", str(clean), "--full-refresh", "--no-notify")
    for name in PER_MINUTE:
        assert rows(workspace, f"SELECT * FROM clickstream.{name}") == sorted(
            connect(clean, read_only=True).execute(f"SELECT * FROM clickstream.{name}").fetchall(), key=str
        ), name

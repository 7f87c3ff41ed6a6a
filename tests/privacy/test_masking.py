"""`clickstream local query|show --as READER`: the personal columns masked as BigQuery's data
policies mask them for that reader (clickstream.yaml privacy)."""

from __future__ import annotations

import base64
import hashlib
import json

from click.testing import CliRunner

from glue.cli import main
from tests.conftest import BASE_VISIT


def sha256(text: str) -> str:
    """BigQuery's SHA256 masking of a STRING: the base64 of its SHA-256."""
    return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


def query(*args):
    return CliRunner().invoke(main, ["local", "query", *args, "--format", "json"])


def test_an_analyst_sees_identifiers_hashed_and_locations_null_and_joins_still_match(workspace):
    source = workspace / "in" / "visits-2024-07-01T09.jsonl"
    source.parent.mkdir()
    source.write_text(json.dumps(BASE_VISIT) + "\n")
    assert CliRunner().invoke(main, ["local", "run", "--input", str(source), "--no-notify"]).exit_code == 0
    sql = "SELECT user_id, session_id, latitude, user_agent, device_type FROM clickstream.sessions LIMIT 1"

    analyst = query("--as", "analyst", sql)
    assert analyst.exit_code == 0, analyst.output
    [row] = json.loads(analyst.output)
    assert row == {
        "user_id": sha256("UID-2002"),
        "session_id": sha256("SID-1001"),
        "latitude": None,
        "user_agent": None,
        "device_type": "mobile",
    }
    [raw] = json.loads(query(sql).output)  # the default reader sees the values
    assert (raw["user_id"], raw["latitude"]) == ("UID-2002", 37.7749)
    # A hash is the same in every table: a masked reader still joins on it.
    joined = query(
        "--as",
        "data_scientist",
        "SELECT COUNT(*) AS n FROM clickstream.sessions JOIN clickstream.events USING (user_id)",
    )
    assert json.loads(joined.output) == [{"n": len(BASE_VISIT["events"])}]
    payload = query("--as", "analyst", "SELECT payload FROM clickstream_staging.stg_visit_payloads")
    assert "UID-2002" not in payload.output

    shown = CliRunner().invoke(main, ["local", "show", "sessions", "--as", "analyst", "--format", "csv"])
    assert shown.exit_code == 0 and sha256("UID-2002") in shown.output and "UID-2002" not in shown.output


def test_an_unknown_reader_is_named_with_the_readers_there_are(workspace):
    result = CliRunner().invoke(main, ["local", "query", "--as", "analyt", "SELECT 1"])
    assert result.exit_code != 0
    assert "no reader 'analyt' (did you mean analyst?)" in result.output
    assert "raw, analyst, data_scientist" in result.output

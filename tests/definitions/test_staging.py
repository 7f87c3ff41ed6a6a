"""Staging: deduplication, parsing, validation into rejected_visits."""

import json

from glue.dashboard.data import reconciliation
from glue.sql_tests import Harness, assert_rows


def test_same_payload_from_both_sources_and_redelivered_counts_once(harness, visit):
    payload = json.dumps(visit)
    harness.pubsub([payload, payload], message_ids=["m1", "m1"])  # redelivery of one message
    harness.pubsub([payload], message_ids=["m2"])  # a publisher retry: new id, same payload
    harness.gcs([payload])  # and the same visit in a landed object
    harness.run("clickstream.sessions", "clickstream.rejected_visits")
    assert harness.scalar("SELECT COUNT(*) FROM clickstream_staging.stg_visit_payloads") == 1
    sessions = harness.rows("sessions", "session_id")
    assert sessions == [{"session_id": "SID-1001"}]
    assert harness.rows("stg_visit_payloads", "source, source_ref") == [{"source": "pubsub", "source_ref": "m1"}]


def test_whitespace_around_a_payload_does_not_make_it_another_visit(harness, visit):
    payload = json.dumps(visit)
    # A tab, a trailing LF and a no-break space are whitespace to BigQuery's TRIM, as U+3000 is.
    harness.pubsub(["\t" + payload + "\n", payload + "\u00a0", "\u3000" + payload])
    harness.gcs([payload, " \t ", "\u3000"])  # lines of whitespace alone carry no visit
    harness.run("clickstream.sessions", "clickstream.rejected_visits")
    assert harness.scalar("SELECT COUNT(*) FROM clickstream_staging.stg_visit_payloads") == 1
    assert harness.scalar("SELECT COUNT(*) FROM clickstream.rejected_visits") == 0
    assert harness.rows("sessions", "session_id") == [{"session_id": "SID-1001"}]
    counts = reconciliation(harness.connection, "clickstream", "clickstream_raw", "clickstream_staging")
    assert (counts.received, counts.duplicates, counts.balanced) == (4, 3, True)


def test_different_visits_sharing_a_session_id_are_all_kept(harness, visit):
    second = json.loads(json.dumps(visit))
    second["user_id"] = "UID-9999"
    harness.pubsub([visit, second])
    harness.run("clickstream.sessions")
    rows = harness.rows("sessions", "session_id, user_id")
    assert_rows(
        rows, [{"session_id": "SID-1001", "user_id": "UID-2002"}, {"session_id": "SID-1001", "user_id": "UID-9999"}]
    )
    ids = {r["visit_id"] for r in harness.rows("sessions", "visit_id")}
    assert len(ids) == 2


def test_invalid_payloads_are_rejected_with_every_reason_and_never_fail_the_run(harness, visit):
    broken = json.loads(json.dumps(visit))
    del broken["session_id"]
    broken["device_type"] = "fridge"
    broken["events"][2]["event"]["details"]["price"] = "cheap"
    broken["events"][3]["event"]["timestamp"] = "yesterday"
    harness.pubsub([visit, broken, '{"session_id": "SID-1", "events": [', "", "[1, 2]"])
    harness.gcs(["   ", "not json at all"])  # the blank line carries no visit and is not a payload
    report = harness.run("clickstream.sessions", "clickstream.rejected_visits")
    assert report.ok
    rejected = {r["payload"]: r["reasons"] for r in harness.rows("rejected_visits", "payload, reasons")}
    assert rejected[json.dumps(broken)] == [
        "session_id: missing",
        "device_type: not one of desktop, mobile, tablet",
        "events[2].details.price: not a number",
        "events[3].timestamp: not an ISO-8601 timestamp",
    ]
    assert rejected['{"session_id": "SID-1", "events": ['] == ["payload: not valid JSON"]
    assert rejected[""] == ["payload: not valid JSON"]
    assert rejected["[1, 2]"] == ["payload: not a JSON object"]
    assert rejected["not json at all"] == ["payload: not valid JSON"]
    assert len(rejected) == 5
    assert harness.scalar("SELECT COUNT(*) FROM clickstream.sessions") == 1


def test_flat_and_wrapped_events_parse_alike(harness, visit):
    flat = json.loads(json.dumps(visit))
    flat["events"] = [element["event"] for element in flat["events"]]
    flat["user_id"] = "UID-FLAT"
    harness.pubsub([visit, flat])
    harness.run("clickstream.events")
    counts = harness.rows("events", "user_id, COUNT(*) AS n", "TRUE GROUP BY user_id")
    assert_rows(counts, [{"user_id": "UID-2002", "n": 4}, {"user_id": "UID-FLAT", "n": 4}])


def test_new_lines_in_an_object_already_loaded_are_not_lost(harness, visit):
    # Objects can be overwritten (a new generation in GCS, an appending local file sink).
    uri = "gs://landing/visits/hour=2024-07-01T09/visits-2024-07-01T09.jsonl"
    harness.gcs([visit], uri)
    harness.run("clickstream.sessions")
    later = json.loads(json.dumps(visit))
    later["session_id"] = "SID-LATER"
    harness.gcs([later], uri)
    harness.run("clickstream.sessions")
    assert_rows(harness.rows("sessions", "session_id"), [{"session_id": "SID-1001"}, {"session_id": "SID-LATER"}])


def test_an_object_rewritten_with_the_same_size_is_read_again(harness, visit):
    uri = "gs://landing/visits/hour=2024-07-01T10/visits-2024-07-01T10.jsonl"
    harness.gcs([visit], uri)
    harness.run("clickstream.sessions", "clickstream.landed_objects")
    # Same line count and byte count, different visit: only the generation tells them apart.
    rewritten = dict(visit, session_id="SID-1002")
    assert len(json.dumps(rewritten)) == len(json.dumps(visit))
    harness.replace_object(uri, [rewritten])
    harness.run("clickstream.sessions", "clickstream.landed_objects")
    assert_rows(harness.rows("sessions", "session_id"), [{"session_id": "SID-1001"}, {"session_id": "SID-1002"}])
    assert_rows(
        harness.rows("landed_objects", "object_uri, lines, visits, unprocessed"),
        [{"object_uri": uri, "lines": 1, "visits": 1, "unprocessed": 0}],
    )


def test_an_incremental_run_reads_only_objects_with_a_new_generation(harness, visit):
    old, new = (
        "gs://landing/visits/hour=2024-07-01T09/visits-2024-07-01T09.jsonl",
        "gs://landing/visits/hour=2024-07-02T09/visits-2024-07-02T09.jsonl",
    )
    harness.gcs([visit], old)
    harness.run("clickstream.sessions", "clickstream.landed_objects")
    # The old object's lines change behind an unchanged generation: a run that read it would
    # stage SID-HIDDEN. It is not read; the new object is.
    harness.replace_object(old, [dict(visit, session_id="SID-HIDDEN")], metadata=False)
    harness.gcs([dict(visit, session_id="SID-NEW")], new)
    harness.run("clickstream.sessions", "clickstream.landed_objects")
    assert_rows(harness.rows("sessions", "session_id"), [{"session_id": "SID-1001"}, {"session_id": "SID-NEW"}])
    counts = {r["object_uri"]: r["visits"] for r in harness.rows("landed_objects", "object_uri, visits")}
    assert counts == {old: 1, new: 1}
    # A full refresh rebuilds from the payload store, which it never rebuilds (protected): what was
    # received stays what was received, whatever the objects hold now.
    harness.run("clickstream.sessions", full_refresh=True)
    assert {r["session_id"] for r in harness.rows("sessions", "session_id")} == {"SID-1001", "SID-NEW"}


def test_a_message_written_after_the_staging_window_passed_fails_the_audit(harness, visit):
    from datetime import datetime, timedelta, timezone

    now = datetime.now(timezone.utc)
    harness.pubsub([visit], published=now - timedelta(minutes=5))
    first = harness.run("clickstream_staging.stg_visit_payloads", with_assertions=True)
    assert first.ok
    # The sink was down: a message published 90 minutes ago lands only now, behind the 60 minutes
    # staging reads before its last load, and within the hour before those that the audit checks.
    late = dict(visit, user_id="UID-LATE")
    harness.pubsub([late], published=now - timedelta(minutes=90), message_ids=["late-1"])
    report = harness.run("clickstream_staging.stg_visit_payloads", "assert_pubsub_staged", with_assertions=True)
    failed = {r.action.name: r for r in report.failed()}
    assert list(failed) == ["clickstream_assertions.assert_pubsub_staged"]
    assert [row[0] for row in failed["clickstream_assertions.assert_pubsub_staged"].sample] == ["late-1"]


def test_an_object_rewritten_days_later_does_not_load_its_old_lines_again(graph, visit):
    # The old lines were loaded two days ago, beyond the day of hashes the dedup reads every hour;
    # the object's name still holds the hour it first landed, and the lookup reaches back to it.
    harness = Harness(graph)  # the runner alone: the load time is moved back behind both engines
    uri = "gs://landing/visits/hour=2024-07-01T09/visits-2024-07-01T09.jsonl"
    harness.gcs([visit], uri)
    harness.run("clickstream.sessions")
    harness.connection.execute(
        "UPDATE clickstream_staging.stg_visit_payloads SET loaded_at = loaded_at - INTERVAL 2 DAY"
    )
    harness.gcs([dict(visit, session_id="SID-APPENDED")], uri)  # appended: a new generation, old line included
    harness.run("clickstream.sessions")
    assert harness.rows("stg_visit_payloads", "COUNT(*) AS n") == [{"n": 2}]
    assert_rows(harness.rows("sessions", "session_id"), [{"session_id": "SID-1001"}, {"session_id": "SID-APPENDED"}])


def test_a_number_its_column_cannot_hold_rejects_the_visit_with_a_reason(harness, visit):
    """INT64 quantity and NUMERIC price would otherwise be NULL in a cart event, silently."""
    huge_quantity = json.loads(json.dumps(visit))
    huge_quantity["events"][2]["event"]["details"]["quantity"] = 9223372036854775808
    huge_price = json.loads(json.dumps(visit))
    huge_price["session_id"] = "SID-PRICE"
    huge_price["events"][2]["event"]["details"]["price"] = 1.7976931348623157e308
    harness.pubsub([huge_quantity, huge_price])
    harness.run("clickstream.rejected_visits", "clickstream.sessions", "clickstream.purchase_items")

    assert harness.rows("sessions") == [] and harness.rows("purchase_items") == []
    rejected = harness.rows("rejected_visits", "payload, reasons")
    reasons = {json.loads(r["payload"])["session_id"]: r["reasons"] for r in rejected}
    assert reasons == {
        "SID-1001": ["events[2].details.quantity: out of range (INT64 holds at most 9223372036854775807)"],
        "SID-PRICE": ["events[2].details.price: out of range (NUMERIC holds less than 10^29)"],
    }

"""The staging SQL and glue/contract.py give the same reasons for the same payloads."""

import json
import random

from glue import contract
from glue.simulator.faults import FaultConfig, FaultInjector
from glue.simulator.visits import VisitFactory
from tests.conftest import BASE_VISIT


def _handmade() -> list[str]:
    cases = []

    def variant(change):
        doc = json.loads(json.dumps(BASE_VISIT))
        change(doc)
        cases.append(json.dumps(doc))

    variant(lambda d: d.pop("events"))
    variant(lambda d: d.update(events=[]))
    variant(lambda d: d.update(events="many"))
    # stg_events reads payloads directly: an object of events must give no event rows or reasons.
    variant(lambda d: d.update(events={"0": d["events"][0], "1": d["events"][3]}))
    variant(lambda d: d.update(session_id="  ", user_id=None, user_agent=7))
    variant(lambda d: d.update(geolocation="91.0,10.0"))
    # Whitespace and digits as BigQuery reads them: Unicode White_Space for TRIM, ASCII for RE2.
    variant(lambda d: d.update(session_id="\t\r\n", user_id="\u3000\u00a0", device_type="\x1cmobile"))
    variant(lambda d: d.update(session_id="\x1c", geolocation="\u0663\u0664,\u0661\u0662"))
    variant(lambda d: d.update(geolocation="10.5,\u00a020"))
    variant(lambda d: d.update(geolocation=" 10.5 ,\t20 "))
    variant(lambda d: d["events"][0]["event"].update(event_type=" page_view"))
    variant(lambda d: d["events"][2]["event"]["details"].update(product_name="\u2003", category="\thardware"))
    variant(lambda d: d["events"].append(3))
    variant(lambda d: d["events"][0]["event"].update(details="x", timestamp=None))
    variant(lambda d: d["events"][1]["event"]["details"].update(page_url=5, referrer_url=["x"]))
    variant(lambda d: d["events"][2]["event"]["details"].update(price=-1, quantity=1.5, product_id=""))
    variant(lambda d: d["events"][3]["event"]["details"].update(items=[], amount="59.98", currency=None))
    variant(lambda d: d["events"][3]["event"]["details"].update(items=[{}, "item"], order_id=9))
    variant(lambda d: d["events"][0].update(event={"event_type": "page_view"}))
    # Numbers their columns cannot hold: INT64 quantity, NUMERIC price and amount.
    variant(lambda d: d["events"][2]["event"]["details"].update(quantity=9223372036854775808))
    variant(lambda d: d["events"][2]["event"]["details"].update(quantity=-9223372036854775809))
    variant(lambda d: d["events"][2]["event"]["details"].update(quantity=18446744073709551616))
    variant(lambda d: d["events"][2]["event"]["details"].update(price=1.7976931348623157e308))
    variant(lambda d: d["events"][2]["event"]["details"].update(price=10**29, quantity=9223372036854775807))
    variant(lambda d: d["events"][3]["event"]["details"].update(amount=1.7976931348623157e308))
    variant(lambda d: d["events"][3]["event"]["details"].update(amount=99999999999999990000000000000.0))
    cases += ['{"a":', "[]", "null", "3", ""]
    return cases


def _payloads(seed: int, malformed: int, extra: list[str] = ()) -> list[str]:
    """The handmade cases, `malformed` simulated visits each with one fault, and `extra`, once each."""
    rng = random.Random(seed)
    injector = FaultInjector(rng, FaultConfig(malformed_rate=1.0))
    factory = VisitFactory(rng)
    simulated = [
        injector.malform(factory.visit(contract.parse_timestamp("2024-07-01T09:00:00"))) for _ in range(malformed)
    ]
    return list(dict.fromkeys(_handmade() + simulated + list(extra)))


def test_sql_reasons_equal_python_reasons(harness):
    payloads = _payloads(11, 200)
    harness.pubsub(payloads)
    harness.run("clickstream.rejected_visits", "clickstream.sessions")
    sql = {r["payload"]: r["reasons"] for r in harness.rows("rejected_visits", "payload, reasons")}
    mismatches = []
    for payload in payloads:
        expected = contract.validate_payload(payload)
        got = sql.get(payload, [])
        if got != expected:
            mismatches.append((payload[:80], expected, got))
    assert not mismatches, "\n".join(map(str, mismatches[:5]))
    assert len(sql) == sum(1 for p in payloads if contract.validate_payload(p))


def test_sql_quality_flags_equal_python_quality_flags(harness):
    # A malformed descriptive attribute is a flag, not a reason: on valid and invalid visits alike.
    geolocations = [json.dumps(dict(BASE_VISIT, geolocation=g)) for g in ("abc", "91,0", 12, None, "37.7,-122.4")]
    payloads = _payloads(12, 100, geolocations)
    harness.pubsub(payloads)
    harness.run("clickstream_staging.stg_visits")
    hashes = {r["payload"]: r["payload_hash"] for r in harness.rows("stg_visit_payloads", "payload_hash, payload")}
    flags = {r["visit_id"]: r["quality_flags"] for r in harness.rows("stg_visits", "visit_id, quality_flags")}
    mismatches = []
    for payload in payloads:
        doc, undecodable = contract.decode(payload)
        expected = [] if undecodable else contract.quality_flags(doc)
        got = flags[hashes[payload]]
        if got != expected:
            mismatches.append((payload[:80], expected, got))
    assert not mismatches, "\n".join(map(str, mismatches[:5]))
    assert sum(bool(f) for f in flags.values()) >= 4  # the cases above do reach both sides

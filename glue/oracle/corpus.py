"""Payloads for the differential run: generated visits with the simulator's faults, and the
JSON edge cases where engines are known to part ways.

Each edge case is one landing line, named for what it tests; most are a valid visit with one
thing changed, so that everything downstream of the parse is exercised too.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from glue.simulator.faults import FaultConfig, FaultInjector
from glue.simulator.visits import VisitFactory

START = datetime(2024, 7, 1, 9, 0, tzinfo=timezone.utc)


def generated(count: int, seed: int = 7, faults: FaultConfig | None = None) -> list[str]:
    """`count` simulated visits as payloads, a minute apart, with malformed, duplicate and late ones."""
    rng = random.Random(seed)
    factory, injector = (
        VisitFactory(rng),
        FaultInjector(rng, faults or FaultConfig(malformed_rate=0.05, duplicate_rate=0.03, late_rate=0.05)),
    )
    payloads = []
    for i in range(count):
        moment = START + timedelta(minutes=i)
        payloads += [d.payload for d in injector.deliveries(factory.visit(moment), moment, "198.51.100.1")]
    return payloads


def _visit(
    amount: str = "59.98",
    price: str = "29.99",
    quantity: str = "2",
    timestamp: str = "2024-07-01T09:01:40",
    extra: str = "",
    session: str = '"SID-1"',
) -> str:
    """A valid visit as JSON text, with its numbers and timestamp written as given."""
    item = (
        f'{{"product_id": "PER-001", "product_name": "Mouse", "category": "peripherals", '
        f'"price": {price}, "quantity": {quantity}}}'
    )
    return (
        '{"session_id": ' + session + ', "user_id": "UID-1", "device_type": "desktop"' + extra + ', "events": ['
        '{"event": {"event_type": "page_view", "timestamp": "2024-07-01T09:00:00", '
        '"details": {"page_url": "https://example.com/home", "referrer_url": null}}}, '
        '{"event": {"event_type": "add_item_to_cart", "timestamp": "2024-07-01T09:01:05", '
        f'"details": {item}}}}}, '
        f'{{"event": {{"event_type": "purchase", "timestamp": "{timestamp}", "details": {{"order_id": "O-1", '
        f'"amount": {amount}, "currency": "USD", "items": [{item}]}}}}}}]}}'
    )


EDGE_CASES: dict[str, str] = {
    "number that does not round-trip (the sample's)": _visit(amount="4189.900000000001"),
    "number Grisu2 writes longer (1e23)": _visit(amount="1e23"),
    "number with 17 significant digits": _visit(amount="379.94000000000005"),
    "integer beyond INT64": _visit(quantity="9223372036854775808"),
    "integer beyond UINT64": _visit(quantity="123456789012345678901"),
    "negative integer beyond INT64": _visit(quantity="-9223372036854775809"),
    "exponent": _visit(amount="5.998E1"),
    "exponent beyond FLOAT64": _visit(amount="1e400"),
    "exponent below FLOAT64": _visit(amount="1e-400"),
    "negative zero": _visit(amount="-0.0"),
    "integral float quantity": _visit(quantity="2.0"),
    "quantity with an exponent": _visit(quantity="2E0"),
    "number sent as a string": _visit(amount='"59.98"'),
    "quantity sent as a string": _visit(quantity='"2"'),
    "duplicate key": _visit(extra=', "device_type": "mobile"'),
    "duplicate key of another type": _visit(extra=', "device_type": 7'),
    "byte-order mark": "\ufeff" + _visit(),
    "NaN": _visit(amount="NaN"),
    "Infinity": _visit(amount="Infinity"),
    "trailing comma in an object": _visit().replace('"currency": "USD"', '"currency": "USD",'),
    "trailing comma in an array": _visit()[:-2] + ",]}",
    "single quotes": _visit().replace('"USD"', "'USD'"),
    "lowercase t in a timestamp": _visit(timestamp="2024-07-01t09:01:40"),
    "lowercase z in a timestamp": _visit(timestamp="2024-07-01T09:01:40z"),
    "uppercase Z in a timestamp": _visit(timestamp="2024-07-01T09:01:40Z"),
    "leap second": _visit(timestamp="2024-06-30T23:59:60"),
    "nanoseconds": _visit(timestamp="2024-07-01T09:01:40.123456789"),
    "microseconds": _visit(timestamp="2024-07-01T09:01:40.123456"),
    "offset without a colon": _visit(timestamp="2024-07-01T09:01:40+0200"),
    "offset with a colon": _visit(timestamp="2024-07-01T11:01:40+02:00"),
    "space for T": _visit(timestamp="2024-07-01 09:01:40"),
    "date only": _visit(timestamp="2024-07-01"),
    "year 0": _visit(timestamp="0000-07-01T09:01:40"),
    "February 30": _visit(timestamp="2024-02-30T09:01:40"),
    "escaped unicode": _visit(session='"SID-\\u00e9\\ud83d\\ude00"'),
    "lone surrogate": _visit(session='"SID-\\ud83d"'),
    "control character in a string": _visit(session='"SID-\x01"'),
    "escaped NUL": _visit(session='"SID-\\u0000"'),
    "deep nesting": _visit(extra=', "x": ' + "[" * 200 + "]" * 200),
    "whitespace around": " \t" + _visit() + "\r",
    "empty object": "{}",
    "a bare number": "4189.900000000001",
    "a bare string": '"visit"',
    "null": "null",
    "two documents": _visit() + " " + _visit(),
    "comment": "/* c */" + _visit(),
    "true as a session id": _visit(session="true"),
    "huge exponent as a session id": _visit(session="1e999"),
}


def edge_cases() -> list[str]:
    return list(EDGE_CASES.values())

"""The visit data contract: one definition that every producer and consumer uses.

A visit is the lab's OpenAPI `Visit` (../shared/seeds/001_*.txt) as the real data has it:
events may be wrapped (`{"event": {...}}`, as in the published sample) or flat (as in the
OpenAPI text), and timestamps may carry no offset (meaning UTC), `Z`, or `+HH:MM`, with or
without fractional seconds.

`validate()` returns *every* reason a payload is not a valid visit. The reason strings are
part of the contract: the staging SQL (definitions/staging/stg_visit_checks.sqlx and friends)
produces the same strings, and tests/definitions/test_contract_parity.py holds the two together.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Iterable

SCHEMA_VERSION = "1"
DEVICE_TYPES = ("desktop", "mobile", "tablet")
EVENT_TYPES = ("page_view", "add_item_to_cart", "purchase")
CATEGORIES = ("hardware", "software", "peripherals")

# The patterns read as RE2 (BigQuery's regular expressions) reads them: \d is an ASCII digit
# and \s one of tab, LF, FF, CR and space, where Python's would take any Unicode digit or space.
_GEO = re.compile(r"^[\t\n\f\r ]*(-?\d+(?:\.\d+)?)[\t\n\f\r ]*,[\t\n\f\r ]*(-?\d+(?:\.\d+)?)[\t\n\f\r ]*$", re.ASCII)
# Up to microseconds, `Z` or `+HH:MM` or nothing (UTC): what BigQuery's CAST takes exactly.
_TS = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})?$", re.ASCII)
# Unicode's White_Space property: what BigQuery's TRIM removes, so that "empty" means the same
# here and in the staging SQL (Python's own strip() also removes U+001C..U+001F).
WHITESPACE = "\t\n\v\f\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"
CENT = Decimal("0.01")


class InvalidVisit(ValueError):
    """Raised by parse_visit; `reasons` lists every problem found."""

    def __init__(self, reasons: list[str]):
        super().__init__("; ".join(reasons))
        self.reasons = reasons


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class PageView:
    page_url: str
    referrer_url: str | None = None


@dataclass(frozen=True)
class Item:
    """An item added to a cart or purchased; the same fields in both places."""

    product_id: str
    product_name: str
    category: str
    price: Decimal
    quantity: int

    @property
    def line_total(self) -> Decimal:
        return (self.price * self.quantity).quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class Purchase:
    order_id: str
    amount: Decimal
    currency: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Event:
    event_type: str
    timestamp: datetime
    details: PageView | Item | Purchase


@dataclass(frozen=True)
class Visit:
    session_id: str
    user_id: str
    device_type: str
    events: tuple[Event, ...]
    geolocation: str | None = None
    user_agent: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)
    quality_flags: tuple[str, ...] = field(default=(), compare=False)


# --------------------------------------------------------------------- timestamps


def parse_timestamp(text: str) -> datetime:
    """ISO-8601 to an aware UTC datetime; no offset means UTC (the sample data has none)."""
    if not isinstance(text, str) or not _TS.fullmatch(text):
        raise ValueError(f"not an ISO-8601 timestamp: {text!r}")
    value = text
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def format_timestamp(moment: datetime) -> str:
    """The sample data's form: seconds precision, no offset, UTC."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def to_money(value: float | int | str | Decimal) -> Decimal:
    """Exact to the cent: 379.94000000000005 becomes 379.94."""
    return Decimal(str(value)).quantize(CENT, ROUND_HALF_UP)


# --------------------------------------------------------------------- validation


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_integer(value: Any) -> bool:
    """A whole number as BigQuery's JSON reads one: within 64 bits (int64 or uint64). A larger
    one is read as a floating-point number, so it is not an integer there either."""
    return isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**64


def _check_string(obj: dict, key: str, path: str, required: bool = True) -> list[str]:
    if key not in obj or obj[key] is None:
        return [f"{path}: missing"] if required else []
    if not isinstance(obj[key], str):
        return [f"{path}: not a string"]
    if required and not obj[key].strip(WHITESPACE):
        return [f"{path}: empty"]
    return []


def _check_enum(obj: dict, key: str, path: str, allowed: tuple[str, ...]) -> list[str]:
    problems = _check_string(obj, key, path)
    if not problems and obj[key] not in allowed:
        problems = [f"{path}: not one of {', '.join(allowed)}"]
    return problems


# The columns the numbers land in: quantity is INT64, money NUMERIC (under 10^29). A number that
# does not fit would become NULL there, so the visit is rejected with a reason instead.
INT64_MAX = 2**63 - 1
NUMERIC_LIMIT = Decimal(10) ** 29


def _too_large_for_numeric(value: int | float) -> bool:
    return abs(Decimal(str(value))) >= NUMERIC_LIMIT


def _check_item(item: Any, path: str) -> list[str]:
    if not isinstance(item, dict):
        return [f"{path}: not an object"]
    reasons = _check_string(item, "product_id", f"{path}.product_id")
    reasons += _check_string(item, "product_name", f"{path}.product_name")
    reasons += _check_enum(item, "category", f"{path}.category", CATEGORIES)
    price = item.get("price")
    if price is None:
        reasons.append(f"{path}.price: missing")
    elif not _is_number(price):
        reasons.append(f"{path}.price: not a number")
    elif price < 0:
        reasons.append(f"{path}.price: negative")
    elif _too_large_for_numeric(price):
        reasons.append(f"{path}.price: out of range (NUMERIC holds less than 10^29)")
    quantity = item.get("quantity")
    if quantity is None:
        reasons.append(f"{path}.quantity: missing")
    elif not _is_integer(quantity):
        reasons.append(f"{path}.quantity: not an integer")
    elif quantity < 1:
        reasons.append(f"{path}.quantity: less than 1")
    elif quantity > INT64_MAX:
        reasons.append(f"{path}.quantity: out of range (INT64 holds at most {INT64_MAX})")
    return reasons


def _check_purchase(details: dict, path: str) -> list[str]:
    reasons = _check_string(details, "order_id", f"{path}.order_id")
    amount = details.get("amount")
    if amount is None:
        reasons.append(f"{path}.amount: missing")
    elif not _is_number(amount):
        reasons.append(f"{path}.amount: not a number")
    elif amount < 0:
        reasons.append(f"{path}.amount: negative")
    elif _too_large_for_numeric(amount):
        reasons.append(f"{path}.amount: out of range (NUMERIC holds less than 10^29)")
    reasons += _check_string(details, "currency", f"{path}.currency")
    items = details.get("items")
    if items is None:
        reasons.append(f"{path}.items: missing")
    elif not isinstance(items, list):
        reasons.append(f"{path}.items: not an array")
    elif not items:
        reasons.append(f"{path}.items: empty")
    else:
        for index, item in enumerate(items):
            reasons += _check_item(item, f"{path}.items[{index}]")
    return reasons


def unwrap_event(element: Any) -> Any:
    """The sample data wraps each event as {"event": {...}}; the OpenAPI text does not."""
    if isinstance(element, dict) and isinstance(element.get("event"), dict):
        return element["event"]
    return element


def _check_event(element: Any, path: str) -> list[str]:
    event = unwrap_event(element)
    if not isinstance(event, dict):
        return [f"{path}: not an object"]
    reasons = _check_enum(event, "event_type", f"{path}.event_type", EVENT_TYPES)
    stamp = event.get("timestamp")
    if stamp is None:
        reasons.append(f"{path}.timestamp: missing")
    else:
        try:
            parse_timestamp(stamp)
        except ValueError:
            reasons.append(f"{path}.timestamp: not an ISO-8601 timestamp")
    details = event.get("details")
    if details is None:
        return reasons + [f"{path}.details: missing"]
    if not isinstance(details, dict):
        return reasons + [f"{path}.details: not an object"]
    kind = event.get("event_type")
    where = f"{path}.details"
    if kind == "page_view":
        reasons += _check_string(details, "page_url", f"{where}.page_url")
        reasons += _check_string(details, "referrer_url", f"{where}.referrer_url", required=False)
    elif kind == "add_item_to_cart":
        reasons += _check_item(details, where)
    elif kind == "purchase":
        reasons += _check_purchase(details, where)
    return reasons


def validate(doc: Any) -> list[str]:
    """Every reason `doc` (decoded JSON) is not a valid visit; empty when it is valid."""
    if not isinstance(doc, dict):
        return ["payload: not a JSON object"]
    reasons = _check_string(doc, "session_id", "session_id")
    reasons += _check_string(doc, "user_id", "user_id")
    reasons += _check_enum(doc, "device_type", "device_type", DEVICE_TYPES)
    events = doc.get("events")
    if events is None:
        reasons.append("events: missing")
    elif not isinstance(events, list):
        reasons.append("events: not an array")
    elif not events:
        reasons.append("events: empty")
    else:
        for index, element in enumerate(events):
            reasons += _check_event(element, f"events[{index}]")
    return reasons


def quality_flags(doc: Any) -> list[str]:
    """What is wrong with a valid visit's optional descriptive attributes (geolocation, user_agent).

    These never reject a visit: its page views, cart additions and revenue still count. The
    attribute is taken as missing (NULL in the warehouse) and the flag is recorded beside it."""
    if not isinstance(doc, dict):
        return []
    flags = []
    geo = doc.get("geolocation")
    if geo is not None and not (isinstance(geo, str) and _valid_geolocation(geo)):
        flags.append('geolocation: not "latitude,longitude"')
    agent = doc.get("user_agent")
    if agent is not None and not isinstance(agent, str):
        flags.append("user_agent: not a string")
    return flags


def _valid_geolocation(text: str) -> bool:
    match = _GEO.fullmatch(text)
    if not match:
        return False
    latitude, longitude = float(match.group(1)), float(match.group(2))
    return -90 <= latitude <= 90 and -180 <= longitude <= 180


def decode(payload: str | bytes) -> tuple[Any, list[str]]:
    """(decoded JSON, []) or (None, ["payload: not valid JSON"])."""
    try:
        return json.loads(payload), []
    except (ValueError, UnicodeDecodeError):
        return None, ["payload: not valid JSON"]


def validate_payload(payload: str | bytes) -> list[str]:
    doc, reasons = decode(payload)
    return reasons or validate(doc)


# ------------------------------------------------------------------------ parsing


def _item(raw: dict) -> Item:
    return Item(
        product_id=raw["product_id"],
        product_name=raw["product_name"],
        category=raw["category"],
        price=to_money(raw["price"]),
        quantity=raw["quantity"],
    )


def _details(kind: str, raw: dict) -> PageView | Item | Purchase:
    if kind == "page_view":
        return PageView(raw["page_url"], raw.get("referrer_url"))
    if kind == "add_item_to_cart":
        return _item(raw)
    return Purchase(
        order_id=raw["order_id"],
        amount=to_money(raw["amount"]),
        currency=raw["currency"],
        items=tuple(_item(item) for item in raw["items"]),
    )


def parse_visit(payload: str | bytes | dict) -> Visit:
    """A Visit from JSON text or a decoded dict; raises InvalidVisit with every reason."""
    doc, reasons = (payload, []) if isinstance(payload, dict) else decode(payload)
    reasons = reasons or validate(doc)
    if reasons:
        raise InvalidVisit(reasons)
    known = {"session_id", "user_id", "device_type", "geolocation", "user_agent", "events"}
    flags = quality_flags(doc)
    events = tuple(
        Event(e["event_type"], parse_timestamp(e["timestamp"]), _details(e["event_type"], e["details"]))
        for e in map(unwrap_event, doc["events"])
    )
    return Visit(
        session_id=doc["session_id"],
        user_id=doc["user_id"],
        device_type=doc["device_type"],
        events=events,
        # A malformed descriptive attribute is taken as missing (quality_flags says why).
        geolocation=None if any(f.startswith("geolocation") for f in flags) else doc.get("geolocation"),
        user_agent=None if any(f.startswith("user_agent") for f in flags) else doc.get("user_agent"),
        quality_flags=tuple(flags),
        extra={k: v for k, v in doc.items() if k not in known},
    )


# ------------------------------------------------------------------- serialising


def _money_json(value: Decimal) -> float:
    return float(value)


def _item_dict(item: Item) -> dict:
    return {
        "product_id": item.product_id,
        "product_name": item.product_name,
        "category": item.category,
        "price": _money_json(item.price),
        "quantity": item.quantity,
    }


def _details_dict(details: PageView | Item | Purchase) -> dict:
    if isinstance(details, PageView):
        return {"page_url": details.page_url, "referrer_url": details.referrer_url}
    if isinstance(details, Item):
        return _item_dict(details)
    return {
        "order_id": details.order_id,
        "amount": _money_json(details.amount),
        "currency": details.currency,
        "items": [_item_dict(item) for item in details.items],
    }


def visit_to_dict(visit: Visit, wrapped: bool = True) -> dict:
    """The wire form; `wrapped` gives the sample data's {"event": {...}} elements."""
    events = []
    for event in visit.events:
        body = {
            "event_type": event.event_type,
            "timestamp": format_timestamp(event.timestamp),
            "details": _details_dict(event.details),
        }
        events.append({"event": body} if wrapped else body)
    doc: dict[str, Any] = {
        "session_id": visit.session_id,
        "user_id": visit.user_id,
        "device_type": visit.device_type,
    }
    if visit.geolocation is not None:
        doc["geolocation"] = visit.geolocation
    if visit.user_agent is not None:
        doc["user_agent"] = visit.user_agent
    doc["events"] = events
    return doc


def dumps(visit: Visit, wrapped: bool = True) -> str:
    """One JSON line, with the sample data's separators."""
    return json.dumps(visit_to_dict(visit, wrapped))


def event_times(doc: dict) -> Iterable[datetime]:
    """Timestamps of a decoded (valid) visit, for sinks that route by event time."""
    for element in doc.get("events", []):
        yield parse_timestamp(unwrap_event(element)["timestamp"])

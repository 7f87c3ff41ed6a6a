"""A prediction request: the visit in progress, as the site knows it mid-visit, checked field by field.

    {"user_id": "UID-1234", "device_type": "mobile", "session_start": "2024-08-20T10:00:00Z",
     "page_views": 3, "cart_additions": 1, "cart_value": 59.98, "visit_id": "optional"}

What the model also takes, the time features and the user's history, the service works out
(session_features' definitions: hour and day of week in UTC, BigQuery's DAYOFWEEK with Sunday 1).
A request that is not this gets an error naming each field that is wrong, and is never scored.
A body is at most MAX_BODY_BYTES: room for a batch of visits (instances.py) at some 1 KB each.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone

MAX_BODY_BYTES = 1_048_576


class BadRequest(ValueError):
    def __init__(self, status: int, problems: list[str]):
        super().__init__("; ".join(problems))
        self.status, self.problems = status, problems


@dataclass(frozen=True)
class VisitInProgress:
    visit_id: str | None
    user_id: str
    device_type: str
    session_start: datetime
    page_views: int
    cart_additions: int
    cart_value: float

    def time_features(self) -> dict:
        return {
            "hour_of_day": self.session_start.hour,
            "day_of_week": self.session_start.isoweekday() % 7 + 1,  # Sunday 1 ... Saturday 7
        }


def _count(body: dict, name: str, problems: list[str]) -> int:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        problems.append(f"{name}: a whole number from 0, not {json.dumps(value)}")
        return 0
    return value


def _text(body: dict, name: str, problems: list[str], required: bool = True) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{name}: a non-empty string, not {json.dumps(value)}")
        return None
    return value


def _moment(body: dict, problems: list[str]) -> datetime:
    value = body.get("session_start")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        problems.append(f"session_start: an ISO 8601 timestamp such as 2024-08-20T10:00:00Z, not {json.dumps(value)}")
        return datetime.now(timezone.utc)
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def decode(body: bytes):
    """The body's JSON; BadRequest (413 for a body over MAX_BODY_BYTES, 400 for what is not JSON) otherwise."""
    if len(body) > MAX_BODY_BYTES:
        raise BadRequest(413, [f"the body is over {MAX_BODY_BYTES:,} bytes, the most a request may send"])
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BadRequest(400, [f"the body is not JSON: {error}"]) from None


def read_visit(parsed) -> VisitInProgress:
    """One visit from its decoded JSON; BadRequest (400 for what is not an object, 422 for a field) otherwise."""
    if not isinstance(parsed, dict):
        raise BadRequest(400, ["a visit is a JSON object of its fields"])
    problems: list[str] = []
    unknown = sorted(set(parsed) - set(VisitInProgress.__dataclass_fields__))
    if unknown:
        problems.append(f"unknown fields: {', '.join(unknown)}")
    found = VisitInProgress(
        visit_id=_text(parsed, "visit_id", problems, required=False),
        user_id=_text(parsed, "user_id", problems),
        device_type=_text(parsed, "device_type", problems),
        session_start=_moment(parsed, problems),
        page_views=_count(parsed, "page_views", problems),
        cart_additions=_count(parsed, "cart_additions", problems),
        cart_value=_amount(parsed, problems),
    )
    if problems:
        raise BadRequest(422, problems)
    return found


def parse(body: bytes) -> VisitInProgress:
    """The request's visit (a body of one visit, not a batch)."""
    return read_visit(decode(body))


def _amount(body: dict, problems: list[str]) -> float:
    value = body.get("cart_value")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or value != value:
        problems.append(f"cart_value: a number from 0, not {json.dumps(value)}")
        return 0.0
    return float(value)

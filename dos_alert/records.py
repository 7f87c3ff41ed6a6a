"""What flows between the DoS-alert job's transforms: small, picklable, comparable records."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime, timezone


@dataclass(frozen=True)
class PageView:
    """One page_view event, timestamped (in the pipeline) by its own event time."""

    page_url: str
    user_id: str
    session_id: str
    client_ip: str | None
    event_time: float  # seconds since the epoch


@dataclass(frozen=True)
class RawMessage:
    """A message as received, kept for the archive and, if unparseable, the dead letters."""

    payload: str
    attributes: tuple[tuple[str, str], ...]
    error: str | None = None

    def to_json(self) -> str:
        body = {"payload": self.payload, "attributes": dict(self.attributes)}
        if self.error is not None:
            body["error"] = self.error
        return json.dumps(body, sort_keys=True)


@dataclass(frozen=True)
class WindowCount:
    """Page views of one key in one window, as of one pane (ON_TIME, LATE or EARLY)."""

    dimension: str  # all | page | user | ip
    key: str
    window_start: float
    window_end: float
    count: int
    timing: str
    pane_index: int

    def to_row(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Alert:
    dimension: str
    key: str
    window_start: float
    window_end: float
    count: int
    threshold: int
    timing: str

    def to_log_payload(self) -> dict:
        """The structured log entry's JSON payload; the log-based metric filters on `alert`. The
        window's ends are ISO-8601 times in UTC, for people and for any JSON reader."""
        body = asdict(self)
        for end in ("window_start", "window_end"):
            body[end] = iso_time(body[end])
        return {"alert": "dos", **body}

    def to_json(self) -> str:
        return json.dumps(self.to_log_payload(), sort_keys=True)


def iso_time(seconds: float) -> str:
    """Epoch seconds as ISO-8601 in UTC: 2026-12-02T14:09:00Z (with the fraction when there is one)."""
    moment = datetime.fromtimestamp(seconds, tz=timezone.utc)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    return text + (f".{moment.microsecond:06d}".rstrip("0") if moment.microsecond else "") + "Z"

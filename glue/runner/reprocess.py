"""Reprocessing a range of loads: the rows built from the payloads loaded in [start, end) are
written again by the current models, without a full refresh.

The SQL does the work (includes/watermark.js, definitions/aggregates/retract_reprocessed_loads.sqlx):
with the vars `reprocess_from` and `reprocess_until` set, every model below the payload store
reads the range's loads instead of the newest ones and replaces the rows it wrote for them, and
the aggregates give back the range's old counts before taking the new ones. This module turns
`FROM..UNTIL` into those vars and says which actions such a run executes: everything that
depends on the payload store (the ml workflow apart), and what those need that is not upstream
of the store. The payload store itself loads nothing new in such a run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from glue.dataform import Graph

PAYLOAD_STORE = "stg_visit_payloads"


@dataclass(frozen=True)
class LoadRange:
    """The loads with start <= loaded_at < end (UTC)."""

    start: datetime
    end: datetime

    def variables(self) -> dict[str, str]:
        return {"reprocess_from": _iso(self.start), "reprocess_until": _iso(self.end)}

    def __str__(self) -> str:
        return f"{_iso(self.start)}..{_iso(self.end)}"


def parse_range(text: str) -> LoadRange:
    """`FROM..UNTIL`, each a date (its midnight, UTC) or an ISO time (UTC unless it has an offset);
    a single date is that day. Raises ValueError saying what to write."""
    start_text, dots, end_text = text.partition("..")
    try:
        start = _instant(start_text)
        if not dots:
            if len(start_text.strip()) != 10:
                raise ValueError("a single value must be a date")
            end = start + timedelta(days=1)
        else:
            end = _instant(end_text)
    except ValueError:
        raise ValueError(
            f"{text!r} is not a range of loads: write FROM..UNTIL with dates or UTC times, e.g. "
            "2024-08-20..2024-08-21 or 2024-08-20T06:00..2024-08-20T12:00 (UNTIL itself is not included), "
            "or one date for that day"
        ) from None
    if end <= start:
        raise ValueError(f"{text!r}: the range is empty; FROM must come before UNTIL")
    return LoadRange(start, end)


def reprocess_selection(graph: Graph, apart: tuple = ()) -> list[str]:
    """The actions a reprocessing run executes, by name: the models that depend on the payload
    store and are enabled in the reprocessing compilation, the assertions on them, and the enabled
    actions they depend on that do not feed the store (the retraction); no action with a tag in
    `apart` (the ml workflow's)."""
    store = graph.find(PAYLOAD_STORE).name
    below = graph.downstream({store}) - {store}
    rebuilt = {name for name in below if graph.actions[name].kind != "assertion" and graph.actions[name].runnable}
    # An assertion on the store or the raw tables alone has nothing to check in such a run.
    checks = {name for name in below - rebuilt if set(graph.actions[name].dependencies) & rebuilt}
    chosen = graph.upstream(rebuilt | checks) - graph.upstream({store})
    return [a.name for a in graph.order(chosen) if a.runnable and not set(a.tags) & set(apart)]


def _instant(text: str) -> datetime:
    text = text.strip()
    if len(text) == 10:
        return datetime.combine(date.fromisoformat(text), time(), tzinfo=timezone.utc)
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _iso(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ").replace(".000000Z", "Z")

"""Faults on demand, so that everything downstream can be tested against bad traffic.

Each base visit is independently made malformed, duplicated or late with the asked rate;
the decision comes from the simulator's seeded RNG, so a seed reproduces the faults too.
"""

from __future__ import annotations

import copy
import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from glue.contract import format_timestamp, parse_timestamp, unwrap_event

MALFORMED_KINDS = ("truncated", "wrong_type", "missing_field")


@dataclass(frozen=True)
class FaultConfig:
    malformed_rate: float = 0.0
    duplicate_rate: float = 0.0
    late_rate: float = 0.0
    late_by: timedelta = timedelta(minutes=5)

    def __post_init__(self):
        for name in ("malformed_rate", "duplicate_rate", "late_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")


@dataclass
class Delivery:
    """One message as it leaves the simulator."""

    payload: str
    event_time: datetime
    kind: str = "ok"  # ok | malformed | duplicate | late | burst
    client_ip: str = ""


class FaultInjector:
    def __init__(self, rng: random.Random, config: FaultConfig):
        self.rng, self.config = rng, config

    def deliveries(self, doc: dict, event_time: datetime, client_ip: str) -> list[Delivery]:
        """The messages one simulated visit turns into, faults applied."""
        rng, config = self.rng, self.config
        if config.late_rate and rng.random() < config.late_rate:
            doc = shift_timestamps(doc, -config.late_by)
            first = Delivery(json.dumps(doc), event_time - config.late_by, "late", client_ip)
        else:
            first = Delivery(json.dumps(doc), event_time, "ok", client_ip)
        if config.malformed_rate and rng.random() < config.malformed_rate:
            first.payload, first.kind = self.malform(doc), "malformed"
        out = [first]
        if config.duplicate_rate and rng.random() < config.duplicate_rate:
            out.append(Delivery(first.payload, first.event_time, "duplicate", client_ip))
        return out

    def malform(self, doc: dict) -> str:
        kind = self.rng.choice(MALFORMED_KINDS)
        if kind == "truncated":
            text = json.dumps(doc)
            return text[: self.rng.randint(1, len(text) - 2)]
        broken = copy.deepcopy(doc)
        event = unwrap_event(self.rng.choice(broken["events"]))
        if kind == "wrong_type":
            target = self.rng.choice(("device_type", "events", "timestamp", "details"))
            if target == "device_type":
                broken["device_type"] = 42
            elif target == "events":
                broken["events"] = {"not": "a list"}
            elif target == "timestamp":
                event["timestamp"] = "yesterday at noon"
            else:
                event["details"] = "n/a"
        else:
            target = self.rng.choice(("session_id", "user_id", "events", "event_type"))
            if target == "event_type":
                del event["event_type"]
            else:
                del broken[target]
        return json.dumps(broken)


def shift_timestamps(doc: dict, delta: timedelta) -> dict:
    shifted = copy.deepcopy(doc)
    for element in shifted["events"]:
        event = unwrap_event(element)
        event["timestamp"] = format_timestamp(parse_timestamp(event["timestamp"]) + delta)
    return shifted

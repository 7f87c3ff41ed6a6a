"""The data contract: both event shapes, timestamps, every reason, the JSON Schema file."""

import json
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest

from glue import contract

SCHEMA = json.loads((Path(contract.__file__).parent / "schemas" / "visit.schema.json").read_text())


def test_parses_wrapped_and_flat_events_alike(visit):
    flat = json.loads(json.dumps(visit))
    flat["events"] = [e["event"] for e in flat["events"]]
    assert contract.parse_visit(json.dumps(visit)) == contract.parse_visit(flat)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2024-07-01T09:00:00", datetime(2024, 7, 1, 9, tzinfo=timezone.utc)),
        ("2024-07-01T09:00:00Z", datetime(2024, 7, 1, 9, tzinfo=timezone.utc)),
        ("2024-07-01T11:00:00+02:00", datetime(2024, 7, 1, 9, tzinfo=timezone.utc)),
        ("2024-07-01 09:00:00.125", datetime(2024, 7, 1, 9, 0, 0, 125000, tzinfo=timezone.utc)),
    ],
)
def test_timestamps(text, expected):
    assert contract.parse_timestamp(text) == expected


@pytest.mark.parametrize("text", ["yesterday", "2024-07-01", "2024-13-01T00:00:00", "2024-07-01T09:00:00\n", 5])
def test_bad_timestamps(text):
    with pytest.raises(ValueError):
        contract.parse_timestamp(text)


def test_money_is_exact_to_the_cent(visit):
    visit["events"][3]["event"]["details"]["amount"] = 379.94000000000005
    purchase = contract.parse_visit(visit).events[3].details
    assert purchase.amount == Decimal("379.94")


def test_validation_returns_every_reason(visit):
    del visit["user_id"]
    visit["device_type"] = 42
    event = visit["events"][3]["event"]
    event["details"]["items"][0]["quantity"] = 0
    event["details"]["items"][0]["category"] = "food"
    assert contract.validate(visit) == [
        "user_id: missing",
        "device_type: not a string",
        "events[3].details.items[0].category: not one of hardware, software, peripherals",
        "events[3].details.items[0].quantity: less than 1",
    ]
    with pytest.raises(contract.InvalidVisit) as error:
        contract.parse_visit(visit)
    assert len(error.value.reasons) == 4


@pytest.mark.parametrize(
    "field, value, flag",
    [
        ("geolocation", "abc", 'geolocation: not "latitude,longitude"'),
        ("geolocation", "91,0", 'geolocation: not "latitude,longitude"'),
        ("geolocation", 12, 'geolocation: not "latitude,longitude"'),
        ("user_agent", ["Mozilla"], "user_agent: not a string"),
    ],
)
def test_a_malformed_descriptive_attribute_keeps_the_visit_with_a_flag(visit, field, value, flag):
    visit[field] = value
    assert contract.validate(visit) == []
    assert contract.quality_flags(visit) == [flag]
    jsonschema.validate(visit, SCHEMA)  # the schema accepts it too: the two agree
    parsed = contract.parse_visit(visit)
    assert getattr(parsed, field) is None and parsed.quality_flags == (flag,)
    assert len(parsed.events) == len(visit["events"])


def test_serialising_round_trips(visit):
    parsed = contract.parse_visit(visit)
    assert contract.parse_visit(contract.dumps(parsed)) == parsed


def test_json_schema_agrees_with_the_contract(visit):
    jsonschema.validate(visit, SCHEMA)
    broken = json.loads(json.dumps(visit))
    broken["events"][0]["event"]["event_type"] = "click"
    assert contract.validate(broken)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, SCHEMA)


@pytest.mark.realdata
def test_every_real_visit_is_valid(real_data_dir):
    validator = jsonschema.Draft202012Validator(SCHEMA)
    count = 0
    for path in sorted(real_data_dir.glob("*.jsonl")):
        for number, line in enumerate(path.open(encoding="utf-8"), 1):
            reasons = contract.validate_payload(line)
            assert not reasons, f"{path.name}:{number}: {reasons}"
            assert validator.is_valid(json.loads(line)), f"{path.name}:{number}"
            count += 1
    assert count == 8804

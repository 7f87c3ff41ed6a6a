"""The differential run: payloads through every action on both engines, zero differing rows.

Each batch runs the whole graph (assertions included) on the local runner and on BigQuery's
reference evaluator; a difference in any table fails. The full corpus (the real sample whole,
1,000 simulated visits) is bench/differential.py; these are its parts at test size.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from glue.oracle.corpus import EDGE_CASES, edge_cases, generated
from glue.simulator.faults import FaultConfig
from glue.sql_tests import differential_run
from tests.conftest import BASE_VISIT


def _assert_no_difference(report):
    assert report.ok, "\n".join(report.lines())
    assert sum(report.rows.values()) > 0


def test_json_edge_cases_agree(graph, oracle):
    report = differential_run(graph, oracle, {"edge cases": edge_cases()}, batch_size=len(EDGE_CASES))
    _assert_no_difference(report)
    # The cases reach both ends: some are sessions, some are rejected.
    assert report.rows["clickstream.sessions"] > 10 and report.rows["clickstream.rejected_visits"] > 10


def test_simulated_visits_with_every_fault_mode_agree(graph, oracle):
    faults = FaultConfig(malformed_rate=0.4, duplicate_rate=0.3, late_rate=0.3)
    report = differential_run(graph, oracle, {"fault modes": generated(80, seed=3, faults=faults)}, batch_size=200)
    _assert_no_difference(report)
    assert report.rows["clickstream.rejected_visits"] > 0 and report.rows["clickstream.purchase_items"] > 0


@pytest.mark.realdata
def test_real_visits_agree(graph, oracle, real_data_dir):
    # The days holding the sample's numbers that FLOAT64 cannot hold exactly (4189.900000000001).
    lines = [
        line
        for path in sorted(real_data_dir.glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if "00000000001" in line
    ]
    lines += (real_data_dir / "visits-2024-07-01.jsonl").read_text(encoding="utf-8").splitlines()[:25]
    report = differential_run(graph, oracle, {"real sample": lines}, batch_size=200)
    _assert_no_difference(report)
    assert report.rows["clickstream.sessions"] == len(set(lines)) and report.rows["clickstream.rejected_visits"] == 0


# Property-based payloads: a valid visit with one field replaced by an arbitrary JSON value, or
# with a number written in an arbitrary way. Both engines must land each the same way.
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(1 << 70), max_value=1 << 70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)),
    max_leaves=6,
)
_NUMBER_TEXT = st.from_regex(r"-?(0|[1-9][0-9]{0,21})(\.[0-9]{1,18})?([eE][+-]?[0-9]{1,3})?", fullmatch=True)
_FIELDS = ["session_id", "user_id", "device_type", "geolocation", "user_agent", "events"]
_DETAILS = [(2, "price"), (2, "quantity"), (3, "amount"), (3, "order_id"), (3, "items")]


@st.composite
def _payloads(draw) -> str:
    visit = json.loads(json.dumps(BASE_VISIT))
    choice = draw(st.sampled_from(["visit field", "detail", "number text", "timestamp"]))
    if choice == "visit field":
        visit[draw(st.sampled_from(_FIELDS))] = draw(_VALUES)
        return json.dumps(visit)
    index, key = draw(st.sampled_from(_DETAILS))
    details = visit["events"][index]["event"]["details"]
    if choice == "detail":
        details[key] = draw(_VALUES)
        return json.dumps(visit)
    if choice == "timestamp":
        visit["events"][index]["event"]["timestamp"] = draw(
            st.from_regex(
                r"[0-9]{4}-[01][0-9]-[0-3][0-9][Tt ][0-2][0-9]:[0-5][0-9]:[0-6][0-9]"
                r"(\.[0-9]{1,9})?([Zz]|[+-][0-9]{2}:?[0-9]{2})?",
                fullmatch=True,
            )
        )
        return json.dumps(visit)
    details["amount" if index == 3 else "price"] = "__NUMBER__"
    return json.dumps(visit).replace('"__NUMBER__"', draw(_NUMBER_TEXT))


# Each example is a run of the whole graph on both engines (seconds): few examples, and no
# shrinking, which would rerun it hundreds of times; the report names the differing rows.
@hypothesis_settings(
    max_examples=2,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)
@given(payloads=st.lists(_payloads(), min_size=20, max_size=20))
def test_generated_payloads_agree(graph, oracle, payloads):
    _assert_no_difference(differential_run(graph, oracle, {"generated": payloads}, batch_size=len(payloads)))

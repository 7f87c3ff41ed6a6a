"""The evaluator's engine: Dataform's semantics around each query, on hand-made actions."""

from __future__ import annotations

from glue.dataform import Action
from glue.oracle import Table
from glue.oracle.engine import OracleEngine
from tests.hand_made import hand_made


def _action(name: str, kind: str = "table", query: str = "", *dependencies: str, **fields) -> Action:
    return hand_made("ds", name, query, *dependencies, kind=kind, **fields)


def test_an_incremental_merge_replaces_matched_rows_within_the_partition_filter(oracle):
    engine = OracleEngine(oracle)
    engine.create("ds.src", Table([("k", "INT64"), ("v", "STRING")]), [(1, "new"), (2, "new")])
    target = _action(
        "t",
        "incremental",
        "SELECT k, v FROM `ds.src`",
        "src",
        unique_key=["k"],
        update_partition_filter="k >= since",
        incremental_pre_ops=["DECLARE since INT64 DEFAULT (SELECT 2);"],
    )
    engine.create("ds.t", Table([("k", "INT64"), ("v", "STRING")]), [(1, "old"), (2, "old"), (3, "old")])
    assert engine.run([target])["ds.t"].status == "ok"
    # k = 1 lies outside the filter: not compared, so the new row is added beside the old one.
    assert sorted(engine.table("ds.t")[1]) == [(1, "new"), (1, "old"), (2, "new"), (3, "old")]


def test_an_existing_row_matched_by_two_new_rows_fails_as_bigquerys_merge_does(oracle):
    engine = OracleEngine(oracle)
    engine.create("ds.src", Table([("k", "INT64")]), [(1,), (1,)])
    engine.create("ds.t", Table([("k", "INT64")]), [(1,)])
    outcome = engine.run([_action("t", "incremental", "SELECT k FROM `ds.src`", "src", unique_key=["k"])])["ds.t"]
    assert outcome.status == "failed" and "more than one new row" in outcome.message


def test_what_the_evaluator_cannot_run_is_left_uncompared_with_what_depends_on_it(oracle):
    engine = OracleEngine(oracle)
    operations = _action("ops", "operations", queries=["DELETE FROM `ds.x` WHERE TRUE"])
    after = _action("after", "table", "SELECT 1 AS one", "ops")
    outcomes = engine.run([operations, after])
    assert (outcomes["ds.ops"].status, outcomes["ds.after"].status) == ("unsupported", "unsupported")


def test_tables_are_written_as_bigquery_writes_arrays(oracle):
    engine = OracleEngine(oracle)
    outcomes = engine.run(
        [
            _action("empty", "table", "SELECT CAST(NULL AS ARRAY<STRING>) AS reasons"),
            _action("holes", "table", "SELECT ['a', NULL] AS reasons"),
        ]
    )
    assert outcomes["ds.empty"].status == "ok" and engine.table("ds.empty")[1] == [([],)]
    assert (
        outcomes["ds.holes"].status == "failed" and "Array cannot have a null element" in outcomes["ds.holes"].message
    )

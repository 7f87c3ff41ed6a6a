"""The SQL unit-test harness: a model's chain run on DuckDB (the local runner) and on ZetaSQL
(BigQuery's reference evaluator, glue/oracle), and the two compared.

- `Harness(graph, oracle)`: source rows in, a model and its upstream chain run, rows out; with
  the oracle, every run also runs on the evaluator and fails on a difference (harness.py,
  differential.py); `assert_rows` compares rows order-insensitively;
- `run_dataform_tests(connection, graph, oracle)`: the project's Dataform `test` actions
  (`clickstream local test`, dataform_tests.py);
- `differential_run(graph, oracle, corpus)`: a corpus through the whole graph on both engines,
  table by table (conformance.py, bench/differential.py).

Above both the runner and the oracle; the oracle's modules load only when an oracle is given.
"""

from glue.sql_tests.conformance import DifferentialReport, differential_run
from glue.sql_tests.dataform_tests import TestOutcome, run_dataform_tests
from glue.sql_tests.harness import Harness, assert_rows

__all__ = [
    "DifferentialReport",
    "Harness",
    "TestOutcome",
    "assert_rows",
    "differential_run",
    "run_dataform_tests",
]

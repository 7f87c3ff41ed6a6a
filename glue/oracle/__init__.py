"""BigQuery's own SQL front end, ZetaSQL, as the oracle for the local runner.

- `ZetaSQL.start(root)`: the local service (the npm package's binary) on a free port;
- `Oracle(server)`: `analyze` a statement against a catalog, `evaluate` a query over rows;
- `check_graph(graph, oracle, settings)`: every action of the compiled graph analyzed as
  BigQuery would (`clickstream local check`), with problems placed in the SQLX; a `CheckMemo`
  keeps each action's outcome, so an unchanged action is not analyzed again;
- `OracleEngine` (glue/oracle/engine.py): the graph's actions run on the reference evaluator.
"""

from glue.dataform import Problem
from glue.oracle.catalog import Catalog, Constant, Table
from glue.oracle.check import CheckReport, check_graph
from glue.oracle.check_memo import CheckMemo
from glue.oracle.client import Oracle, OracleError
from glue.oracle.protos import OracleUnavailable
from glue.oracle.server import ZetaSQL

__all__ = [
    "Catalog",
    "CheckMemo",
    "CheckReport",
    "Constant",
    "Oracle",
    "OracleError",
    "OracleUnavailable",
    "Problem",
    "Table",
    "ZetaSQL",
    "check_graph",
]

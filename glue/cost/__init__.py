"""What BigQuery would bill for the workflow: per action of a local run, and scaled to years.

- `CostModel(oracle, catalog, layouts)`: the executor's observer; `bills` after the run;
- `cost_model(oracle, graph, settings, check_report)`: one set up for a checked graph;
- `format_bills(bills)`: the bills as text (`clickstream local run --bigquery-cost`);
- `table_reads`, `rules`, `size_sql`: what a statement reads, the pruning rules, the size rules.
"""

from glue.cost import rules
from glue.cost.layout import Layout, layouts
from glue.cost.model import MIN_BILLED, ActionBill, CostModel, StatementBill, TableRead
from glue.cost.reads import Filter, Read, table_reads
from glue.cost.report import format_bills, human
from glue.cost.sizes import size_sql


def cost_model(oracle, graph, settings, check_report) -> CostModel:
    """A cost model over the tables the check analyzed, and the raw sources provisioning makes."""
    from glue.oracle.catalog import Catalog, Table
    from glue.oracle.sources import source_tables

    tables = dict(source_tables(settings))
    tables.update({name: Table(columns) for name, columns in check_report.schemas.items()})
    views = {name: action.query for name, action in graph.actions.items() if action.kind == "view"}
    return CostModel(oracle, Catalog(tables), layouts(graph, settings), views)


__all__ = [
    "ActionBill",
    "CostModel",
    "Filter",
    "Layout",
    "MIN_BILLED",
    "Read",
    "StatementBill",
    "TableRead",
    "cost_model",
    "format_bills",
    "human",
    "layouts",
    "rules",
    "size_sql",
    "table_reads",
]

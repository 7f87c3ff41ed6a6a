"""The local Dataform runner: the compiled graph executed on an embedded DuckDB warehouse.

The SQLX stays BigQuery SQL; `translate` adapts each statement, the executor runs the actions
in dependency order as `dataform run` would (incremental branches, pre- and post-operations,
assertions, protected tables); the SQL tests (glue/sql_tests) run models on it. This module is
the runner's public API: code outside the package imports from here only (tests/test_layout.py
checks it).
"""

from glue.runner.bigquery_ml import BigQueryML
from glue.runner.executor import Executor
from glue.runner.queries import QueryError, QueryResult, run_query, table_query
from glue.runner.reprocess import LoadRange, parse_range, reprocess_selection
from glue.runner.results import ActionFailed, ActionResult, RunReport
from glue.runner.translate import Script, TranslationCache, Translator, UntranslatableSQL
from glue.runner.translate.errors import missing_function
from glue.runner.warehouse import (
    OBJECT_COLUMNS,
    PUBSUB_COLUMNS,
    WarehouseBusy,
    connect,
    ensure_schema,
    held_rows,
    relation_exists,
)
from glue.runner.workflow import (
    RunOptions,
    compile_graph,
    expand_inputs,
    format_step,
    plan_workflow,
    planned_step,
    print_result,
    run_workflow,
)

__all__ = [
    "OBJECT_COLUMNS",
    "PUBSUB_COLUMNS",
    "ActionFailed",
    "ActionResult",
    "LoadRange",
    "BigQueryML",
    "Executor",
    "QueryError",
    "QueryResult",
    "RunOptions",
    "RunReport",
    "Script",
    "TranslationCache",
    "Translator",
    "UntranslatableSQL",
    "WarehouseBusy",
    "compile_graph",
    "connect",
    "ensure_schema",
    "held_rows",
    "missing_function",
    "expand_inputs",
    "format_step",
    "plan_workflow",
    "planned_step",
    "parse_range",
    "print_result",
    "reprocess_selection",
    "relation_exists",
    "run_query",
    "run_workflow",
    "table_query",
]

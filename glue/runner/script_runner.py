"""One BigQuery script on the warehouse: its statements in order, IF blocks run by their
conditions, BigQuery ML's statements and calls through glue/runner/bigquery_ml.py.

A script with neither IF nor BigQuery ML (nearly all of them) is translated whole, as one cached
translation; the others statement by statement, since what runs depends on what came before.
"""

from __future__ import annotations

import duckdb

from glue.dataform import If, ScriptError, blocks, has_blocks
from glue.ml.sql import mentions_ml
from glue.runner.bigquery_ml import BigQueryML
from glue.runner.results import ActionFailed
from glue.runner.translate import Translator


def run_script(connection: duckdb.DuckDBPyConnection, translator: Translator, script: str, ml: BigQueryML) -> None:
    if not mentions_ml(script) and not has_blocks(script):
        for statement in translator.script(script).statements:
            connection.execute(statement)
        return
    try:
        nodes = blocks(script)
    except ScriptError as error:
        raise ActionFailed(f"{ml.where}: {error}") from None
    _run(connection, translator, nodes, ml)


def _run(connection, translator: Translator, nodes: list, ml: BigQueryML) -> None:
    for node in nodes:
        if isinstance(node, If):
            for branch in node.branches:
                if branch.condition is None or _holds(connection, translator, branch.condition.text, ml):
                    _run(connection, translator, branch.body, ml)
                    break
        elif not ml.statement(node.text):
            for statement in translator.script(ml.rewrite(node.text)).statements:
                connection.execute(statement)


def _holds(connection, translator: Translator, condition: str, ml: BigQueryML) -> bool:
    """An IF's condition, as BigQuery reads it: only TRUE runs the branch (NULL does not)."""
    [(holds,)] = connection.execute(translator.query(f"SELECT {ml.rewrite(condition)}")).fetchall()
    return holds is True

"""The oracle's two questions: what a statement means (analysis) and what a query returns (evaluation).

    oracle = Oracle(ZetaSQL.start(root))
    columns = oracle.analyze("SELECT ...", catalog)              # [(name, BigQuery type)]
    columns, rows = oracle.evaluate("SELECT ...", catalog, {"ds.t": rows})

Errors come back as OracleError with BigQuery's message and the line and column it gives.
"""

from __future__ import annotations

import re

import grpc

from glue.oracle import catalog as catalogs
from glue.oracle import types, values
from glue.oracle.server import ZetaSQL

_AT = re.compile(r"\s*\[at (\d+):(\d+)\]\s*$")


class OracleError(Exception):
    """BigQuery's (ZetaSQL's) error for a statement, with its 1-based line and column when given."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


def _error(error: grpc.RpcError) -> OracleError:
    if error.code() not in (
        grpc.StatusCode.INVALID_ARGUMENT,
        grpc.StatusCode.OUT_OF_RANGE,
        grpc.StatusCode.UNIMPLEMENTED,
        grpc.StatusCode.FAILED_PRECONDITION,
    ):
        raise error  # not an answer about the SQL: the service itself failed
    details = error.details() or ""
    where = _AT.search(details)
    if where:
        return OracleError(details[: where.start()], int(where[1]), int(where[2]))
    return OracleError(details)


def _holding(resolved, field: str):
    """The node of a resolved statement that has `field`, or None: through the oneof wrappers of
    the node kinds, then up the `parent`s, which hold the fields of the kinds a node extends."""
    node = resolved
    while node.DESCRIPTOR.name.startswith("AnyResolved"):
        kind = node.WhichOneof("node")
        if kind is None:
            return None
        node = getattr(node, kind)
    while field not in node.DESCRIPTOR.fields_by_name:
        if "parent" not in node.DESCRIPTOR.fields_by_name:
            return None
        node = node.parent
    return node


def _output_columns(resolved, pb) -> list[tuple[str, str]]:
    """[(name, type)] of a resolved statement that returns or writes rows; [] for others."""
    node = _holding(resolved, "output_column_list")
    return [(c.name, types.to_name(c.column.type, pb)) for c in node.output_column_list] if node else []


def _defined_columns(resolved, pb) -> list[tuple[str, str]]:
    """[(name, type)] of a resolved CREATE TABLE's column list; [] for other statements."""
    node = _holding(resolved, "column_definition_list")
    return [(c.name, types.to_name(c.type, pb)) for c in node.column_definition_list] if node else []


class Oracle:
    def __init__(self, server: ZetaSQL):
        self.server, self.pb = server, server.pb
        self.language = catalogs.language_options(self.pb, server.stub)
        self.options = catalogs.analyzer_options(self.language, self.pb)

    def analyze(self, sql: str, catalog: catalogs.Catalog) -> list[tuple[str, str]]:
        """The statement's output columns as BigQuery types; raises OracleError when BigQuery would refuse it."""
        request = self.pb.service.AnalyzeRequest(
            options=self.options, simple_catalog=catalogs.to_proto(catalog, self.language, self.pb), sql_statement=sql
        )
        try:
            response = self.server.stub.Analyze(request)
        except grpc.RpcError as error:
            raise _error(error) from None
        return _output_columns(response.resolved_statement, self.pb)

    def defined_columns(self, sql: str, catalog: catalogs.Catalog) -> list[tuple[str, str]]:
        """The columns a CREATE TABLE statement lists, as BigQuery types ([] for other statements)."""
        return _defined_columns(self.resolve(sql, catalog), self.pb)

    def resolve(self, sql: str, catalog: catalogs.Catalog):
        """The resolved statement itself (a ZetaSQL AnyResolvedStatementProto), with each node's place
        in `sql` and only the columns the statement uses in its table scans: what the cost model reads."""
        options = type(self.options)()
        options.CopyFrom(self.options)
        options.prune_unused_columns = True
        options.parse_location_record_type = self.pb.language.PARSE_LOCATION_RECORD_FULL_NODE_SCOPE
        request = self.pb.service.AnalyzeRequest(
            options=options, simple_catalog=catalogs.to_proto(catalog, self.language, self.pb), sql_statement=sql
        )
        try:
            return self.server.stub.Analyze(request).resolved_statement
        except grpc.RpcError as error:
            raise _error(error) from None

    def evaluate(
        self, sql: str, catalog: catalogs.Catalog, contents: dict[str, list[tuple]]
    ) -> tuple[list[tuple[str, str]], list[tuple]]:
        """Runs a query on ZetaSQL's reference evaluator over these tables' rows."""
        pb = self.pb
        table_content = {}
        for name, rows in contents.items():
            table = catalog.tables[name]
            data = pb.service.TableData(
                row=[
                    pb.service.TableData.Row(
                        cell=[values.to_proto(v, t, pb) for v, (_, t) in zip(row, table.all_columns)]
                    )
                    for row in rows
                ]
            )
            table_content[name] = pb.service.TableContent(table_data=data)
        request = pb.service.EvaluateQueryRequest(
            sql=sql,
            options=self.options,
            simple_catalog=catalogs.to_proto(catalog, self.language, pb),
            table_content=table_content,
        )
        try:
            response = self.server.stub.EvaluateQuery(request)
        except grpc.RpcError as error:
            raise _error(error) from None
        columns = [(c.name, types.to_name(c.type, pb)) for c in response.prepared.columns]
        rows = [
            tuple(values.from_proto(cell, kind) for cell, (_, kind) in zip(row.cell, columns))
            for row in response.content.table_data.row
        ]
        return columns, rows

"""What a statement reads, from BigQuery's own analysis of it (ZetaSQL's resolved AST).

For each table scan: the table, the columns the statement uses from it, and the filters that
can limit what BigQuery reads of it. A filter is kept when it is a conjunct (a term of the
top-level AND) of a WHERE, an ON or a MERGE condition that compares one column of that scan,
bare or in DATE()/TIMESTAMP_TRUNC()/DATE_TRUNC(), with a constant expression: literals,
parameters, script variables and functions of them (CURRENT_TIMESTAMP() included), never a
subquery or another column. Whether it prunes is rules.py's question; this module only finds
the candidates and where they are in the SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field

_COMPARISONS = {
    "$equal": "=",
    "$less": "<",
    "$less_or_equal": "<=",
    "$greater": ">",
    "$greater_or_equal": ">=",
    "$between": "between",
    "$in": "in",
    "$in_array": "in",
}
# The comparison read from the other side: `x < col` is `col > x`.
_FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "="}
_WRAPPERS = {
    "$extract_date": "DATE",
    "date": "DATE",
    "timestamp_trunc": "TIMESTAMP_TRUNC",
    "date_trunc": "DATE_TRUNC",
    "datetime_trunc": "DATETIME_TRUNC",
}
_CONSTANT_LEAVES = {
    "ResolvedLiteralProto",
    "ResolvedParameterProto",
    "ResolvedConstantProto",
    "ResolvedSystemVariableProto",
}
_FILTER_FIELDS = ("filter_expr", "join_expr", "merge_expr", "where_expr")


@dataclass
class Filter:
    column: str
    op: str  # = < <= > >= between in
    constants: list[str]  # SQL text of the constant side(s), as written
    wrapper: str = ""  # DATE, TIMESTAMP_TRUNC, ... around the column, when any


@dataclass
class Read:
    table: str  # dataset.table
    columns: list[str]
    filters: list[Filter] = field(default_factory=list)
    target: bool = False  # the table a MERGE, UPDATE or DELETE rewrites


def node(message):
    """The concrete node inside ZetaSQL's oneof wrappers (AnyResolved...Proto)."""
    while message.DESCRIPTOR.name.startswith("AnyResolved"):
        kind = message.WhichOneof("node")
        if kind is None:
            return None
        message = getattr(message, kind)
    return message


def get(message, name: str):
    """A field of the node, looked up through `parent`, which holds the fields of the kind it extends."""
    while name not in message.DESCRIPTOR.fields_by_name:
        if "parent" not in message.DESCRIPTOR.fields_by_name:
            return None
        message = message.parent
    return getattr(message, name)


def _fields(message):
    while True:
        for descriptor, value in message.ListFields():
            if descriptor.name != "parent":
                yield descriptor, value
        if "parent" not in message.DESCRIPTOR.fields_by_name or not message.HasField("parent"):
            return
        message = message.parent


def walk(message):
    """Every resolved node under this one, itself first."""
    message = node(message)
    if message is None:
        return
    yield message
    for descriptor, value in _fields(message):
        if descriptor.type != descriptor.TYPE_MESSAGE:
            continue
        for item in value if hasattr(value, "add") else [value]:
            if item.DESCRIPTOR.name.startswith("AnyResolved") or "parent" in item.DESCRIPTOR.fields_by_name:
                yield from walk(item)


def _location(message) -> tuple[int, int] | None:
    while True:
        if "parse_location_range" in message.DESCRIPTOR.fields_by_name and message.HasField("parse_location_range"):
            where = message.parse_location_range
            return where.start, where.end
        if "parent" not in message.DESCRIPTOR.fields_by_name:
            return None
        message = message.parent


def _function(call) -> str:
    name = get(call, "function").name
    return name.split(":", 1)[-1].lower() if ":" in name else name.lower()


class _Scans:
    """Column ids of every table scan, and which scan and column each belongs to."""

    def __init__(self, statement, tables: dict[int, str]):
        self.reads: list[Read] = []
        self.owner: dict[int, tuple[Read, str]] = {}
        target = _target_scan(statement)
        written = _inserted_scan(statement)
        for scan in (n for n in walk(statement) if n.DESCRIPTOR.name == "ResolvedTableScanProto"):
            if scan is written:
                continue  # an INSERT's target is written, not read: BigQuery bills only its query
            name = tables.get(scan.table.serialization_id, scan.table.full_name)
            columns = [c for c in get(scan, "column_list")]
            read = Read(name, sorted({c.name for c in columns}), target=scan is target)
            self.reads.append(read)
            for column in columns:
                self.owner[column.column_id] = (read, column.name)


def _inserted_scan(statement):
    if statement.DESCRIPTOR.name == "ResolvedInsertStmtProto" and statement.HasField("table_scan"):
        return node(statement.table_scan)
    return None


def _target_scan(statement):
    for kind in ("ResolvedMergeStmtProto", "ResolvedUpdateStmtProto", "ResolvedDeleteStmtProto"):
        if statement.DESCRIPTOR.name == kind:
            return node(statement.table_scan) if statement.HasField("table_scan") else None
    return None


def _conjuncts(expression):
    expression = node(expression)
    if expression is None:
        return
    if expression.DESCRIPTOR.name == "ResolvedFunctionCallProto" and _function(expression) == "$and":
        for argument in get(expression, "argument_list"):
            yield from _conjuncts(argument)
    else:
        yield expression


def _is_constant(expression) -> bool:
    for item in walk(expression):
        kind = item.DESCRIPTOR.name
        if kind in ("ResolvedColumnRefProto", "ResolvedSubqueryExprProto"):
            return False
        if kind not in _CONSTANT_LEAVES and kind not in ("ResolvedFunctionCallProto", "ResolvedCastProto"):
            return False
    return True


def _column(expression, scans: _Scans):
    """(read, column, wrapper) when the expression is one scan's column, bare or in a date wrapper."""
    expression = node(expression)
    wrapper = ""
    if expression.DESCRIPTOR.name == "ResolvedFunctionCallProto" and _function(expression) in _WRAPPERS:
        wrapper = _WRAPPERS[_function(expression)]
        arguments = [node(a) for a in get(expression, "argument_list")]
        if not arguments or not all(_is_constant(a) for a in arguments[1:]):
            return None
        expression = arguments[0]
    if expression.DESCRIPTOR.name == "ResolvedCastProto":
        expression = node(expression.expr)
    if expression.DESCRIPTOR.name != "ResolvedColumnRefProto":
        return None
    owner = scans.owner.get(expression.column.column_id)
    return (*owner, wrapper) if owner else None


def _text(expression, sql: str) -> str | None:
    where = _location(node(expression))
    return sql[where[0] : where[1]] if where else None


def _filter(conjunct, scans: _Scans, sql: str) -> tuple[Read, Filter] | None:
    if conjunct.DESCRIPTOR.name != "ResolvedFunctionCallProto":
        return None
    op = _COMPARISONS.get(_function(conjunct))
    if op is None:
        return None
    arguments = [node(a) for a in get(conjunct, "argument_list")]
    column = _column(arguments[0], scans)
    others = arguments[1:]
    if column is None and op in _FLIPPED and len(arguments) == 2:
        column, others, op = _column(arguments[1], scans), arguments[:1], _FLIPPED[op]
    if column is None or not all(_is_constant(o) for o in others):
        return None
    texts = [_text(o, sql) for o in others]
    if any(t is None for t in texts):
        return None
    read, name, wrapper = column
    return read, Filter(name, op, texts, wrapper)


def table_reads(statement, sql: str, tables: dict[int, str]) -> list[Read]:
    """Each table scan of the resolved statement with its columns and its constant filters."""
    statement = node(statement)
    scans = _Scans(statement, tables)
    for item in walk(statement):
        for name in _FILTER_FIELDS:
            if name not in item.DESCRIPTOR.fields_by_name or not item.HasField(name):
                continue
            for conjunct in _conjuncts(getattr(item, name)):
                found = _filter(conjunct, scans, sql)
                if found:
                    found[0].filters.append(found[1])
    return scans.reads

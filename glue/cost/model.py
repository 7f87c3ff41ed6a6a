"""What BigQuery would bill for each action of a local run (`clickstream local run --bigquery-cost`).

Before the executor runs an action, the model takes the statements `dataform run` would send
for it (pre-operations, then the CREATE, MERGE or INSERT around the query, or the assertion's
query), has BigQuery's analyzer resolve each, and prices what each reads:

- the columns each table scan uses (reads.py), in the partitions and blocks that survive
  BigQuery's pruning rules (rules.py), sized by BigQuery's data-size rules (sizes.py) over the
  local tables' rows, as they are when the statement would run;
- a MERGE with an UPDATE clause, and an UPDATE or DELETE, also bills every column of the target
  partitions (and blocks) it may touch (BigQuery's DML pricing: q' + t'); an INSERT bills only
  what its query reads;
- each table referenced bills at least 10 MB;
- a view bills the tables its query reads.

The script variables a statement filters on are set first, as the run sets them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from glue.cost import measure, rules
from glue.cost.layout import Layout
from glue.cost.reads import Read, table_reads
from glue.dataform import Action, If, blocks
from glue.oracle import scripts, statements
from glue.oracle.catalog import Catalog, Constant

MIN_BILLED = 10 * 2**20  # BigQuery's on-demand minimum per table referenced


@dataclass
class TableRead:
    table: str
    columns: list[str]
    bytes: int
    partitions_read: int | None  # None: not partitioned
    partitions: int | None
    pruning: str  # what limited the read: partitions, blocks, partitions+blocks, none
    target: bool = False
    # What the scaled model needs (scale.py): the time ranges the filters allow, on the partitioning
    # column and on a clustering column that holds times; the share of rows other block filters
    # keep; the bytes per row of the columns billed, and the rows, over the whole local table.
    partition_ranges: list | None = None
    block_ranges: list | None = None
    selectivity: float = 1.0
    bytes_per_row: float = 0.0
    rows: int = 0

    @property
    def billed(self) -> int:
        return max(self.bytes, MIN_BILLED)


@dataclass
class StatementBill:
    what: str
    reads: list[TableRead] = field(default_factory=list)

    @property
    def billed(self) -> int:
        return sum(r.billed for r in self.reads)


@dataclass
class ActionBill:
    action: str
    branch: str  # full | incremental | view | assertion
    statements: list[StatementBill] = field(default_factory=list)

    @property
    def billed(self) -> int:
        return sum(s.billed for s in self.statements)


def serial_names(catalog: Catalog) -> dict[int, str]:
    """The serialization ids glue/oracle/catalog.py gives each table, back to its name."""
    found = {}
    for serial, name in enumerate(sorted(catalog.tables), start=1):
        found[2 * serial] = found[2 * serial + 1] = name
    return found


class CostModel:
    def __init__(self, oracle, catalog: Catalog, layouts: dict[str, Layout], views: dict[str, str] | None = None):
        self.oracle, self.catalog, self.layouts = oracle, catalog, layouts
        self.views = views or {}  # view name -> its query: reading a view bills the tables it reads
        self.names = serial_names(catalog)
        self.bills: list[ActionBill] = []

    # ------------------------------------------------------------------ the executor's hook
    def __call__(self, action: Action, branch: str, connection, translator) -> None:
        bill = ActionBill(action.name, branch)
        pre_ops = {"incremental": action.incremental_pre_ops, "full": action.pre_ops, "operations": action.queries}.get(
            branch, []
        )
        constants: dict[str, Constant] = {}
        for script in pre_ops:
            self._script(bill, script, constants, connection, translator)
        main = self._main(action, branch)
        if main is not None:
            bill.statements.append(self.price(main[0], main[1], constants, connection, translator))
        # Post-operations are priced against the tables as they were before the action.
        for script in {"incremental": action.incremental_post_ops, "full": action.post_ops}.get(branch, []):
            self._script(bill, script, constants, connection, translator)
        self.bills.append(bill)

    def _main(self, action: Action, branch: str):
        """The statement Dataform writes around the query; None when there is none (a view costs
        nothing to create, an operations action is its own statements)."""
        if action.kind in ("view", "operations"):
            return None
        if action.kind == "assertion":
            return "query", action.query
        if branch == "full":
            return "create table", statements.create_table(action, action.query).sql
        columns = [name for name, _ in self.catalog.tables[action.name].columns]
        query = action.incremental_query or action.query
        if action.unique_key:
            return "merge", statements.merge(action, query, columns).sql
        return "insert", statements.insert(action, query, columns).sql

    def _script(self, bill, script: str, constants, connection, translator) -> None:
        """Each statement the run executes, in order, priced; IF blocks by their conditions, and
        each DECLARE and SET also carried out in `connection`, so that what follows is priced
        with the variables the run will have."""
        self._statements(bill, script, blocks(script), constants, connection, translator)

    def _statements(self, bill, script: str, nodes: list, constants, connection, translator) -> None:
        for node in nodes:
            if isinstance(node, If):
                for branch in node.branches:
                    if branch.condition is None or self._holds(branch.condition.text, connection, translator):
                        self._statements(bill, script, branch.body, constants, connection, translator)
                        break
                continue
            assigned = scripts.assignment(node)
            declared = scripts.declare(node) if assigned is None else None
            if assigned is None and declared is None:
                bill.statements.append(self.price("pre_operations", node.text, constants, connection, translator))
                continue
            if assigned is not None:
                what, start, end = f"SET {assigned.name}", assigned.value_start, assigned.value_end
            else:
                what, start, end = f"DECLARE {', '.join(declared.names)}", declared.default_start, declared.default_end
            if start is not None:
                value = "SELECT " + script[start:end].rstrip().rstrip(";")
                bill.statements.append(self.price(what, value, constants, connection, translator))
                if declared is not None:
                    [(_, kind)] = self.oracle.analyze(value, self.catalog.with_constants(constants))
                    constants.update({name: Constant(declared.type or kind) for name in declared.names})
            elif declared is not None:
                constants.update({name: Constant(declared.type) for name in declared.names})
            for sql in translator.script(node.text).statements:  # as the run sets the variable
                connection.execute(sql)

    @staticmethod
    def _holds(condition: str, connection, translator) -> bool:
        """An IF's condition as BigQuery reads it: only TRUE runs the branch."""
        [(holds,)] = connection.execute(translator.query(f"SELECT {condition}")).fetchall()
        return holds is True

    # ------------------------------------------------------------------ one statement
    def price(self, what: str, sql: str, constants, connection, translator) -> StatementBill:
        """What BigQuery bills for one statement, with the script variables `constants` names set in
        `connection` (as the run sets them) and `translator` knowing them."""
        resolved = self.oracle.resolve(sql, self.catalog.with_constants(constants))
        # DML bills every column of the target's partitions it scans (a MERGE, UPDATE or DELETE).
        updates = what == "merge" or sql.lstrip().upper().startswith(("MERGE", "UPDATE", "DELETE"))
        by_table: dict[str, list[Read]] = {}
        for read in table_reads(resolved, sql, self.names):
            by_table.setdefault(read.table, []).append(read)
        bill = StatementBill(what)
        for table, reads in by_table.items():
            if table in self.views:  # whole: a filter on a view is not taken to prune its tables
                bill.reads += self.price(what, self.views[table], {}, connection, translator).reads
            else:
                bill.reads.append(self._table(table, reads, updates, connection, translator))
        # A table named twice (directly and through a view) is one table referenced.
        widest: dict[str, TableRead] = {}
        for read in bill.reads:
            if read.table not in widest or read.bytes > widest[read.table].bytes:
                widest[read.table] = read
        bill.reads = list(widest.values())
        return bill

    def _table(self, table: str, reads: list[Read], updates: bool, connection, translator) -> TableRead:
        layout = self.layouts.get(table, Layout())
        schema = self.catalog.tables[table].columns
        read_parts: dict[tuple, dict[str, int]] = {}
        total_parts, pruning = set(), set()
        columns: set[str] = set()
        scopes = []
        whole = measure.partitions(connection, table, layout, schema)  # measured once per table
        for read in reads:
            wanted = {c for c, _ in schema} if (read.target and updates) else set(read.columns)
            columns |= wanted
            survivors, scope = self._surviving(table, layout, read, whole, connection, translator)
            scopes.append(scope)
            for part, matched, how in survivors:
                total_parts.add(part.start)
                pruning |= how
                if matched:
                    kept = read_parts.setdefault(part.start, {})
                    for name in wanted if not layout.external else ["*"]:
                        kept[name] = max(kept.get(name, 0), part.bytes.get(name, 0))
        nbytes = sum(sum(b.values()) for b in read_parts.values())
        partitioned = layout.partitioned
        rows = sum(p.rows for p in whole)
        per_row = sum(p.bytes.get(c, 0) for p in whole for c in (columns if not layout.external else ["*"]))
        return TableRead(
            table,
            sorted(columns),
            nbytes,
            len(read_parts) if partitioned else None,
            len(total_parts) if partitioned else None,
            "+".join(sorted(pruning)) or "none",
            any(r.target for r in reads),
            *_widest(scopes),
            per_row / rows if rows else 0.0,
            rows,
        )

    def _surviving(self, table, layout, read: Read, whole: list, connection, translator):
        """[(partition, read?, {how it was pruned})] for each partition, and the read's scope; a clustered
        table's partitions hold only the bytes of the blocks its filters cannot skip."""
        partition_ranges, blocks, how = None, [], set()
        time_blocks, other_blocks = None, []
        for condition in read.filters:
            values = [self._value(text, connection, translator) for text in condition.constants]
            if rules.prunes_partitions(layout, condition):
                partition_ranges = rules.intersect(partition_ranges, rules.allowed(condition, values))
                how.add("partitions")
            if rules.prunes_blocks(layout, condition):
                blocks.append((condition.column, condition.op, values))
                how.add("blocks")
                if _all_times(values):
                    time_blocks = rules.intersect(time_blocks, rules.allowed(condition, values))
                else:
                    other_blocks.append((condition.column, condition.op, values))
        schema = self.catalog.tables[table].columns
        everything = {p.start: p for p in whole}
        if blocks:
            where, parameters = measure.block_condition(blocks)
            kept = {p.start: p for p in measure.partitions(connection, table, layout, schema, where, parameters)}
        else:
            kept = everything
        survivors = []
        for start, part in everything.items():
            survives = partition_ranges is None or (
                part.start is not None and rules.overlaps(part.start, part.end, partition_ranges)
            )
            matched = kept.get(start)
            survivors.append(((matched or part), bool(survives and matched), how))
        selectivity = 1.0
        if other_blocks:
            where, parameters = measure.block_condition(other_blocks)
            all_rows = sum(p.rows for p in everything.values())
            some = sum(p.rows for p in measure.partitions(connection, table, layout, [], where, parameters))
            selectivity = some / all_rows if all_rows else 1.0
        return survivors, (partition_ranges, time_blocks, selectivity)

    @staticmethod
    def _value(text: str, connection, translator):
        return connection.execute(translator.query(f"SELECT {text}")).fetchone()[0]


def _all_times(values) -> bool:
    items = [v for item in values for v in (item if isinstance(item, list) else [item])]
    return bool(items) and all(isinstance(v, (datetime, date)) for v in items)


def _widest(scopes):
    """One scope for several scans of a table: the union of what each allows."""

    def union(ranges):
        return None if any(r is None for r in ranges) else [x for r in ranges for x in r]

    return union([s[0] for s in scopes]), union([s[1] for s in scopes]), max(s[2] for s in scopes)

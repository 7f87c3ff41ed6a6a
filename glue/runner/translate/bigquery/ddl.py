"""BigQuery DDL in operations and pre-operations, with what only BigQuery's storage means dropped.

A table's or view's `PARTITION BY`, `CLUSTER BY`, `OPTIONS(...)` (description, expiration,
labels, ...) and a schema's location say how BigQuery stores and describes the data; the rows
are the same without them, DuckDB has none of them, and sqlglot's DuckDB writer refuses them.
They are dropped. Properties that change what a statement does, such as `LANGUAGE js` or
`MATERIALIZED`, are reported as not run locally.
"""

from __future__ import annotations

from sqlglot import exp

# Storage and metadata only: the statement's rows are the same without them.
_STORAGE_PROPERTIES = (exp.PartitionedByProperty, exp.ClusterProperty, exp.LocationProperty, exp.Property)


def storage_properties(tree: exp.Expression) -> exp.Expression:
    if not isinstance(tree, exp.Create):
        return tree
    properties = tree.args.get("properties")
    if properties is not None:
        kept = [p for p in properties.expressions if type(p) not in _STORAGE_PROPERTIES]
        if kept:
            properties.set("expressions", kept)
        else:
            tree.set("properties", None)
    for definition in tree.find_all(exp.ColumnDef):
        constraints = definition.args.get("constraints") or []
        definition.set("constraints", [c for c in constraints if not isinstance(c.args.get("kind"), exp.Properties)])
    return tree

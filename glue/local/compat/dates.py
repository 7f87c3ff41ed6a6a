"""Fixes for dates, weeks and time differences.

- `EXTRACT(DAYOFWEEK ...)`: DuckDB counts Sunday as 0, BigQuery as 1; `EXTRACT(WEEK ...)` and
  `WEEK(<day>)` became the ISO week: now BigQuery's weeks starting on that day (Sunday for WEEK);
  `EXTRACT(ISOWEEK ...)` became a part DuckDB does not know: now its ISO week;
- `TIMESTAMP_DIFF` counted unit boundaries crossed: now whole units, as BigQuery counts;
- `DATE_TRUNC(date, MONTH)` (and DAY, ISOWEEK, WEEK(MONDAY), QUARTER, YEAR) became a TIMESTAMP:
  now a bucket of the input's own type, a DATE for a DATE;
- `DATE_ADD`, `DATE_SUB` and `DATE_FROM_UNIX_DATE` became DATE + INTERVAL, a TIMESTAMP: now a DATE.
"""
from __future__ import annotations

from sqlglot import exp

from glue.local.compat.tree_edits import innermost_first, replace_node, with_value


_WEEKDAYS = ["SUNDAY", "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY"]


def extract_parts(tree: exp.Expression) -> exp.Expression:
    """EXTRACT parts that DuckDB names or counts differently.

    DAYOFWEEK: DuckDB counts Sunday as 0, BigQuery as 1. WEEK and WEEK(<day>): BigQuery numbers
    weeks from 0, starting on that day (Sunday for WEEK), the days before the year's first such
    day being week 0; DuckDB's WEEK is the ISO week, which is BigQuery's ISOWEEK (a name DuckDB
    does not know)."""
    def replace(node):
        if not isinstance(node, exp.Extract):
            return node
        part, value = node.this, node.expression
        if isinstance(part, exp.WeekStart) or part.name.upper() == "WEEK":
            start = _WEEKDAYS.index(part.this.name.upper()) if isinstance(part, exp.WeekStart) else 0
            # The week's first day is `offset` days back; a week whose first day is in the year
            # before is week 0.
            offset = f"(dayofweek(__value) - {start} + 7) % 7"
            return exp.paren(with_value(f"(dayofyear(__value) - {offset} + 6) // 7", value), copy=False)
        if part.name.upper() == "ISOWEEK":
            return exp.Extract(this=exp.var("WEEK"), expression=value)
        if part.name.upper() == "DAYOFWEEK":
            dow = exp.Extract(this=exp.var("DOW"), expression=value)
            return exp.paren(exp.Add(this=dow, expression=exp.Literal.number(1)), copy=False)
        return node

    return tree.transform(replace, copy=False)


def timestamp_diff(tree: exp.Expression) -> exp.Expression:
    """TIMESTAMP_DIFF counts whole units (10:59 to 12:58 is 1 hour); DuckDB's date_diff, which
    sqlglot writes, counts the unit's boundaries crossed (2 hours). date_sub counts whole units."""
    def replace(node):
        if not isinstance(node, exp.TimestampDiff):
            return node
        unit = exp.Literal.string((node.unit.name if node.unit else "DAY").upper())
        return exp.Anonymous(this="date_sub", expressions=[unit, node.expression, node.this])

    return tree.transform(replace, copy=False)


# BigQuery's DATE_TRUNC granularities as DuckDB time buckets, which keep the input's type (DuckDB's
# date_trunc makes a DATE a TIMESTAMP). A week starts on its day: 2000-01-02 was a Sunday.
_BUCKETS = {"DAY": ("1 day", None), "MONTH": ("1 month", None), "QUARTER": ("3 months", None),
            "YEAR": ("1 year", None), "WEEK": ("7 days", "2000-01-02"), "ISOWEEK": ("7 days", "2000-01-03")} | {
    f"WEEK({day})": ("7 days", f"2000-01-{2 + number:02d}") for number, day in enumerate(_WEEKDAYS)}


def date_trunc(tree: exp.Expression) -> exp.Expression:
    def replace(node):
        if not isinstance(node, exp.DateTrunc) or node.args.get("zone"):
            return node
        unit = node.args.get("unit")
        name = f"WEEK({unit.this.name.upper()})" if isinstance(unit, exp.WeekStart) else unit.name.upper()
        if name not in _BUCKETS:
            return node  # ISOYEAR, and the time units of a DATETIME or TIMESTAMP, stay date_trunc
        width, origin = _BUCKETS[name]
        arguments = [exp.Interval(this=exp.Literal.string(width)), node.this]
        if origin:
            arguments.append(exp.Cast(this=exp.Literal.string(origin), to=exp.DataType.build("DATE")))
        return exp.Anonymous(this="time_bucket", expressions=arguments)

    return tree.transform(replace, copy=False)


def date_arithmetic(tree: exp.Expression) -> exp.Expression:
    """BigQuery's DATE_ADD, DATE_SUB and DATE_FROM_UNIX_DATE give a DATE; DuckDB's DATE + INTERVAL
    a TIMESTAMP. The day arithmetic is the same, month ends included (Jan 31 + 1 month: Feb 29)."""
    for node in innermost_first(tree, exp.DateAdd, exp.DateSub, exp.DateFromUnixDate):
        tree = replace_node(tree, node, exp.Cast(this=node.copy(), to=exp.DataType.build("DATE")))
    return tree

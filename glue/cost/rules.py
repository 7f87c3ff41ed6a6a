"""BigQuery's documented pruning rules, applied to the filters reads.py finds.

Partition pruning (https://cloud.google.com/bigquery/docs/querying-partitioned-tables):
- a filter prunes partitions when it compares the partitioning column, isolated (bare, or in
  DATE() / TIMESTAMP_TRUNC() / DATE_TRUNC()), with a constant expression: literals, parameters,
  script variables (DECLARE), CURRENT_TIMESTAMP() and functions of them;
- a filter whose value comes from a subquery, or that combines the column with another column,
  does not prune (reads.py never offers those);
- a condition under OR is not a filter on the column: only the terms of the top-level AND are.
A partition is read when some time in its range [start, end) can satisfy every such filter.

Block pruning in clustered tables (https://cloud.google.com/bigquery/docs/clustered-tables):
a filter on the first clustering column, with the same constant forms, lets BigQuery skip the
blocks whose values cannot match; the bytes billed are those of the blocks read. The model
takes them as the bytes of the rows that match: blocks hold one write's rows (every row of an
hourly load shares its loaded_at), so a load's rows are read or skipped together. The dry-run
estimate BigQuery shows before the query is the partition figure, an upper bound.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from glue.cost.layout import Layout
from glue.cost.reads import Filter
from glue.settings import LANDING_HOUR_FORMAT

_TICK = timedelta(microseconds=1)
_DAY = timedelta(days=1)
PARTITION_WRAPPERS = {"", "DATE", "TIMESTAMP_TRUNC", "DATE_TRUNC", "DATETIME_TRUNC"}
_RANGE_OPS = {"=", "<", "<=", ">", ">=", "between", "in"}
_MIN = datetime.min.replace(tzinfo=timezone.utc)
_MAX = datetime.max.replace(tzinfo=timezone.utc)


def prunes_partitions(layout: Layout, condition: Filter) -> bool:
    return (
        layout.partitioned
        and condition.column == layout.partition_column
        and condition.wrapper in PARTITION_WRAPPERS
        and condition.op in _RANGE_OPS
    )


def prunes_blocks(layout: Layout, condition: Filter) -> bool:
    return (
        bool(layout.cluster)
        and condition.column == layout.cluster[0]
        and condition.wrapper == ""
        and condition.op in _RANGE_OPS
    )


def instant(value) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    if isinstance(value, str):  # a hive partition key: the hour an object landed, YYYY-MM-DDTHH
        return datetime.strptime(value, LANDING_HOUR_FORMAT).replace(tzinfo=timezone.utc)
    raise ValueError(f"not a time: {value!r}")


def allowed(condition: Filter, values: list) -> list[tuple[datetime, datetime]]:
    """The [lo, hi) ranges of the column's values that can satisfy the filter, given its constants'
    values. A NULL constant satisfies nothing. Under DATE(), a date stands for its whole day."""
    whole_day = condition.wrapper in ("DATE", "DATE_TRUNC")
    width = _DAY if whole_day else _TICK
    if condition.op == "in":
        points = [instant(v) for item in values for v in (item if isinstance(item, list) else [item])]
        return [(p, p + width) for p in points if p is not None]
    bounds = [instant(v) for v in values]
    if any(b is None for b in bounds):
        return []
    low = bounds[0]
    if condition.op == "between":
        return [(low, _later(bounds[1], width))]
    after = _later(low, width)
    return [
        {
            "=": (low, after),
            ">": (after, _MAX),
            ">=": (low, _MAX),
            "<": (_MIN, low),
            "<=": (_MIN, after),
        }[condition.op]
    ]


def _later(moment: datetime, width: timedelta) -> datetime:
    """moment + width, or the end of time where that passes it (TIMESTAMP '9999-12-31 23:59:59.999999')."""
    return moment + width if moment < _MAX - width else _MAX


def overlaps(start: datetime, end: datetime, ranges: list[tuple[datetime, datetime]]) -> bool:
    return any(lo < end and start < hi for lo, hi in ranges)


def intersect(first: list[tuple[datetime, datetime]] | None, second: list[tuple[datetime, datetime]]):
    """Where both filters can hold (None: no filter yet, everything)."""
    if first is None:
        return second
    return [(max(a, c), min(b, d)) for a, b in first for c, d in second if max(a, c) < min(b, d)]

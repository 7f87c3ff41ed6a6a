"""The cost model scaled to a stated daily volume and history: what no local build can hold.

A local run measures, for each table read, the bytes per row of the columns billed and the time
ranges its filters allow (model.py). At scale, rows arrive evenly in time at the stated volume:

- a table whose rows are made per visit (staging, curated, the raw sources) gets
  rows_per_visit × visits_per_day rows a day, rows_per_visit measured locally;
- a per-minute table (its uniqueKey holds `minute`) at most 1,440 rows a day per value of its
  other keys (the values measured locally): at a million visits a day every minute has traffic;
- a table of landing objects gets the stated objects a day, whatever the volume;
- a model that is not partitioned (the marts and their running totals: a row per page, device,
  category or product) keeps its measured rows.

A read then covers a number of days of rows: all the history (or what expiry leaves of it)
when nothing prunes it; each partition that survives, counted whole (the run is taken at the
last hour of the day, when today's partition is fullest); or, where only a clustered time
column prunes, the time its filters allow. Each table referenced bills at least 10 MB.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from glue.cost.layout import UNIT_SECONDS, Layout
from glue.cost.model import MIN_BILLED, ActionBill, TableRead

DAY = timedelta(days=1)


@dataclass
class Grain:
    kind: str  # visits | minutes | objects | fixed
    per_unit: float  # rows per visit; values of the other keys (minutes); rows (fixed)

    def rows_per_day(self, visits_per_day: float) -> float:
        if self.kind == "visits":
            return self.per_unit * visits_per_day
        if self.kind == "objects":  # landing objects: per_unit a day, whatever the volume
            return self.per_unit
        if self.kind == "minutes":
            return min(1440 * self.per_unit, self.per_unit * visits_per_day)
        return 0.0


@dataclass
class Scenario:
    visits_per_day: float
    history_days: float
    now: datetime


def _merged(ranges):
    merged = []
    for lo, hi in sorted(ranges):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def _clip(ranges, window):
    return [(max(lo, window[0]), min(hi, window[1])) for lo, hi in ranges if max(lo, window[0]) < min(hi, window[1])]


def _days(ranges) -> float:
    return sum((hi - lo) / DAY for lo, hi in _merged(ranges))


def _partitions(ranges, unit: str) -> list[tuple[datetime, datetime]]:
    """The whole partitions of this unit that the ranges touch."""
    width = timedelta(seconds=UNIT_SECONDS[unit])
    found = set()
    for lo, hi in _merged(ranges):
        start = lo.replace(minute=0, second=0, microsecond=0)
        if unit != "HOUR":
            start = start.replace(hour=0)
        while start < hi:
            found.add(start)
            start += width
    return [(s, s + width) for s in sorted(found)]


def covered_days(read: TableRead, layout: Layout, scenario: Scenario) -> float:
    """Days of rows the read covers at scale."""
    history = scenario.history_days
    if layout.expiration_days is not None:
        history = min(history, layout.expiration_days)
    # The run is at the end of `now`'s day: today's partition holds the whole day.
    end = scenario.now.replace(hour=0, minute=0, second=0, microsecond=0) + DAY
    window = (end - timedelta(days=history), end)
    if read.partition_ranges is None and read.block_ranges is None:
        return history
    ranges = [window]
    if read.partition_ranges is not None:
        ranges = _partitions(_clip(read.partition_ranges, window), layout.unit)
        if read.block_ranges is None:
            return _days(_clip(ranges, window))
    blocks = _clip(read.block_ranges, (window[0], min(window[1], scenario.now)))
    return _days([r for b in blocks for r in _clip(ranges, b)])


def scaled_read(read: TableRead, layout: Layout, grain: Grain, scenario: Scenario) -> float:
    if grain.kind == "fixed":
        return read.bytes_per_row * read.rows * read.selectivity
    rows = grain.rows_per_day(scenario.visits_per_day) * covered_days(read, layout, scenario)
    return read.bytes_per_row * rows * read.selectivity


def scaled_bill(bill: ActionBill, layouts: dict[str, Layout], grains: dict[str, Grain], scenario: Scenario) -> float:
    total = 0.0
    for statement in bill.statements:
        for read in statement.reads:
            nbytes = scaled_read(read, layouts.get(read.table, Layout()), grains[read.table], scenario)
            total += max(nbytes, MIN_BILLED)
    return total


def measure_grains(graph, connection, bills: list[ActionBill], visits: int) -> dict[str, Grain]:
    """Each table's grain, with its rows per visit (or per-minute keys, or rows) measured locally."""
    grains = {}
    for bill in bills:
        for statement in bill.statements:
            for read in statement.reads:
                if read.table not in grains:
                    grains[read.table] = _grain(graph.actions.get(read.table), connection, read, visits)
    return grains


def _grain(action, connection, read: TableRead, visits: int) -> Grain:
    if action is not None and "minute" in action.unique_key:
        others = [k for k in action.unique_key if k != "minute"]
        keys = 1
        if others:
            dataset, name = read.table.split(".", 1)
            keys = (
                connection.execute(
                    f"SELECT COUNT(DISTINCT ({', '.join(chr(34) + k + chr(34) for k in others)})) "
                    f'FROM "{dataset}"."{name}"'
                ).fetchone()[0]
                or 1
            )
        return Grain("minutes", keys)
    if action is not None and not action.partition_by:  # the marts and their running totals
        return Grain("fixed", read.rows)
    return Grain("visits", read.rows / visits if visits else 0.0)

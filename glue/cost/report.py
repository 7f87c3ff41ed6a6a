"""The cost model's bills as text: one block per action, one line per table read."""

from __future__ import annotations

from glue.cost.model import MIN_BILLED, ActionBill

PRICE_PER_TIB = 6.25  # on-demand, US multi-region; docs/bigquery-cost.md says where this comes from


def human(nbytes: float) -> str:
    for unit, size in (("TB", 2**40), ("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if nbytes >= size:
            return f"{nbytes / size:,.1f} {unit}"
    return f"{nbytes:,.0f} B"


def _partitions(read) -> str:
    if read.partitions is None:
        return "not partitioned"
    return f"{read.partitions_read}/{read.partitions} partitions"


def format_bills(bills: list[ActionBill]) -> str:
    lines = ["BigQuery bytes billed, by BigQuery's pricing rules over the local tables (measured):"]
    total = 0
    for bill in bills:
        if not bill.statements:
            continue
        total += bill.billed
        lines.append(f"  {bill.action} ({bill.branch}): {human(bill.billed)}")
        for statement in bill.statements:
            for read in statement.reads:
                floor = " (10 MB minimum)" if read.bytes < MIN_BILLED else ""
                target = " [target]" if read.target else ""
                lines.append(
                    f"      {statement.what:<24} {read.table + target:<46} {human(read.bytes):>10}{floor}  "
                    f"{_partitions(read)}, pruned by {read.pruning}; columns: {', '.join(read.columns)}"
                )
    lines.append(f"  run total: {human(total)} billed (${total / 2**40 * PRICE_PER_TIB:,.4f} on demand)")
    return "\n".join(lines)

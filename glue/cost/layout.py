"""How BigQuery stores a table, as far as billing cares: its partitioning, clustering, expiry.

Models take it from their config (`bigquery.partitionBy`, `clusterBy`); the raw sources from
provisioning: the Pub/Sub table is partitioned by publish time with partitions that expire, the
landing bucket is an external table, the object table holds only object metadata.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from glue.dataform import Action, Graph

_PARTITION = re.compile(
    r"^\s*(?:(?P<fn>DATE|TIMESTAMP_TRUNC|DATETIME_TRUNC|DATE_TRUNC)\s*\(\s*)?`?(?P<column>\w+)`?"
    r"\s*(?:,\s*(?P<unit>\w+)\s*)?\)?\s*$",
    re.IGNORECASE,
)
UNIT_SECONDS = {"HOUR": 3600, "DAY": 86400, "MONTH": 31 * 86400, "YEAR": 366 * 86400}


@dataclass
class Layout:
    partition_column: str | None = None
    unit: str = "DAY"  # HOUR | DAY | MONTH | YEAR
    cluster: list[str] = field(default_factory=list)
    expiration_days: int | None = None  # partitions older than this are dropped
    external: bool = False  # billed by the bytes of the files read; partitioned by a hive key

    @property
    def partitioned(self) -> bool:
        return self.partition_column is not None


def parse_partition(expression: str) -> tuple[str | None, str]:
    """(column, unit) of a partitionBy expression: `DATE(ts)`, `TIMESTAMP_TRUNC(ts, HOUR)`, `ts`."""
    if not expression:
        return None, "DAY"
    match = _PARTITION.match(expression)
    if not match:
        raise ValueError(f"partitionBy {expression!r}: not a time-unit partitioning the cost model knows")
    unit = (match["unit"] or "DAY").upper()
    return match["column"], unit


def of_action(action: Action) -> Layout:
    column, unit = parse_partition(action.partition_by)
    return Layout(column, unit, list(action.cluster_by))


def layouts(graph: Graph, settings) -> dict[str, Layout]:
    """{"dataset.table": Layout} of every table the graph builds or reads."""
    found = {name: of_action(a) for name, a in graph.actions.items() if a.kind in ("table", "incremental")}
    raw, names = settings.raw_dataset, settings.raw
    found[f"{raw}.{names['pubsub_table']}"] = Layout(
        "publish_time", "HOUR", expiration_days=int(names["pubsub_expiration_days"])
    )
    # The landing objects: an external table, hive-partitioned by the hour they landed (a
    # STRING, YYYY-MM-DDTHH, which orders as the hours do), deleted after delete_after_days.
    found[f"{raw}.{names['gcs_table']}"] = Layout(
        "hour", "HOUR", external=True, expiration_days=settings.infra["landing"].get("delete_after_days")
    )
    found[f"{raw}.{names['gcs_objects_table']}"] = Layout()
    return found

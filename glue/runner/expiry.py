"""BigQuery's partition expiration, on the local warehouse.

A table with `partition_expiration_days` (Dataform's bigquery.partitionExpirationDays) loses each
partition once the partition's start plus that many days has passed: a day partition P is gone
when P + N days <= now. BigQuery does it in the background, at no cost; the runner does it at the
start of each run, for the tables the run's actions write, so that what a run reads is what
BigQuery would still hold.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from glue.dataform import Action

_COLUMN = re.compile(r"^(?:DATE|TIMESTAMP_TRUNC)?\(?\s*(\w+)")


def expire_partitions(connection, actions: list[Action], now: datetime, exists) -> int:
    """Deletes the expired partitions' rows of each table in `actions` that has an expiration and
    exists (`exists(action)`); returns the rows deleted."""
    deleted = 0
    for action in actions:
        days = action.partition_expiration_days
        if not days or not action.partition_by or not exists(action):
            continue
        column = _COLUMN.match(action.partition_by.strip()).group(1)
        cutoff = (now - timedelta(days=days)).date()
        [(count,)] = connection.execute(
            f'DELETE FROM "{action.schema}"."{action.table}" WHERE CAST("{column}" AS DATE) <= ?', [cutoff]
        ).fetchall()
        deleted += count
    return deleted

"""The scaled model: how many days of rows a read covers at a stated volume and history."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from glue.cost import Layout, TableRead
from glue.cost.scale import Grain, Scenario, covered_days, scaled_read

UTC = timezone.utc
NOW = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)
FOREVER = datetime.max.replace(tzinfo=UTC)
DAILY = Layout("loaded_at", "DAY", ["loaded_at"])


def read(partition_ranges=None, block_ranges=None, bytes_per_row=100.0, rows=1000):
    return TableRead(
        "ds.t",
        ["a"],
        0,
        None,
        None,
        "",
        partition_ranges=partition_ranges,
        block_ranges=block_ranges,
        bytes_per_row=bytes_per_row,
        rows=rows,
    )


def test_an_unpruned_read_covers_the_whole_history_or_what_expiry_leaves():
    assert covered_days(read(), DAILY, Scenario(1e6, 365, NOW)) == 365
    assert covered_days(read(), Layout("t", "HOUR", expiration_days=90), Scenario(1e6, 365, NOW)) == 90


def test_a_partition_filter_covers_its_partitions_whole():
    # The newest hour's loads, in a table partitioned by day: today's partition, read whole.
    newest_hour = [(NOW - timedelta(hours=1), FOREVER)]
    assert covered_days(read(partition_ranges=newest_hour), DAILY, Scenario(1e6, 365, NOW)) == 1
    hourly = Layout("t", "HOUR")
    assert covered_days(read(partition_ranges=newest_hour), hourly, Scenario(1e6, 365, NOW)) == 2 / 24


def test_a_clustered_time_filter_covers_only_its_time():
    newest_hour = [(NOW - timedelta(hours=1), FOREVER)]
    days = covered_days(read(partition_ranges=newest_hour, block_ranges=newest_hour), DAILY, Scenario(1e6, 365, NOW))
    assert days == 1 / 24


def test_bytes_scale_with_the_volume_and_per_minute_tables_saturate():
    newest_hour = [(NOW - timedelta(hours=1), FOREVER)]
    hour = read(block_ranges=newest_hour, partition_ranges=newest_hour, bytes_per_row=50)
    assert scaled_read(hour, DAILY, Grain("visits", 2.0), Scenario(1e6, 365, NOW)) == 50 * 2.0 * 1e6 / 24
    # A per-minute table holds at most 1,440 rows a day per page, whatever the traffic.
    assert scaled_read(read(bytes_per_row=40), DAILY, Grain("minutes", 10), Scenario(1e6, 30, NOW)) == 40 * 14_400 * 30
    # The marts keep their few rows.
    assert scaled_read(read(bytes_per_row=40, rows=12), Layout(), Grain("fixed", 12), Scenario(1e6, 365, NOW)) == 480

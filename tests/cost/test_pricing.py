"""The cost model's rules, each from BigQuery's documentation, on a table whose bytes are known.

`ds.events` is partitioned by DATE(loaded_at) and clustered by loaded_at, event_type: three daily
partitions of 10 rows each. Every row's columns have known sizes by BigQuery's data-size rules:
id INT64 (8 bytes), event_type STRING 'view' (2 + 4), loaded_at TIMESTAMP (8), amount NUMERIC (16).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from glue.cost import MIN_BILLED, CostModel, Layout, size_sql
from glue.oracle.catalog import Catalog, Constant, Table
from glue.runner import Translator, connect

UTC = timezone.utc
DAY1 = datetime(2026, 6, 1, tzinfo=UTC)
ROW = {"id": 8, "event_type": 6, "loaded_at": 8, "amount": 16}
PARTITION_ROWS = 10
COLUMNS = [("id", "INT64"), ("event_type", "STRING"), ("loaded_at", "TIMESTAMP"), ("amount", "NUMERIC")]


@pytest.fixture
def warehouse():
    connection = connect(":memory:")
    connection.execute("CREATE SCHEMA ds")
    connection.execute(
        "CREATE TABLE ds.events (id BIGINT, event_type VARCHAR, loaded_at TIMESTAMPTZ, amount DECIMAL(38, 9))"
    )
    connection.execute("CREATE TABLE ds.other (id BIGINT, loaded_at TIMESTAMPTZ)")
    rows = [
        (day * 100 + i, "view", DAY1 + timedelta(days=day, hours=i), 1)
        for day in range(3)
        for i in range(PARTITION_ROWS)
    ]
    connection.executemany("INSERT INTO ds.events VALUES (?, ?, ?, ?)", rows)
    connection.executemany("INSERT INTO ds.other VALUES (?, ?)", [(1, DAY1)])
    yield connection
    connection.close()


@pytest.fixture
def model(oracle):
    catalog = Catalog({"ds.events": Table(COLUMNS), "ds.other": Table([("id", "INT64"), ("loaded_at", "TIMESTAMP")])})
    layouts = {"ds.events": Layout("loaded_at", "DAY", ["loaded_at", "event_type"]), "ds.other": Layout()}
    return CostModel(oracle, catalog, layouts)


def price(model, warehouse, sql, what="query", declare=""):
    """The bill for `sql`, after the script `declare` (DECLAREs) has set its variables."""
    translator = Translator("test.sqlx")
    constants = {}
    if declare:
        for statement in translator.script(declare).statements:
            warehouse.execute(statement)
        constants = {"since": Constant("TIMESTAMP")}
    [read, *others] = model.price(what, sql, constants, warehouse, translator).reads
    return read, others


def test_a_constant_filter_on_the_partitioning_column_prunes_partitions(model, warehouse):
    # "If a query uses a qualifying filter on the value of the partitioning column, BigQuery can
    # scan the partitions that match the filter and skip the remaining partitions."
    read, _ = price(model, warehouse, "SELECT id FROM ds.events WHERE loaded_at >= TIMESTAMP '2026-06-03 00:00:00+00'")
    assert (read.partitions_read, read.partitions) == (1, 3)
    assert read.columns == ["id", "loaded_at"]
    # The partition is read whole for the columns the query uses, not only the matching rows.
    assert read.bytes == PARTITION_ROWS * (ROW["id"] + ROW["loaded_at"])


def test_a_script_variable_prunes_as_a_constant_does(model, warehouse):
    declare = "DECLARE since TIMESTAMP DEFAULT TIMESTAMP '2026-06-02 12:00:00+00';"
    read, _ = price(
        model, warehouse, "SELECT amount FROM ds.events WHERE DATE(loaded_at) >= DATE(since)", declare=declare
    )
    assert (read.partitions_read, read.partitions) == (2, 3)


def test_a_subquery_does_not_prune(model, warehouse):
    # "To limit the partitions scanned, don't use a subquery in the filter on the partitioning column."
    read, _ = price(
        model, warehouse, "SELECT id FROM ds.events WHERE loaded_at > (SELECT MAX(loaded_at) FROM ds.other)"
    )
    assert (read.partitions_read, read.partitions) == (3, 3)
    assert read.pruning == "none"


def test_a_filter_that_is_not_the_isolated_column_does_not_prune(model, warehouse):
    # "Isolate the partition column in your filter": combined with another column, or under OR,
    # the filter is not one BigQuery prunes with.
    combined, _ = price(
        model,
        warehouse,
        "SELECT id FROM ds.events WHERE TIMESTAMP_ADD(loaded_at, INTERVAL id SECOND) > TIMESTAMP '2026-06-03 00:00:00+00'",
    )
    either, _ = price(
        model, warehouse, "SELECT id FROM ds.events WHERE id = 1 OR loaded_at > TIMESTAMP '2026-06-03 00:00:00+00'"
    )
    assert combined.partitions_read == either.partitions_read == 3


def test_a_filter_on_the_first_clustering_column_skips_blocks(model, warehouse):
    # Clustered tables: a filter on the clustering columns, starting with the first, lets BigQuery
    # skip blocks; the bytes billed are those of the blocks read.
    read, _ = price(model, warehouse, "SELECT id FROM ds.events WHERE loaded_at > TIMESTAMP '2026-06-03 04:30:00+00'")
    assert read.pruning == "blocks+partitions"
    assert read.bytes == 5 * (ROW["id"] + ROW["loaded_at"])  # 05:00 to 09:00 of the last day


def test_a_filter_on_the_second_clustering_column_alone_skips_nothing(model, warehouse):
    read, _ = price(model, warehouse, "SELECT id FROM ds.events WHERE event_type = 'click'")
    assert read.pruning == "none" and read.bytes == 3 * PARTITION_ROWS * (ROW["id"] + ROW["event_type"])


def test_an_insert_bills_its_query_and_a_merge_that_updates_bills_the_target_partitions_whole(model, warehouse):
    # DML pricing: INSERT is q; MERGE with an UPDATE clause is q' + t', t' being every column of
    # the target partitions the statement may touch.
    insert, others = price(
        model, warehouse, "INSERT INTO ds.other (id, loaded_at) SELECT id, loaded_at FROM ds.events", what="insert"
    )
    assert insert.table == "ds.events" and not others  # the INSERT's target is written, not read
    merge = (
        "MERGE ds.events T USING (SELECT id, loaded_at FROM ds.other) S "
        "ON T.id = S.id AND T.loaded_at >= TIMESTAMP '2026-06-03 00:00:00+00' "
        "WHEN MATCHED THEN UPDATE SET amount = 0 WHEN NOT MATCHED THEN INSERT (id, loaded_at) VALUES (id, loaded_at)"
    )
    target, [source] = price(model, warehouse, merge, what="merge")
    assert target.target and target.partitions_read == 1
    assert target.bytes == PARTITION_ROWS * sum(ROW.values())  # every column of the one partition
    assert source.table == "ds.other"


def test_each_table_referenced_bills_at_least_10_mb(model, warehouse):
    translator = Translator("test.sqlx")
    bill = model.price(
        "query", "SELECT e.id FROM ds.events AS e JOIN ds.other AS o USING (id)", {}, warehouse, translator
    )
    assert [r.bytes < MIN_BILLED for r in bill.reads] == [True, True]
    assert bill.billed == 2 * MIN_BILLED


@pytest.mark.parametrize(
    "kind, value, size",
    [
        ("INT64", "1", 8),
        ("FLOAT64", "1.5", 8),
        ("BOOL", "TRUE", 1),
        ("NUMERIC", "1.5", 16),
        ("TIMESTAMP", "TIMESTAMPTZ '2026-01-01 00:00:00+00'", 8),
        ("DATE", "DATE '2026-01-01'", 8),
        ("STRING", "'abc'", 5),
        ("STRING", "'é'", 4),
        ("STRING", "NULL", 0),
        ("INT64", "NULL", 0),
        ("ARRAY<STRING>", "['ab', 'c']", 7),
        ("ARRAY<INT64>", "[]", 0),
        ("JSON", "'{\"a\":1}'", 7),
    ],
)
def test_data_sizes_follow_bigquerys_rules(warehouse, kind, value, size):
    # STRING: 2 + UTF-8 bytes; INT64, FLOAT64, DATE, TIMESTAMP: 8; BOOL: 1; NUMERIC: 16;
    # ARRAY: the sum of its elements; JSON: the UTF-8 length of its text; NULL: 0.
    assert warehouse.execute(f"SELECT {size_sql(f'({value})', kind)}").fetchone()[0] == size


def test_reading_a_view_bills_the_tables_its_query_reads(oracle, warehouse):
    warehouse.execute("CREATE VIEW ds.ids AS SELECT id FROM ds.events")
    catalog = Catalog({"ds.events": Table(COLUMNS), "ds.ids": Table([("id", "INT64")])})
    model = CostModel(
        oracle,
        catalog,
        {"ds.events": Layout("loaded_at", "DAY", ["loaded_at"])},
        {"ds.ids": "SELECT id FROM ds.events"},
    )
    [read] = model.price("query", "SELECT COUNT(*) FROM ds.ids", {}, warehouse, Translator("test.sqlx")).reads
    assert read.table == "ds.events" and read.bytes == 3 * PARTITION_ROWS * ROW["id"]

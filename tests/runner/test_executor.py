"""The executor's scheduling and bookkeeping, on small hand-made graphs.

As `dataform run` does on BigQuery, an action starts once its dependencies are done, several
at a time; an operations action runs alone. The invariants are checked on the times each
action reports, never by sleeping.
"""

import pytest

from glue.dataform import Action
from glue.runner import Executor, connect
from glue.runner.ordering import ActionTimes, start_order
from tests.hand_made import hand_made


def _table(name: str, query: str, *dependencies: str, kind: str = "table", **fields) -> Action:
    return hand_made("s", name, query, *dependencies, kind=kind, **fields)


def _ends(result) -> float:
    return result.started + result.seconds


def _overlap(a, b) -> bool:
    return a.started < _ends(b) and b.started < _ends(a)


def _most_at_once(results) -> int:
    edges = sorted([(r.started, 1) for r in results] + [(_ends(r), -1) for r in results])
    running = most = 0
    for _, step in edges:
        running += step
        most = max(most, running)
    return most


GRAPH = [
    _table("a", "SELECT range AS x FROM range(200000)"),
    _table("b", "SELECT SUM(x) AS total FROM s.a", "a"),
    _table("c", "SELECT COUNT(*) AS n FROM s.a", "a"),
    Action(
        "s.ops",
        "operations",
        "s",
        "ops",
        file="definitions/ops.sqlx",
        dependencies=["s.a"],
        queries=["CREATE OR REPLACE TABLE s.o AS SELECT 1 AS one"],
    ),
    _table("d", "SELECT * FROM s.b, s.c, s.o", "b", "c", "ops"),
    _table("e", "SELECT x FROM s.a WHERE x % 2 = 0", "a"),
    _table("f", "SELECT x FROM s.e WHERE x % 3 = 0", "e"),
    _table("never_negative", "SELECT * FROM s.a WHERE x < 0", "a", kind="assertion"),
]


@pytest.mark.parametrize("concurrency", [1, 3])
def test_actions_start_after_their_dependencies_and_operations_run_alone(concurrency):
    report = Executor(connect(), concurrency=concurrency).run(GRAPH)
    assert report.ok, [r.message for r in report.failed()]
    assert [r.action.name for r in report.results] == [a.name for a in GRAPH]  # the graph's order
    results = {r.action.name: r for r in report.results}
    for result in report.results:
        for dependency in result.action.dependencies:
            assert _ends(results[dependency]) <= result.started + 1e-9, (dependency, result.action.name)
    operations = results["s.ops"]
    assert not [r.action.name for r in report.results if r is not operations and _overlap(r, operations)]
    assert _most_at_once(report.results) <= concurrency


def test_a_failure_skips_its_dependents_while_other_branches_go_on():
    graph = [
        _table("a", "SELECT 1 AS x"),
        _table("broken", "SELECT no_such_column FROM s.a", "a"),
        _table("after_broken", "SELECT * FROM s.broken", "broken"),
        _table("after_that", "SELECT * FROM s.after_broken", "after_broken"),
        _table("elsewhere", "SELECT x + 1 AS y FROM s.a", "a"),
    ]
    db = connect()
    report = Executor(db, concurrency=2).run(graph)
    status = {r.action.table: r.status for r in report.results}
    assert status == {
        "a": "ok",
        "broken": "failed",
        "after_broken": "skipped",
        "after_that": "skipped",
        "elsewhere": "ok",
    }
    assert "definitions/broken.sqlx" in report.by_name("broken").message
    assert db.execute("SELECT y FROM s.elsewhere").fetchall() == [(2,)]
    tables = {row[0] for row in db.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 's'").fetchall()}
    assert tables == {"a", "elsewhere"}  # the failed action's transaction was rolled back


def test_actions_listed_before_their_dependencies_still_wait_for_them_and_a_cycle_is_refused():
    report = Executor(connect(), concurrency=2).run(
        [_table("b", "SELECT * FROM s.a", "a"), _table("a", "SELECT 1 AS x")]
    )
    assert report.ok and [r.action.table for r in report.results] == ["b", "a"]
    cycle = [_table("a", "SELECT * FROM s.b", "b"), _table("b", "SELECT * FROM s.a", "a")]
    with pytest.raises(ValueError, match="s.a waits for an action"):
        Executor(connect(), concurrency=2).run(cycle)


def _view_oid(db, name: str):
    return db.execute(
        "SELECT view_oid FROM duckdb_views() WHERE schema_name = 's' AND view_name = ?", [name]
    ).fetchone()[0]


def test_an_assertion_view_is_created_once_and_replaced_when_it_changes():
    db = connect()
    source = _table("a", "SELECT range AS x FROM range(10)")
    check = _table("never_negative", "SELECT * FROM s.a WHERE x < 0", "a", kind="assertion")
    assert Executor(db).run([source, check]).ok
    first = _view_oid(db, "never_negative")
    assert Executor(db).run([source, check]).ok
    assert _view_oid(db, "never_negative") == first  # same body: the view was kept

    db.execute("CREATE OR REPLACE VIEW s.never_negative AS SELECT 'edited by hand' AS note")
    assert Executor(db).run([source, check]).ok
    assert db.execute("SELECT COUNT(*) FROM s.never_negative").fetchone() == (0,)  # the assertion again

    stricter = _table("never_negative", "SELECT * FROM s.a WHERE x < 5", "a", kind="assertion")
    report = Executor(db).run([source, stricter])
    assert report.by_name("never_negative").status == "failed"
    assert db.execute("SELECT COUNT(*) FROM s.never_negative").fetchone() == (5,)


INCREMENTAL = _table(
    "numbers",
    "SELECT range AS x, 'v' AS label FROM range(3)",
    kind="incremental",
    unique_key=["x"],
    incremental_query="SELECT range AS x, 'v' AS label FROM range(3) WHERE range > (SELECT MAX(x) FROM s.numbers)",
)


def test_an_incremental_run_with_nothing_new_changes_nothing_but_still_checks_the_columns():
    db = connect()
    assert Executor(db).run([INCREMENTAL]).ok
    again = Executor(db).run([INCREMENTAL]).results[0]
    assert (again.status, again.mode, again.changed, again.rows) == ("ok", "merged", 0, 3)

    db.execute("ALTER TABLE s.numbers DROP COLUMN label")
    drifted = Executor(db).run([INCREMENTAL]).results[0]
    assert drifted.status == "failed"
    assert "no longer match s.numbers" in drifted.message and "--full-refresh" in drifted.message


def test_an_update_partition_filter_limits_the_rows_a_merge_replaces():
    # As Dataform's MERGE ... ON T.k = S.k AND T.<filter>: a key outside the filter is not
    # matched, so the new row is added beside the old one; inside it, the old row is replaced.
    # The filter may use a variable the incremental pre-operations declared.
    db = connect()
    db.execute(
        "CREATE SCHEMA s; CREATE TABLE s.versions AS SELECT * FROM (VALUES (1, 'old', 1), (2, 'old', 2)) AS t(k, v, day)"
    )
    merge = _table(
        "versions",
        "SELECT 0 AS k, '' AS v, 0 AS day",
        kind="incremental",
        unique_key=["k"],
        incremental_pre_ops=["DECLARE since INT64 DEFAULT 2;"],
        incremental_query="SELECT 1 AS k, 'new' AS v, 3 AS day UNION ALL SELECT 2, 'new', 3",
        update_partition_filter="day >= since",
    )
    result = Executor(db).run([merge]).results[0]
    assert (result.status, result.mode, result.changed) == ("ok", "merged", 2), result.message
    assert db.execute("SELECT k, v, day FROM s.versions ORDER BY k, day").fetchall() == [
        (1, "old", 1),
        (1, "new", 3),
        (2, "new", 3),
    ]


def test_two_new_rows_for_an_existing_key_fail_the_merge_as_in_bigquery():
    db = connect()
    db.execute("CREATE SCHEMA s; CREATE TABLE s.keyed AS SELECT 1 AS k, 'old' AS v")
    twice = "SELECT 1 AS k, 'a' AS v UNION ALL SELECT 1, 'b'"
    merge = _table("keyed", "SELECT 0 AS k, '' AS v", kind="incremental", unique_key=["k"], incremental_query=twice)
    failed = Executor(db).run([merge]).results[0]
    assert failed.status == "failed" and "more than one row for a uniqueKey (k) already in s.keyed" in failed.message
    assert failed.sample == [(1, 2)]
    assert db.execute("SELECT k, v FROM s.keyed").fetchall() == [(1, "old")]  # rolled back

    # Two new rows for a key the table does not hold: BigQuery's MERGE inserts both.
    fresh = _table(
        "keyed",
        "SELECT 0 AS k, '' AS v",
        kind="incremental",
        unique_key=["k"],
        incremental_query=twice.replace("1", "2"),
    )
    assert Executor(db).run([fresh]).ok
    assert db.execute("SELECT k, v FROM s.keyed ORDER BY k, v").fetchall() == [(1, "old"), (2, "a"), (2, "b")]


def test_ready_actions_start_longest_chain_first_weighed_by_last_runs_times(tmp_path):
    chain = [_table("a", "SELECT 1 AS x"), _table("b", "SELECT 1 AS x", "a"), _table("c", "SELECT 1 AS x", "b")]
    leaf = _table("leaf", "SELECT 1 AS x", kind="assertion")
    untimed = [a.table for a in start_order([leaf, *chain])]
    assert untimed == ["a", "b", "leaf", "c"]  # a chain of three before a lone leaf

    times = ActionTimes(tmp_path / "times.json")
    for name, seconds in {"s.a": 0.01, "s.b": 0.01, "s.c": 0.01, "s.leaf": 2.0}.items():
        times.record(name, seconds)
    times.save()
    timed = ActionTimes(tmp_path / "times.json")
    assert [a.table for a in start_order([*chain, leaf], timed)][0] == "leaf"  # two seconds of work waits on it
    assert ActionTimes(tmp_path / "times.json", "full_refresh").seconds == {}  # each kind of run keeps its own


def test_a_run_records_its_times_and_a_torn_times_file_is_ignored(tmp_path):
    path = tmp_path / "times.json"
    path.write_text('{"incremental": {"s.a": ')
    times = ActionTimes(path)
    assert times.seconds == {}
    assert Executor(connect(), concurrency=2, times=times).run(GRAPH).ok
    times.save()
    assert set(ActionTimes(path).seconds) == {a.name for a in GRAPH}


def test_an_incremental_table_older_than_its_model_asks_for_a_full_refresh():
    db = connect()
    assert Executor(db).run([INCREMENTAL]).ok
    newer = _table(
        "numbers",
        "SELECT range AS x, 'v' AS label, 1 AS version FROM range(3)",
        kind="incremental",
        unique_key=["x"],
        incremental_pre_ops=["DECLARE newest INT64 DEFAULT (SELECT MAX(version) FROM s.numbers);"],
        incremental_query="SELECT range AS x, 'v' AS label, 1 AS version FROM range(3)",
    )
    failed = Executor(db).run([newer]).results[0]
    assert failed.status == "failed"
    assert "definitions/numbers.sqlx" in failed.message and "rerun with --full-refresh" in failed.message
    assert Executor(db, full_refresh=True).run([newer]).ok
    assert Executor(db).run([newer]).ok


def test_a_run_that_only_merges_shares_the_threads_among_its_actions_and_a_build_keeps_them_all():
    db = connect()
    db.execute("SET threads = 4")
    # Each run records the threads its actions saw: a table (rebuilt whole every run) and an
    # incremental model that appends a row per run.
    seen = [
        _table("seen", "SELECT CAST(current_setting('threads') AS BIGINT) AS threads"),
        _table("log", "SELECT CAST(current_setting('threads') AS BIGINT) AS threads", kind="incremental"),
    ]

    def threads_seen(**options):
        assert Executor(db, concurrency=2, **options).run(seen).ok
        return db.execute("SELECT threads FROM s.seen").fetchone()[0]

    assert threads_seen() == 4  # the first run builds the incremental table
    assert threads_seen() == 2  # then it only merges: 4 threads shared by 2 actions at a time
    assert threads_seen(full_refresh=True) == 4
    assert [t for (t,) in db.execute("SELECT threads FROM s.log").fetchall()] == [4]  # rebuilt by the full refresh
    assert Executor(db, concurrency=1).run(seen).ok and db.execute("SELECT threads FROM s.seen").fetchone()[0] == 4
    assert db.execute("SELECT current_setting('threads')").fetchone()[0] == 4  # restored after each run


def test_tables_hold_arrays_as_bigquery_writes_them():
    """A NULL ARRAY is written as [], as BigQuery writes it, in a table and in an incremental's
    new rows; an ARRAY holding a NULL fails the action, as BigQuery refuses to write it."""
    db = connect()
    lists = "SELECT 1 AS id, CAST(NULL AS STRING[]) AS reasons UNION ALL SELECT 2, ['late']"
    growing = _table("growing", lists.replace("1 AS id", "3 AS id"), kind="incremental", unique_key=["id"])
    report = Executor(db).run([_table("lists", lists), growing])
    assert report.ok, [r.message for r in report.failed()]
    report = Executor(db).run([growing])  # now it exists: the new rows are merged
    assert report.ok, [r.message for r in report.failed()]
    for table in ("lists", "growing"):
        assert sorted(db.execute(f"SELECT reasons FROM s.{table}").fetchall()) == [([],), (["late"],)]
    holding_null = _table("holding_null", "SELECT 1 AS id, ['x', NULL] AS reasons")
    [result] = Executor(db).run([holding_null]).results
    assert result.status == "failed"
    assert (
        "definitions/holding_null.sqlx: BigQuery cannot write an ARRAY that holds NULL: column reasons"
        in result.message
    )


def test_a_function_neither_duckdb_nor_the_runner_has_fails_naming_it_and_the_file():
    report = Executor(connect()).run([_table("mapped", "SELECT ST_GEOGPOINT(1.5, 2.5) AS point")])
    message = report.by_name("s.mapped").message
    assert message.startswith("definitions/mapped.sqlx: no function ST_GEOGPOINT locally"), message


def test_tables_hold_integers_as_int64_and_a_total_beyond_it_fails():
    """DuckDB's SUM and COUNT_IF give HUGEINT, and some functions INTEGER; BigQuery writes INT64,
    and its SUM fails beyond INT64's range. So does a table the runner writes, and an incremental's
    new rows."""
    db = connect()
    counts = (
        "SELECT x AS id, SUM(x) AS total, COUNT_IF(x > 0) AS positive, CAST(x AS INTEGER) AS small, "
        "[SUM(x)] AS totals FROM UNNEST([1, 2]) AS x GROUP BY x"
    )
    growing = _table("growing", counts, kind="incremental", unique_key=["id"])
    assert Executor(db).run([_table("counts", counts), growing]).ok
    assert Executor(db).run([growing]).ok  # the new rows, merged
    for table in ("counts", "growing"):
        types = dict(
            db.execute(
                f"SELECT column_name, data_type FROM information_schema.columns "
                f"WHERE table_schema = 's' AND table_name = '{table}'"
            ).fetchall()
        )
        assert types == {
            "id": "BIGINT",
            "total": "BIGINT",
            "positive": "BIGINT",
            "small": "BIGINT",
            "totals": "BIGINT[]",
        }
    assert sorted(db.execute("SELECT id, total FROM s.growing").fetchall()) == [(1, 1), (2, 2)]
    beyond = _table("beyond", "SELECT SUM(x) AS total FROM UNNEST([9223372036854775807, 1]) AS x")
    [result] = Executor(db).run([beyond]).results
    assert result.status == "failed"
    assert result.message.startswith("definitions/beyond.sqlx: column total holds a value beyond INT64's range"), (
        result.message
    )


def test_a_table_written_with_other_types_than_bigquerys_fails_naming_the_column():
    # The analyzer's types (`clickstream local check`) are what BigQuery writes; a local column of
    # another type is the runner differing from BigQuery, and fails the action.
    action = _table("money", "SELECT CAST(1.5 AS FLOAT64) AS amount, 'x' AS name")
    expected = {"s.money": [("amount", "NUMERIC"), ("name", "STRING")]}
    [result] = Executor(connect(), bigquery_types=expected).run([action]).results
    assert result.status == "failed"
    assert "column amount as FLOAT64, where BigQuery writes NUMERIC" in result.message
    assert "name" not in result.message.split("wrote")[1]
    [same] = (
        Executor(connect(), bigquery_types={"s.money": [("amount", "FLOAT64"), ("name", "STRING")]})
        .run([action])
        .results
    )
    assert same.status == "ok"


def test_sql_that_does_not_parse_is_shown_at_its_sqlx_line_not_the_compiled_line(tmp_path):
    # The compiled SQL lacks the config block, so its line numbers once were 2 lower than the file's.
    sqlx = 'config {\n  type: "table"\n}\n\nSELECT\n  1 AS a,\n  2 b c\n'
    (tmp_path / "definitions").mkdir()
    (tmp_path / "definitions" / "bad.sqlx").write_text(sqlx)
    action = _table("bad", "SELECT\n  1 AS a,\n  2 b c\n")
    [result] = Executor(connect(), root=tmp_path).run([action]).results
    first, shown, caret = result.message.splitlines()
    assert first.startswith("definitions/bad.sqlx:7:")
    assert shown.strip() == "7 |   2 b c" and shown[caret.index("^")] == "c"  # the caret under the token refused


@pytest.mark.parametrize(
    "body, line, words",
    [
        ("SELECT\n  v.devise_type\nFROM (SELECT 'mobile' AS device_type) AS v\n", 6, "(did you mean device_type?)"),
        ("WITH new_visits AS (SELECT 1 AS a)\nSELECT a\nFROM new_visit\n", 7, "(did you mean new_visits?)"),
    ],
)
def test_a_name_duckdb_cannot_find_is_shown_at_its_sqlx_line_with_what_was_meant(tmp_path, body, line, words):
    # What `local run --no-check` meets without BigQuery's analyzer in front.
    (tmp_path / "definitions").mkdir()
    (tmp_path / "definitions" / "slip.sqlx").write_text('config {\n  type: "table"\n}\n\n' + body)
    [result] = Executor(connect(), root=tmp_path).run([_table("slip", body)]).results
    first, shown, caret = result.message.splitlines()
    assert first.startswith(f"definitions/slip.sqlx:{line}:") and words in first
    assert shown.strip().startswith(f"{line} |") and caret.strip().endswith("^")

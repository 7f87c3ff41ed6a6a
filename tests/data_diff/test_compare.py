"""`compare` on tiny in-memory DuckDB tables: a filter change, an added, a renamed and a retyped
column, changed values counted per column with samples, whole rows when there is no key; and
`render` and `as_json` of what it finds."""

import json

import duckdb
import pytest

from glue.data_diff import DiffError, compare, render

PAGES = """
    SELECT * FROM (VALUES
        ('/home', 10, 4, 0.5),
        ('/products', 6, 3, 0.3),
        ('/cart', 3, 2, 0.15),
        ('/checkout', 1, 1, 0.05)
    ) AS pages(page_url, page_views, visits, share)
"""


@pytest.fixture
def db():
    connection = duckdb.connect()
    connection.execute("CREATE SCHEMA dev_before; CREATE SCHEMA dev")
    connection.execute(f"CREATE TABLE dev_before.pages AS {PAGES}")
    yield connection
    connection.close()


def _after(db, select: str) -> None:
    db.execute(f"CREATE TABLE dev.pages AS {select}")


def test_a_filter_change_removes_rows_and_changes_nothing_else(db):
    _after(db, "SELECT * FROM dev_before.pages WHERE page_views > 2")
    diff = compare(db, "dev_before.pages", "dev.pages", ["page_url"])
    assert (diff.before_rows, diff.after_rows, diff.added, diff.removed, diff.changed) == (4, 3, 0, 1, 0)
    assert diff.unchanged == 3
    assert diff.removed_rows.columns == ["page_url", "page_views", "visits", "share"]
    assert [row[0] for row in diff.removed_rows.rows] == ["/checkout"]
    assert not (diff.added_columns or diff.dropped_columns or diff.retyped_columns)
    assert {c.name: c.changed for c in diff.column_changes} == {"page_views": 0, "visits": 0, "share": 0}


def test_an_added_column_is_added_and_changes_no_row(db):
    _after(db, "SELECT *, page_views * 2 AS hits FROM dev_before.pages")
    diff = compare(db, "dev_before.pages", "dev.pages", ["page_url"])
    assert diff.added_columns == [("hits", "INTEGER")]
    assert diff.dropped_columns == [] and diff.retyped_columns == []
    assert (diff.added, diff.removed, diff.changed, diff.unchanged) == (0, 0, 0, 4)


def test_a_renamed_column_is_one_dropped_and_one_added_and_the_key_still_matches(db):
    _after(db, "SELECT page_url, page_views, visits AS distinct_visits, share FROM dev_before.pages")
    diff = compare(db, "dev_before.pages", "dev.pages", ["page_url"])
    assert diff.dropped_columns == [("visits", "INTEGER")]
    assert diff.added_columns == [("distinct_visits", "INTEGER")]
    assert (diff.added, diff.removed, diff.changed) == (0, 0, 0)
    assert [c.name for c in diff.column_changes] == ["page_views", "share"]


def test_a_retyped_column_is_retyped_and_compared_in_its_new_type(db):
    _after(
        db, "SELECT page_url, page_views::DOUBLE AS page_views, visits::VARCHAR AS visits, share FROM dev_before.pages"
    )
    diff = compare(db, "dev_before.pages", "dev.pages", ["page_url"])
    assert diff.retyped_columns == [("page_views", "INTEGER", "DOUBLE"), ("visits", "INTEGER", "VARCHAR")]
    assert diff.changed == 0  # 10 and 10.0 are the same value; '4' and 4 too


def test_changed_values_are_counted_per_column_with_samples_in_key_order(db):
    _after(
        db,
        "SELECT page_url, page_views + CASE WHEN page_url IN ('/home', '/cart') THEN 1 ELSE 0 END AS page_views, "
        "visits, CASE WHEN page_url = '/cart' THEN NULL ELSE share END AS share FROM dev_before.pages "
        "UNION ALL SELECT '/about', 2, 2, 0.1",
    )
    diff = compare(db, "dev_before.pages", "dev.pages", ["page_url"], samples=1)
    assert (diff.added, diff.removed, diff.changed, diff.unchanged) == (1, 0, 2, 2)
    changes = {c.name: c for c in diff.column_changes}
    assert {name: c.changed for name, c in changes.items()} == {"page_views": 2, "visits": 0, "share": 1}
    assert changes["page_views"].samples == [(("/cart",), 3, 4)]  # one sample asked for: the first key
    assert [(key, str(old), new) for key, old, new in changes["share"].samples] == [(("/cart",), "0.15", None)]
    assert [row[:3] for row in diff.added_rows.rows] == [("/about", 2, 2)]
    as_json = diff.as_json()
    json.dumps(as_json)  # plain JSON values throughout
    assert as_json["rows"] == {"before": 4, "after": 5, "added": 1, "removed": 0, "changed": 2, "unchanged": 2}
    assert as_json["changed_columns"][0] == {
        "name": "page_views",
        "changed": 2,
        "samples": [{"key": {"page_url": "/cart"}, "before": 3, "after": 4}],
    }
    assert as_json["samples"]["added"][0]["page_url"] == "/about"
    text = render(diff)
    assert "rows matched on page_url" in text and "page_views: 2 rows changed, the first 1" in text
    assert "/cart" in text and "added: 1 row" in text


def test_without_a_key_rows_are_compared_whole_and_the_diff_says_so(db):
    _after(
        db,
        "SELECT page_url, page_views + (page_url = '/home')::INT AS page_views, visits, share, 'x' AS extra "
        "FROM dev_before.pages WHERE page_url <> '/checkout'",
    )
    diff = compare(db, "dev_before.pages", "dev.pages", None)
    assert diff.key is None and diff.changed is None and diff.column_changes == []
    # The changed /home is one removed and one added; /checkout is removed; the added column is not compared.
    assert (diff.added, diff.removed) == (1, 2)
    assert [row[0] for row in diff.removed_rows.rows] == ["/checkout", "/home"]
    assert diff.added_columns == [("extra", "VARCHAR")]
    assert "compared whole" in diff.notes[0]
    assert diff.as_json()["rows"]["changed"] is None and diff.as_json()["key"] is None
    text = render(diff)
    assert "rows compared whole" in text and "  before  after  added  removed" in text.splitlines()


def test_whole_rows_are_a_multiset_a_duplicated_row_is_an_added_row(db):
    _after(db, "SELECT * FROM dev_before.pages UNION ALL SELECT * FROM dev_before.pages WHERE page_url = '/cart'")
    diff = compare(db, "dev_before.pages", "dev.pages", None)
    assert (diff.added, diff.removed) == (1, 0)


def test_identical_relations_differ_in_nothing_and_null_keys_match(db):
    db.execute("INSERT INTO dev_before.pages VALUES (NULL, 0, 0, 0)")
    _after(db, "SELECT * FROM dev_before.pages")
    diff = compare(db, "dev_before.pages", "dev.pages", ["page_url"])
    assert diff.identical and diff.unchanged == 5
    assert "columns: the same names and types" in render(diff)


@pytest.mark.parametrize(
    "key, message",
    [
        (["page"], "the key column 'page' is not in dev_before.pages (its columns: page_url, page_views"),
        (
            ["visits"],
            "the key (visits) is not unique in dev_before.pages: 1 key appears more than once (e.g. visits = 4)",
        ),
    ],
)
def test_a_missing_or_repeated_key_is_refused_naming_it(db, key, message):
    db.execute("INSERT INTO dev_before.pages VALUES ('/about', 0, 4, 0)")
    _after(db, "SELECT * FROM dev_before.pages")
    with pytest.raises(DiffError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        compare(db, "dev_before.pages", "dev.pages", key)

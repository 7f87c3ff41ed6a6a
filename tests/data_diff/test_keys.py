"""inferred_key: a model with no uniqueKey is matched on its first column when that is unique."""

import duckdb
import pytest

from glue.data_diff import inferred_key


@pytest.fixture
def db():
    connection = duckdb.connect()
    connection.execute("CREATE TABLE before AS SELECT * FROM (VALUES ('a', 1), ('b', 2)) t(page, views)")
    yield connection
    connection.close()


@pytest.mark.parametrize(
    "after, key",
    [
        ("SELECT * FROM (VALUES ('a', 1), ('c', 3)) t(page, views)", ["page"]),
        ("SELECT * FROM (VALUES ('a', 1), ('a', 3)) t(page, views)", None),  # repeated
        ("SELECT * FROM (VALUES ('a', 1), (NULL, 3)) t(page, views)", None),  # a NULL cannot match
        ("SELECT * FROM (VALUES ('a', 1)) t(url, views)", None),  # renamed: not in the before
        ("SELECT * FROM (VALUES (1, 'a')) t(views, page)", ["views"]),  # the after's first column decides
    ],
)
def test_the_first_column_is_the_key_only_when_unique_and_never_null_in_both(db, after, key):
    db.execute(f"CREATE TABLE after AS {after}")
    assert inferred_key(db, "before", "after") == key

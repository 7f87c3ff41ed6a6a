"""glue/runner/translate/speed/unnests.py: streamed UNNESTs with the same rows."""

from glue.runner.translate import Translator
from tests.runner.translate.support import run


def test_a_lateral_unnest_streams_with_zero_based_offsets_and_the_filter_first(db):
    sql = """
        WITH docs AS (
          SELECT 1 AS id, PARSE_JSON('{"e": [{"k": "a"}, {"k": "b"}]}') AS d UNION ALL
          SELECT 2, PARSE_JSON('{"e": []}') UNION ALL
          SELECT 3, PARSE_JSON('{"e": {"k": "not an array"}}') UNION ALL
          SELECT 4, PARSE_JSON('{}') UNION ALL
          SELECT 5, PARSE_JSON('{"e": [{"k": "c"}]}')
        )
        SELECT v.id, i, JSON_VALUE(element, '$.k') AS k
        FROM docs AS v, UNNEST(JSON_QUERY_ARRAY(v.d, '$.e')) AS element WITH OFFSET AS i
        WHERE v.id != 5
    """
    translated = Translator("x.sqlx").query(sql)
    assert "UNNEST(__unnested)" in translated and "CROSS JOIN" not in translated
    assert sorted(run(db, sql)) == [(1, 0, "a"), (1, 1, "b")]


def test_a_filtered_array_subquery_becomes_a_list_filter_in_order(db):
    keep_order = (
        "SELECT ARRAY(SELECT CONCAT('x.', r) FROM UNNEST(['a', NULL, 'c', NULL, 'b']) AS r "
        "WITH OFFSET AS p WHERE r IS NOT NULL ORDER BY p)"
    )
    assert "LIST_FILTER" in Translator("x.sqlx").query(keep_order)
    assert run(db, keep_order) == [(["x.a", "x.c", "x.b"],)]
    reversed_order = keep_order.replace("ORDER BY p", "ORDER BY p DESC")
    assert "LIST_FILTER" not in Translator("x.sqlx").query(reversed_order)  # another shape: left as it is
    assert run(db, reversed_order) == [(["x.b", "x.c", "x.a"],)]

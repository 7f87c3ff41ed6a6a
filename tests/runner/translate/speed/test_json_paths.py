"""glue/runner/translate/speed/json_paths.py: one parse per document, the same answers."""

import pytest
from sqlglot import exp

from glue.runner.translate import Translator
from tests.runner.translate.support import run


@pytest.mark.parametrize(
    "source, hoisted",
    [
        ("(SELECT PARSE_JSON('{doc}') AS d) AS docs", True),  # one relation: the lists are columns of it
        ("(SELECT PARSE_JSON('{doc}') AS d) AS docs JOIN (SELECT 1 AS one) AS o ON TRUE", False),  # a join
    ],
)
def test_json_paths_of_one_document_are_read_in_one_parse(db, source, hoisted):
    doc = '{"s": "x", "n": 89.99, "o": {"k": [1, 2]}, "z": null}'
    sql = (
        "SELECT JSON_VALUE(d, '$.s'), JSON_VALUE(d, '$.n'), JSON_QUERY(d, '$.o.k'), JSON_TYPE(JSON_QUERY(d, '$.z')), "
        "JSON_VALUE(d, '$.missing'), JSON_TYPE(JSON_QUERY(d, '$.o')), JSON_VALUE(d, '$.o') "
        f"FROM {source.format(doc=doc)}"
    )
    translated = Translator("x.sqlx").query(sql)
    # One call per kind of answer: computed once beside the relation, or repeated identically
    # for DuckDB's common-subexpression elimination.
    assert translated.count("JSON_VALUE(d, ['$.missing', '$.n', '$.o', '$.s'])") == (1 if hoisted else 4)
    assert translated.count("JSON_TYPE(d, ['$.o', '$.z'])") == (1 if hoisted else 2)
    (row,) = run(db, sql)
    assert row[0] == "x" and row[1] == "89.99" and str(row[2]).replace(" ", "") == "[1,2]"
    assert row[3:6] == ("null", None, "object")
    assert row[6] is None  # JSON_VALUE of an object is NULL, as in BigQuery


@pytest.mark.parametrize(
    "value",
    [
        '"plain"',
        '"esc\\"aped \\\\ \\u00e9 \\ud83d\\ude00"',
        '""',
        "0",
        "-12",
        "89.99",
        "379.94000000000005",
        "1e3",
        "12345678901234567890",
        "true",
        "false",
        "null",
        "{}",
        '{"k": [1]}',
        "[]",
        '[1, "x"]',
    ],
)
def test_values_read_beside_their_types_answer_as_json_value_does(db, value):
    # With a type list for the same paths, values are read as strings gated by type; a join
    # keeps each call whole. Both must give BigQuery's JSON_VALUE and JSON_TYPE.
    doc = exp.Literal.string(f'{{"v": {value}, "w": {{"v": {value}}}}}').sql(dialect="bigquery")
    select = (
        "SELECT JSON_TYPE(d), JSON_TYPE(JSON_QUERY(d, '$.v')), JSON_TYPE(JSON_QUERY(d, '$.w.v')), "
        "JSON_TYPE(JSON_QUERY(d, '$.missing')), JSON_VALUE(d, '$.v'), JSON_VALUE(d, '$.w.v'), JSON_VALUE(d, '$.missing') "
    )
    alone = f"FROM (SELECT PARSE_JSON({doc}) AS d) AS docs"
    joined = f"FROM (SELECT PARSE_JSON({doc}) AS d) AS docs JOIN (SELECT 1 AS one) AS o ON TRUE"
    assert "JSON_EXTRACT_STRING" in Translator("x.sqlx").query(select + alone)
    [gated], [whole] = run(db, select + alone), run(db, select + joined)
    assert gated == whole
    type_name = whole[1]
    assert whole[0] == "object" and whole[2] == type_name and whole[3] is None and whole[6] is None
    scalar = type_name not in ("object", "array", "null")
    assert (whole[4] is not None) is scalar and whole[5] == whole[4]


def test_hoisted_json_lists_stay_out_of_the_select_output(db):
    sql = (
        "SELECT *, JSON_VALUE(d, '$.a') AS a, JSON_VALUE(d, '$.b') AS b "
        'FROM (SELECT 7 AS id, PARSE_JSON(\'{"a": 1, "b": "x"}\') AS d) AS docs WHERE id = 7'
    )
    cursor = db.execute(Translator("x.sqlx").query(sql))
    assert [c[0] for c in cursor.description] == ["id", "d", "a", "b"]
    assert [row[2:] for row in cursor.fetchall()] == [("1", "x")]

"""glue/sql_tests/dataform_tests.py: Dataform `test` actions run locally and report their differences."""

from pathlib import Path

from glue.dataform import Graph
from glue.runner import connect
from glue.sql_tests import run_dataform_tests


def test_dataform_type_test_actions_pass_locally(graph, oracle):
    outcomes = run_dataform_tests(connect(), graph, oracle)
    # One outcome per test file, each named for its file.
    files = Path(__file__).resolve().parents[2].glob("definitions/tests/*.sqlx")
    assert sorted(o.test.name for o in outcomes) == sorted(f.stem for f in files)
    assert all(o.passed for o in outcomes), [o.explanation for o in outcomes if not o.passed]


def test_a_wrong_expectation_fails_with_the_difference(graph):
    test = next(t for t in graph.tests if t.name == "test_visits_by_device")
    broken = Graph(graph.compiled)
    broken.tests = [
        type(test)(test.name, test.file, test.test_query, test.expected_query.replace("'desktop'", "'laptop'"))
    ]
    [outcome] = run_dataform_tests(connect(), broken)
    assert not outcome.passed and "laptop" in outcome.explanation


def test_a_test_calling_a_function_missing_locally_names_it(graph):
    test = next(t for t in graph.tests if t.name == "test_visits_by_device")
    broken = Graph(graph.compiled)
    broken.tests = [type(test)(test.name, test.file, "SELECT ST_GEOGPOINT(1.5, 2.5) AS point", test.expected_query)]
    [outcome] = run_dataform_tests(connect(), broken)
    assert not outcome.passed and "no function ST_GEOGPOINT locally" in outcome.explanation, outcome.explanation


def test_a_difference_shows_bigquery_types_and_values_and_marks_the_differing_column():
    from glue.sql_tests.dataform_tests import compare

    got = "SELECT 'desktop' AS device_type, 3 AS visits UNION ALL SELECT 'mobile', 2"
    expected = "SELECT 'laptop' AS device_type, 3 AS visits UNION ALL SELECT 'mobile', 2"
    lines = [line.split() for line in compare(connect(), got, expected).splitlines()]
    # Integers as INT64 shows them (3, not 3.0), and only device_type is marked.
    assert ["≠", "device_type", "STRING", "laptop", "desktop"] in lines
    assert ["visits", "INT64", "3", "3"] in lines

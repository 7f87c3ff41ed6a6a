"""glue/runner/script_runner.py: BigQuery's IF blocks on the local warehouse."""

import pytest

from glue.runner.bigquery_ml import BigQueryML
from glue.runner.results import ActionFailed
from glue.runner.script_runner import run_script
from glue.runner.translate import Translator
from glue.runner.warehouse import connect

SCRIPT = """DECLARE n INT64 DEFAULT (SELECT COUNT(*) FROM t);
IF n > 2 THEN
  INSERT INTO log VALUES ('many');
ELSEIF n > 0 THEN
  INSERT INTO log VALUES ('some');
  IF n = 1 THEN INSERT INTO log VALUES ('one'); END IF;
ELSE
  INSERT INTO log VALUES ('none');
END IF;
IF CAST(NULL AS BOOL) THEN INSERT INTO log VALUES ('null'); END IF"""


@pytest.mark.parametrize("rows, logged", [(0, ["none"]), (1, ["some", "one"]), (2, ["some"]), (5, ["many"])])
def test_only_the_branch_whose_condition_is_true_runs(rows, logged):
    connection = connect(":memory:")
    connection.execute("CREATE TABLE t AS SELECT range AS x FROM range(?)", [rows])
    connection.execute("CREATE TABLE log (what VARCHAR)")
    translator = Translator()
    run_script(connection, translator, SCRIPT, BigQueryML(connection, translator, "test.sqlx", None))
    assert [r[0] for r in connection.execute("SELECT what FROM log").fetchall()] == logged


def test_an_if_without_end_if_is_an_error_naming_the_file():
    connection = connect(":memory:")
    translator = Translator()
    with pytest.raises(ActionFailed, match="test.sqlx: IF without END IF"):
        run_script(
            connection, translator, "IF TRUE THEN SELECT 1", BigQueryML(connection, translator, "test.sqlx", None)
        )

"""glue/ml/sql.py: BigQuery ML's statements and table functions, read with their places."""

import pytest

from glue.ml.sql import ModelSQLError, calls, create_model, export_model


def test_create_model_is_read_into_its_name_options_and_query():
    sql = """CREATE OR REPLACE MODEL `p.ds.m`
OPTIONS (model_type = 'BOOSTED_TREE_CLASSIFIER', input_label_cols = ['bought'], learn_rate = 0.1,
         max_iterations = 20, early_stop = TRUE)
AS SELECT a, 'x;y' AS b FROM `p.ds.t`"""
    created = create_model(sql)
    assert (created.model, created.replace, created.if_not_exists) == ("ds.m", True, False)
    assert created.options == {
        "model_type": "BOOSTED_TREE_CLASSIFIER",
        "input_label_cols": ["bought"],
        "learn_rate": 0.1,
        "max_iterations": 20,
        "early_stop": True,
    }
    assert sql[created.query_start :] == created.query == "SELECT a, 'x;y' AS b FROM `p.ds.t`"
    assert create_model("CREATE TABLE t AS SELECT 1") is None


def test_the_table_functions_are_found_with_their_input_and_settings():
    sql = """SELECT * FROM ML.PREDICT(MODEL `p.ds.m`, (SELECT * FROM t WHERE f(1, 2) -- ML.EVALUATE(
), STRUCT(0.3 AS threshold)), ML.EVALUATE(MODEL ds.m), ML.FEATURE_IMPORTANCE(MODEL `ds.m`)"""
    predict, evaluate, importance = calls(sql)
    assert (predict.function, predict.model, predict.settings) == ("PREDICT", "ds.m", {"threshold": 0.3})
    assert predict.input_sql.startswith("SELECT * FROM t WHERE f(1, 2)")
    assert sql[predict.input_start :].startswith(predict.input_sql)
    assert sql[evaluate.start : evaluate.end] == "ML.EVALUATE(MODEL ds.m)" and evaluate.input_sql is None
    assert importance.function == "FEATURE_IMPORTANCE"
    [table] = calls("SELECT * FROM ML.PREDICT(MODEL ds.m, TABLE `p.ds.t`)")
    assert table.input_sql == "SELECT * FROM `p.ds.t`"


def test_export_model_and_the_mistakes_it_names():
    assert export_model("EXPORT MODEL `p.ds.m` OPTIONS (uri = 'gs://b/m/')").options == {"uri": "gs://b/m/"}
    with pytest.raises(ModelSQLError, match="first argument is MODEL"):
        calls("SELECT * FROM ML.PREDICT(TABLE t)")
    with pytest.raises(ModelSQLError, match="write key = value"):
        create_model("CREATE MODEL ds.m OPTIONS (model_type) AS SELECT 1")
    with pytest.raises(ModelSQLError, match="name it dataset.model"):
        create_model("CREATE MODEL m AS SELECT 1")

"""Runs BigQuery SQL through the translator on DuckDB and, where it can, on ZetaSQL's evaluator too."""

import duckdb

from glue.runner.translate import Translator, UntranslatableSQL


def run(db, sql, translator=None):
    """The BigQuery SQL's rows on DuckDB, through the translator. A query that reads no local table
    also runs on ZetaSQL's reference evaluator, and any difference fails the test (answers_agree)."""
    translator = translator or Translator("definitions/x.sqlx")
    try:
        for statement in translator.script(sql).statements:
            result = db.execute(statement)
        rows = result.fetchall()
    except (duckdb.Error, UntranslatableSQL) as error:
        answers_agree(sql, None, error)
        raise
    answers_agree(sql, rows)
    return rows


_ORACLE = {}


def answers_agree(sql, rows, local_error=None):
    """Fails when BigQuery's evaluator answers the query otherwise than the local run did: other
    rows, or an error on one side only. A query the evaluator cannot resolve alone (it reads a
    local table or a script variable) is not compared; nor is what ZETASQL_DIFFERS lists."""
    from glue.oracle import Catalog, OracleError
    from glue.oracle.compare import _canonical

    if "oracle" not in _ORACLE or any(marker in sql for marker in ZETASQL_DIFFERS):
        return
    try:
        columns, expected = _ORACLE["oracle"].evaluate(sql, Catalog(), {})
    except OracleError as error:
        if error.message.startswith(
            (
                "Table not found",
                "Unrecognized name",
                "Syntax error: Unexpected keyword DECLARE",
                "Syntax error: Unexpected keyword SET",
                "Statement not supported",
                "Evaluator does not support statement kind",
            )
        ):
            return
        assert local_error is not None, f"BigQuery's evaluator refuses {sql!r} ({error.message}); locally: {rows}"
        return
    assert local_error is None, f"BigQuery's evaluator answers {sql!r} with {expected}; locally: {local_error}"
    canonical = lambda found: sorted(  # noqa: E731
        (tuple(repr(_canonical(v, kind)) for v, (_, kind) in zip(row, columns)) for row in found)
    )
    assert canonical(rows) == canonical(expected), f"{sql!r}: locally {rows}, BigQuery's evaluator {expected}"


# Where ZetaSQL, BigQuery's reference implementation, is documented to differ from BigQuery
# itself, the documented BigQuery answer is the test's and the evaluator is not asked.
ZETASQL_DIFFERS = {
    "typeof(": "DuckDB's own type names, asked of the local result: not BigQuery SQL",
    # BigQuery's JSON functions page: FLOAT64(JSON '18446744073709551615') "Throws an error" in the
    # default wide_number_mode 'exact'; ZetaSQL's evaluator rounds it (1.8446744073709552e+19).
    "FLOAT64(JSON '9007199254740993')": "BigQuery documents an error where ZetaSQL rounds",
}

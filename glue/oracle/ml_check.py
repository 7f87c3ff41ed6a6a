"""BigQuery ML in the check. ZetaSQL's analyzer takes CREATE MODEL (and checks its query) and
EXPORT MODEL (and EXPORT DATA), but has no BigQuery ML table functions. Before a statement is
analyzed, each ML.PREDICT / ML.EVALUATE / ML.FEATURE_IMPORTANCE / ML.WEIGHTS / ML.FEATURE_INFO
call is replaced by a subquery with the columns and types BigQuery ML returns for it, around the call's own input query, which is analyzed where
it stands. A call to a model no CREATE MODEL of the graph made is a problem, as on BigQuery.
"""

from __future__ import annotations

from dataclasses import dataclass

from glue.ml import sql as ml_sql
from glue.ml.sql import EVALUATE_COLUMNS

_IMPORTANCE = "SELECT CAST(NULL AS STRING) AS feature, CAST(NULL AS INT64) AS importance_weight, " + ", ".join(
    f"CAST(NULL AS FLOAT64) AS importance_{k}" for k in ("gain", "cover")
)
_EVALUATE = "SELECT " + ", ".join(f"CAST(NULL AS FLOAT64) AS {c}" for c in EVALUATE_COLUMNS)
# A linear or binary logistic regression's ML.WEIGHTS, and ML.FEATURE_INFO, as BigQuery documents them.
_WEIGHTS = (
    "SELECT CAST(NULL AS STRING) AS processed_input, CAST(NULL AS FLOAT64) AS weight, "
    "ARRAY<STRUCT<category STRING, weight FLOAT64>>[] AS category_weights"
)
_FEATURE_INFO = (
    "SELECT CAST(NULL AS STRING) AS input, "
    + ", ".join(f"CAST(NULL AS FLOAT64) AS {c}" for c in ("min", "max", "mean", "median", "stddev"))
    + ", "
    + ", ".join(f"CAST(NULL AS INT64) AS {c}" for c in ("category_count", "null_count", "dimension"))
)
_WHOLE = {"FEATURE_IMPORTANCE": _IMPORTANCE, "WEIGHTS": _WEIGHTS, "FEATURE_INFO": _FEATURE_INFO}


class UnknownModel(ValueError):
    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.offset = offset  # of the call in the statement


@dataclass
class ModelShape:
    label: str
    label_type: str


class Models:
    """The models CREATE MODEL statements of the graph made so far, and stand-ins for their calls."""

    def __init__(self):
        self.shapes: dict[str, ModelShape] = {}

    def created(self, sql: str, columns: list[tuple[str, str]]) -> bool:
        """Notes the model a CREATE MODEL statement makes (`columns` are its query's, as analyzed);
        False for any other statement."""
        created = ml_sql.create_model(sql)
        if created is None:
            return False
        label = (created.options.get("input_label_cols") or ["label"])[0]
        types = dict(columns)
        self.shapes[created.model] = ModelShape(label, types.get(label, "STRING"))
        return True

    def stand_ins(self, sql: str) -> str:
        """`sql` with each ML.* call replaced by a subquery of its columns, lines kept in place."""
        for call in reversed(ml_sql.calls(sql)):
            shape = self.shapes.get(call.model)
            if shape is None:
                raise UnknownModel(f"Model not found: {call.model} (no CREATE MODEL of the graph makes it)", call.start)
            sql = self._replaced(sql, call, shape)
        return sql

    @staticmethod
    def _replaced(sql: str, call: ml_sql.Call, shape: ModelShape) -> str:
        def kept_lines(start: int, end: int, text: str) -> str:
            return text + "\n" * sql.count("\n", start, end)

        if call.function == "PREDICT":
            kind = shape.label_type
            added = (
                f"SELECT CAST(NULL AS {kind}) AS predicted_{shape.label}, "
                f"ARRAY<STRUCT<label {kind}, prob FLOAT64>>[] AS predicted_{shape.label}_probs"
            )
            head, tail = "(SELECT * FROM (", f") CROSS JOIN ({added}))"
        elif call.function == "EVALUATE":
            head, tail = f"({_EVALUATE} FROM (", ") LIMIT 0)"
        else:
            return sql[: call.start] + kept_lines(call.start, call.end, f"({_WHOLE[call.function]})") + sql[call.end :]
        if call.input_sql is None:
            whole = f"({_EVALUATE})" if call.function == "EVALUATE" else ""
            return sql[: call.start] + kept_lines(call.start, call.end, whole) + sql[call.end :]
        if call.input_start is None:  # TABLE name
            return sql[: call.start] + kept_lines(call.start, call.end, head + call.input_sql + tail) + sql[call.end :]
        input_end = call.input_start + len(call.input_sql)
        return (
            sql[: call.start]
            + kept_lines(call.start, call.input_start, head)
            + call.input_sql
            + "\n" * sql.count("\n", input_end, call.end)  # the input's last line as it was
            + tail
            + sql[call.end :]
        )

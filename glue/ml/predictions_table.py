"""The table of served predictions (<ml dataset>.predictions): its columns and their BigQuery
types. definitions/ml/predictions.sqlx declares and describes it; the service writes it, and
the check reads this to know its schema."""

COLUMNS = (
    ("prediction_id", "STRING"),
    ("predicted_at", "TIMESTAMP"),
    ("visit_id", "STRING"),
    ("user_id", "STRING"),
    ("inputs", "JSON"),
    ("probability", "FLOAT64"),
    ("model_version", "STRING"),
    ("out_of_range_features", "ARRAY<STRING>"),
)
# Columns added after the table was first created: a writer adds them to a table that lacks them.
ADDED_LATER = ("out_of_range_features",)

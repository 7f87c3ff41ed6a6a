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
)

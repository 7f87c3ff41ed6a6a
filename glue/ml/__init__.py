"""BigQuery ML as the local runner executes it, and the predictions service (`serving/`).

Nothing is imported here: the runner reads `glue.ml.sql` on every run, and XGBoost, which the
training and the models need, takes a second to import.
"""

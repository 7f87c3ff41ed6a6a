"""The raw sources' BigQuery schemas, as provisioning creates them (glue/raw_schemas.py)."""

from __future__ import annotations

from glue.ml.predictions_table import COLUMNS as PREDICTION_COLUMNS
from glue.oracle.catalog import Table
from glue.raw_schemas import (
    LANDING_HIVE_KEYS,
    LANDING_PSEUDO_COLUMNS,
    LANDING_SCHEMA,
    OBJECT_TABLE_SCHEMA,
    PUBSUB_COLUMNS,
)
from glue.settings import Settings


def source_tables(settings: Settings) -> dict[str, Table]:
    """{"dataset.table": Table} of every table the graph declares: those provisioning creates that
    the workflow reads, and the predictions `clickstream ml serve` writes."""
    names = settings.raw
    tables = raw_tables(settings.raw_dataset, names["pubsub_table"], names["gcs_table"], names["gcs_objects_table"])
    predictions = f"{settings.ml_dataset}.{settings.ml['serve']['predictions_table']}"
    return {**tables, predictions: Table(list(PREDICTION_COLUMNS))}


def raw_tables(dataset: str, pubsub: str, gcs: str, gcs_objects: str) -> dict[str, Table]:
    return {
        f"{dataset}.{pubsub}": Table([(name, kind) for name, kind, _ in PUBSUB_COLUMNS]),
        f"{dataset}.{gcs}": Table([*LANDING_SCHEMA, *LANDING_HIVE_KEYS], list(LANDING_PSEUDO_COLUMNS)),
        f"{dataset}.{gcs_objects}": Table(list(OBJECT_TABLE_SCHEMA)),
    }

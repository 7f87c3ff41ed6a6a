"""The raw sources' BigQuery schemas, as provisioning creates them (glue/provision/bigquery.py)."""
from __future__ import annotations

from glue.oracle.catalog import Table
from glue.provision.bigquery import LANDING_PSEUDO_COLUMNS, LANDING_SCHEMA, OBJECT_TABLE_SCHEMA, PUBSUB_SCHEMA
from glue.settings import Settings


def source_tables(settings: Settings) -> dict[str, Table]:
    """{"dataset.table": Table} of every table provisioning creates that the workflow reads."""
    raw, names = settings.raw_dataset, settings.raw
    return {
        f"{raw}.{names['pubsub_table']}": Table([(f.name, f.field_type) for f in PUBSUB_SCHEMA]),
        f"{raw}.{names['gcs_table']}": Table(list(LANDING_SCHEMA), list(LANDING_PSEUDO_COLUMNS)),
        f"{raw}.{names['gcs_objects_table']}": Table(list(OBJECT_TABLE_SCHEMA)),
    }

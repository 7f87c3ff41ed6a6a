"""The raw tables' schemas: what provisioning creates on BigQuery (glue/provision/bigquery.py)
and what the ZetaSQL check reads as the sources' schemas (glue/oracle/sources.py), as plain
(name, type) pairs, so that the check does not load BigQuery's client library."""

# The columns a BigQuery subscription with write_metadata fills (data and attributes as STRING).
PUBSUB_COLUMNS = [
    ("subscription_name", "STRING", "Pub/Sub subscription that wrote the row."),
    ("message_id", "STRING", "Pub/Sub message id."),
    ("publish_time", "TIMESTAMP", "When Pub/Sub accepted the message."),
    ("data", "STRING", "The message body: one visit as JSON."),
    ("attributes", "STRING", "Message attributes as a JSON object."),
]

# The external table's one column, and the object table's columns, which BigQuery defines
# for every object table (objectMetadata SIMPLE). The ZetaSQL check reads these as the sources'
# schemas.
LANDING_SCHEMA = [("line", "STRING")]
# The landing objects' hive partition key: gs://BUCKET/PREFIX/hour=2026-06-30T21/NAME.jsonl.
LANDING_HIVE_KEYS = [("hour", "STRING")]
LANDING_PSEUDO_COLUMNS = [("_FILE_NAME", "STRING")]
OBJECT_TABLE_SCHEMA = [
    ("uri", "STRING"),
    ("generation", "INT64"),
    ("content_type", "STRING"),
    ("size", "INT64"),
    ("md5_hash", "STRING"),
    ("updated", "TIMESTAMP"),
    ("metadata", "ARRAY<STRUCT<name STRING, value STRING>>"),
    ("ref", "STRUCT<uri STRING, version STRING, authorizer STRING, details JSON>"),
]

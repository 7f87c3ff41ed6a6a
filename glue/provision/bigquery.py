"""Datasets, the raw tables and the Pub/Sub service agent's dataset grant, through the BigQuery client."""

from __future__ import annotations

from google.cloud import bigquery

from glue.provision.plan import get_or_none, missing_labels
from glue.raw_schemas import LANDING_HIVE_KEYS, LANDING_SCHEMA, PUBSUB_COLUMNS

DAY_MS = 24 * 60 * 60 * 1000

# The columns a BigQuery subscription with write_metadata fills (glue/raw_schemas.py).
PUBSUB_SCHEMA = [bigquery.SchemaField(name, kind, description=text) for name, kind, text in PUBSUB_COLUMNS]

# One STRING column per line: the external table must not parse the JSON, so that a malformed
# line reaches staging (and rejected_visits) instead of failing the query. Quoting is off and
# the delimiter is U+0001, which JSON text never contains raw (control characters must be
# escaped), so each line arrives whole. A line that does contain one is cut there
# (ignore_unknown_values) and quarantined as not valid JSON, instead of failing every query.
LINE_DELIMITER = "\u0001"


def _field_names(schema) -> list[tuple[str, str]]:
    return [(f.name, f.field_type) for f in schema]


class Dataset:
    kind = "bigquery dataset"

    def __init__(
        self,
        client,
        dataset_id: str,
        location: str,
        description: str,
        labels: dict[str, str],
        time_travel_hours: int | None = None,
    ):
        """`time_travel_hours`: how long BigQuery keeps deleted and changed rows recoverable
        (max_time_travel_hours, 48 to 168), so that an erasure is complete after it and fail-safe."""
        self.client, self.name = client, f"{client.project}.{dataset_id}"
        self.location, self.description, self.labels = location, description, labels
        self.time_travel_hours = time_travel_hours

    def read(self):
        return get_or_none(self.client.get_dataset, self.name)

    def differences(self, current) -> list[str]:
        found = []
        if (current.location or "").upper() != self.location.upper():
            found.append(f"location is {current.location}, settings say {self.location} (cannot change in place)")
        if current.description != self.description:
            found.append("description differs")
        if self.time_travel_hours and _hours(current.max_time_travel_hours) != self.time_travel_hours:
            found.append(f"time travel: {current.max_time_travel_hours or 168} h -> {self.time_travel_hours} h")
        return found + missing_labels(current.labels, self.labels)

    def create(self) -> None:
        dataset = bigquery.Dataset(self.name)
        dataset.location, dataset.description, dataset.labels = self.location, self.description, self.labels
        if self.time_travel_hours:
            dataset.max_time_travel_hours = self.time_travel_hours
        self.client.create_dataset(dataset)

    def update(self, current, differences) -> None:
        current.description = self.description
        current.labels = {**(current.labels or {}), **self.labels}
        fields = ["description", "labels"]
        if self.time_travel_hours:
            current.max_time_travel_hours = self.time_travel_hours
            fields.append("max_time_travel_hours")
        self.client.update_dataset(current, fields)


def _hours(value) -> int | None:
    return int(value) if value not in (None, "") else None


class PubSubTable:
    """What the BigQuery subscription writes: partitioned by the hour of publish time, partitions expire.

    Hourly, so that the hourly run reads the hour or two of messages it needs, not the whole day;
    with the partitions expiring (90 days: 2,160 partitions), the table stays within BigQuery's
    10,000 partitions per table."""

    kind = "bigquery table"

    def __init__(self, client, dataset_id: str, table_id: str, expiration_days: int):
        self.client, self.name = client, f"{client.project}.{dataset_id}.{table_id}"
        self.expiration_ms = expiration_days * DAY_MS

    def read(self):
        return get_or_none(self.client.get_table, self.name)

    def differences(self, current) -> list[str]:
        found = []
        wanted = _field_names(PUBSUB_SCHEMA)
        have = _field_names(current.schema)
        missing = [f"{n} {t}" for n, t in wanted if (n, t) not in have]
        if missing:
            found.append(f"columns: add {', '.join(missing)}")
        partitioning = current.time_partitioning
        if partitioning is None or partitioning.field != "publish_time":
            found.append("not partitioned by publish_time (cannot change in place: recreate the table)")
        elif partitioning.type_ != bigquery.TimePartitioningType.HOUR:
            found.append(
                f"partitioned by {partitioning.type_}, settings say HOUR (cannot change in place: recreate the table)"
            )
        elif partitioning.expiration_ms != self.expiration_ms:
            found.append(f"partition expiration: {partitioning.expiration_ms} ms -> {self.expiration_ms} ms")
        return found

    def create(self) -> None:
        table = bigquery.Table(self.name, schema=PUBSUB_SCHEMA)
        table.time_partitioning = bigquery.TimePartitioning(
            type_=bigquery.TimePartitioningType.HOUR, field="publish_time", expiration_ms=self.expiration_ms
        )
        table.description = "Raw visits as the Pub/Sub BigQuery subscription writes them (write_metadata)."
        self.client.create_table(table)

    def update(self, current, differences) -> None:
        have = {name for name, _ in _field_names(current.schema)}
        current.schema = list(current.schema) + [f for f in PUBSUB_SCHEMA if f.name not in have]
        fields = ["schema"]
        if current.time_partitioning is not None and current.time_partitioning.field == "publish_time":
            current.time_partitioning.expiration_ms = self.expiration_ms
            fields.append("time_partitioning")
        self.client.update_table(current, fields)


class _ExternalTable:
    """A table over the landing bucket's objects, defined wholly by its external configuration.

    Subclasses give the configuration, whether an existing configuration is of their kind
    (another kind cannot be changed in place, only reported), and any further differences.
    """

    kind = ""
    description = ""
    other_kind = ""  # what to report about a table that is not of this kind

    def __init__(self, client, dataset_id: str, table_id: str, source_uri: str):
        self.client, self.name = client, f"{client.project}.{dataset_id}.{table_id}"
        self.source_uri = source_uri

    def read(self):
        return get_or_none(self.client.get_table, self.name)

    def _config(self) -> bigquery.ExternalConfig:
        raise NotImplementedError

    def _same_kind(self, config: bigquery.ExternalConfig) -> bool:
        return True

    def _more_differences(self, config: bigquery.ExternalConfig) -> list[str]:
        return []

    def differences(self, current) -> list[str]:
        config = current.external_data_configuration
        if config is None or not self._same_kind(config):
            return [f"{self.other_kind} (cannot change in place)"]
        found = []
        if list(config.source_uris or []) != [self.source_uri]:
            found.append(f"source uris: {list(config.source_uris or [])} -> [{self.source_uri}]")
        return found + self._more_differences(config)

    def create(self) -> None:
        table = bigquery.Table(self.name)
        table.external_data_configuration = self._config()
        table.description = self.description
        self.client.create_table(table)

    def update(self, current, differences) -> None:
        config = current.external_data_configuration
        if config is None or not self._same_kind(config):
            raise RuntimeError(f"{self.name}: {self.other_kind} (cannot change in place)")
        current.external_data_configuration = self._config()
        self.client.update_table(current, ["external_data_configuration"])


class LandingTable(_ExternalTable):
    """The external table over the landing bucket's visit objects: one line per row, plus _FILE_NAME."""

    kind = "bigquery external table"
    description = "Raw visit lines from the landing bucket, one row per line; _FILE_NAME names the object."
    other_kind = "is a native table, not an external one"

    def _config(self) -> bigquery.ExternalConfig:
        config = bigquery.ExternalConfig("CSV")
        config.source_uris = [self.source_uri]
        [(line, kind)] = LANDING_SCHEMA
        config.schema = [bigquery.SchemaField(line, kind, description="One line of a visits object.")]
        config.options.field_delimiter = LINE_DELIMITER
        config.options.quote_character = ""
        config.options.allow_jagged_rows = True
        config.ignore_unknown_values = True
        config.options.encoding = "UTF-8"
        config.max_bad_records = 0
        hive = bigquery.HivePartitioningOptions()
        hive.mode = "CUSTOM"
        prefix = self.source_uri.removesuffix("*").rstrip("/")
        hive.source_uri_prefix = prefix + "/" + "/".join(f"{{{k}:{t}}}" for k, t in LANDING_HIVE_KEYS)
        config.hive_partitioning = hive
        return config

    def _more_differences(self, config: bigquery.ExternalConfig) -> list[str]:
        if (
            config.source_format != "CSV"
            or config.options.field_delimiter != LINE_DELIMITER
            or config.options.quote_character != ""
        ):
            return ["format: one line per row (CSV, no quoting, delimiter U+0001)"]
        if config.hive_partitioning is None:
            return ["hive partitioning by landing hour: none -> hour=YYYY-MM-DDTHH"]
        return []


class LandingObjectTable(_ExternalTable):
    """The object table over the same objects: their metadata (generation, size), never their content."""

    kind = "bigquery object table"
    description = "Metadata of the landing bucket's visit objects: uri, generation, size, updated."
    other_kind = "is not an object table"

    def __init__(self, client, dataset_id: str, table_id: str, source_uri: str, connection: str):
        super().__init__(client, dataset_id, table_id, source_uri)
        self.connection = connection

    def _config(self) -> bigquery.ExternalConfig:
        # The client has no field for objectMetadata yet; the REST resource is built as documented.
        return bigquery.ExternalConfig.from_api_repr(
            {"sourceUris": [self.source_uri], "objectMetadata": "SIMPLE", "connectionId": self.connection}
        )

    def _same_kind(self, config: bigquery.ExternalConfig) -> bool:
        return config.to_api_repr().get("objectMetadata") == "SIMPLE"

    def _more_differences(self, config: bigquery.ExternalConfig) -> list[str]:
        if config.connection_id != self.connection:
            return [f"connection: {config.connection_id} -> {self.connection}"]
        return []


class DatasetWriter:
    """A dataset access entry letting a service account write (WRITER = roles/bigquery.dataEditor)."""

    kind = "bigquery dataset grant"

    def __init__(self, client, dataset_id: str, member_email: str):
        self.client, self.dataset = client, f"{client.project}.{dataset_id}"
        self.email = member_email
        self.name = f"{self.dataset}: WRITER for {member_email}"

    def read(self):
        dataset = get_or_none(self.client.get_dataset, self.dataset)
        return dataset if dataset is not None and self._granted(dataset) else None

    def _granted(self, dataset) -> bool:
        return any(
            entry.entity_id == self.email and entry.role in ("WRITER", "OWNER", "roles/bigquery.dataEditor")
            for entry in dataset.access_entries
        )

    def differences(self, current) -> list[str]:
        return []

    def create(self) -> None:
        dataset = self.client.get_dataset(self.dataset)
        if self._granted(dataset):
            return
        entry = bigquery.AccessEntry(role="WRITER", entity_type="userByEmail", entity_id=self.email)
        dataset.access_entries = list(dataset.access_entries) + [entry]
        self.client.update_dataset(dataset, ["access_entries"])

    def update(self, current, differences) -> None:
        self.create()

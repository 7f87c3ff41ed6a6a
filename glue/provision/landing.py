"""The landing side as a list of resources, in the order they must be created.

Everything is named by clickstream.yaml (topics, bucket, retention) and workflow_settings.yaml
(datasets); the project and region come from the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from glue.provision import bigquery as bq
from glue.provision import pubsub as ps
from glue.provision.connection import OBJECT_VIEWER, BucketGrant, LandingConnection
from glue.provision.storage import Bucket
from glue.settings import Settings

LABELS = {"app": "clickstream"}

DATASET_DESCRIPTIONS = {
    "raw": "Raw visits as received: the Pub/Sub subscription's table, and the landing bucket's external and object tables.",
    "staging": "Parsed, validated and deduplicated visits; internal to the Dataform workflow.",
    "curated": "Sessions, events, purchase items, per-minute aggregates and dashboard marts.",
    "assertions": "Dataform assertion views: each returns the rows that break a rule.",
    "ml": "Purchase-propensity features, models, scores, trainings and the served predictions.",
}


@dataclass
class Clients:
    """Official client objects; any left None is not provisioned (the local stack has no BigQuery)."""

    storage: Any = None
    bigquery: Any = None
    publisher: Any = None
    subscriber: Any = None
    schemas: Any = None
    connections: Any = None


def service_agent(project_number: str | int) -> str:
    """The Pub/Sub service agent, which writes BigQuery subscriptions and forwards dead letters."""
    return f"serviceAccount:service-{project_number}@gcp-sa-pubsub.iam.gserviceaccount.com"


def visit_schema_definition(settings: Settings) -> str:
    return (settings.root / "glue" / "schemas" / "visit.proto").read_text(encoding="utf-8")


def landing_resources(
    settings: Settings, project: str, region: str, clients: Clients, project_number: str | None = None
) -> list:
    resources: list = []
    if clients.storage is not None:
        resources.append(
            Bucket(
                clients.storage,
                settings.landing_bucket_for(project),
                region,
                settings.infra["landing"]["storage_class"],
                LABELS,
                settings.infra["landing"].get("delete_after_days"),
            )
        )
        # Where EXPORT MODEL writes the purchase-propensity model (the ml_model_bucket var), kept:
        # the served model must not expire.
        resources.append(Bucket(clients.storage, settings.model_bucket_for(project), region, "STANDARD", LABELS))
    if clients.bigquery is not None:
        resources += bigquery_resources(settings, project, region, clients.bigquery)
    if clients.bigquery is not None and clients.connections is not None:
        resources += object_table_resources(settings, project, region, clients)
    if clients.publisher is not None:
        resources += pubsub_resources(settings, project, clients)
    if project_number is not None:
        resources += grants(settings, project, clients, service_agent(project_number))
    return resources


def bigquery_resources(settings: Settings, project: str, region: str, client) -> list:
    datasets = {
        "raw": settings.raw_dataset,
        "staging": settings.staging_dataset,
        "curated": settings.curated_dataset,
        "assertions": settings.assertion_dataset,
        "ml": settings.ml_dataset,
    }
    hours = settings.privacy.get("time_travel_hours")
    raw = settings.raw
    # Objects sit under hour=YYYY-MM-DDTHH/ (the hour they landed): a hive partition key that
    # lets a query read only the newest objects.
    source_uri = f"gs://{settings.landing_bucket_for(project)}/{settings.landing_prefix}/*"
    return [
        *(
            bq.Dataset(client, name, region, DATASET_DESCRIPTIONS[layer], LABELS, hours)
            for layer, name in datasets.items()
        ),
        bq.PubSubTable(client, settings.raw_dataset, raw["pubsub_table"], raw["pubsub_expiration_days"]),
        bq.LandingTable(client, settings.raw_dataset, raw["gcs_table"], source_uri),
    ]


def object_table_resources(settings: Settings, project: str, region: str, clients: Clients) -> list:
    """The object table staging reads to see which landing objects changed, and what it reads through."""
    raw = settings.raw
    bucket = settings.landing_bucket_for(project)
    connection = LandingConnection(clients.connections, project, region, raw["landing_connection"])
    resources = [connection]
    if clients.storage is not None:
        resources.append(
            BucketGrant(
                clients.storage,
                bucket,
                OBJECT_VIEWER,
                connection.service_account,
                f"connection {raw['landing_connection']}'s service account",
            )
        )
    resources.append(
        bq.LandingObjectTable(
            clients.bigquery,
            settings.raw_dataset,
            raw["gcs_objects_table"],
            f"gs://{bucket}/{settings.landing_prefix}/*.jsonl",
            connection.reference,
        )
    )
    return resources


def pubsub_resources(settings: Settings, project: str, clients: Clients) -> list:
    names = settings.pubsub
    publisher, subscriber = clients.publisher, clients.subscriber
    topic = publisher.topic_path(project, names["visits_topic"])
    dead_letter = publisher.topic_path(project, names["dead_letter_topic"])
    processed = publisher.topic_path(project, names["processed_topic"])
    alerts = publisher.topic_path(project, names["alerts_topic"])
    schema = ps.VisitSchema(clients.schemas, project, names["visits_schema"], visit_schema_definition(settings))
    resources = [
        schema,
        ps.Topic(
            publisher, project, names["visits_topic"], LABELS, schema=schema.name if names["enforce_schema"] else None
        ),
        ps.Topic(publisher, project, names["dead_letter_topic"], LABELS),
        ps.Subscription(subscriber, project, names["dead_letter_subscription"], dead_letter, LABELS),
        ps.Topic(publisher, project, names["processed_topic"], LABELS),
        ps.Subscription(subscriber, project, names["processed_subscription"], processed, LABELS),
        ps.Subscription(subscriber, project, names["ml_subscription"], processed, LABELS),
        ps.Subscription(subscriber, project, names["dos_alert_subscription"], topic, LABELS),
        ps.Topic(publisher, project, names["alerts_topic"], LABELS),
        ps.Subscription(subscriber, project, names["alerts_subscription"], alerts, LABELS),
    ]
    table = f"{project}.{settings.raw_dataset}.{settings.raw['pubsub_table']}"
    # On Google Cloud the subscription writes BigQuery itself; the emulator accepts the same
    # config and ignores it, and the local stack's subscription sink does the writing instead.
    resources.append(
        ps.Subscription(
            subscriber,
            project,
            names["bigquery_subscription"],
            topic,
            LABELS,
            ack_deadline_seconds=names["ack_deadline_seconds"],
            bigquery_table=table,
            dead_letter_topic=dead_letter,
            max_delivery_attempts=names["max_delivery_attempts"],
        )
    )
    return resources


def grants(settings: Settings, project: str, clients: Clients, agent: str) -> list:
    names = settings.pubsub
    resources = []
    if clients.bigquery is not None:
        resources.append(
            bq.DatasetWriter(clients.bigquery, settings.raw_dataset, agent.removeprefix("serviceAccount:"))
        )
    if clients.publisher is not None:
        dead_letter = clients.publisher.topic_path(project, names["dead_letter_topic"])
        subscription = clients.subscriber.subscription_path(project, names["bigquery_subscription"])
        # Dead-lettering needs both: publish to the dead-letter topic, and ack on the source subscription.
        resources += [
            ps.IamGrant(clients.publisher, dead_letter, "roles/pubsub.publisher", agent),
            ps.IamGrant(clients.subscriber, subscription, "roles/pubsub.subscriber", agent),
        ]
    return resources


def real_clients(project: str, region: str, parts: set[str]) -> Clients:
    from google.cloud import bigquery, bigquery_connection_v1, pubsub_v1, storage

    from glue.provision.network import ensure_reachable

    clients = Clients(
        storage=storage.Client(project=project) if parts & {"storage", "iam"} else None,
        bigquery=bigquery.Client(project=project, location=region) if parts & {"bigquery", "iam"} else None,
        publisher=pubsub_v1.PublisherClient() if parts & {"pubsub", "iam"} else None,
        subscriber=pubsub_v1.SubscriberClient() if parts & {"pubsub", "iam"} else None,
        schemas=pubsub_v1.SchemaServiceClient() if "pubsub" in parts else None,
        connections=bigquery_connection_v1.ConnectionServiceClient() if parts & {"bigquery", "iam"} else None,
    )
    # Credentials were found (the clients would have raised); now, can Google Cloud be reached?
    ensure_reachable(["storage.googleapis.com", "bigquery.googleapis.com", "pubsub.googleapis.com"])
    return clients


def lookup_project_number(project: str) -> str:
    from google.cloud import resourcemanager_v3

    return resourcemanager_v3.ProjectsClient().get_project(name=f"projects/{project}").name.split("/")[-1]


def offline_clients(parts: set[str], project: str) -> Clients:
    """Stand-ins for `real_clients` without credentials: the plan can be declared, not read."""
    from google.cloud import pubsub_v1

    from glue.provision.plan import OfflineClient

    pubsub = parts & {"pubsub", "iam"}
    return Clients(
        storage=OfflineClient() if parts & {"storage", "iam"} else None,
        bigquery=OfflineClient(project=project) if parts & {"bigquery", "iam"} else None,
        publisher=OfflineClient(pubsub_v1.PublisherClient) if pubsub else None,
        subscriber=OfflineClient(pubsub_v1.SubscriberClient) if pubsub else None,
        schemas=OfflineClient(pubsub_v1.SchemaServiceClient) if "pubsub" in parts else None,
        connections=OfflineClient() if parts & {"bigquery", "iam"} else None,
    )

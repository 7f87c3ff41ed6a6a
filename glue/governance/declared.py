"""Which governance resources a project gets, from clickstream.yaml and the compiled graph."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from glue.dataform import Graph
from glue.governance import resources as gov
from glue.governance.policy_tags import privacy_resources
from glue.settings import Settings

CURATED_KINDS = ("table", "incremental", "view")


@dataclass
class GovernanceClients:
    dataplex: Any  # DataplexServiceClient: lakes, zones, assets, zone IAM
    catalog: Any  # CatalogServiceClient: aspect types, entries
    services: Any  # ServiceUsageClient: the Data Lineage API
    policy_tags: Any  # datacatalog_v1.PolicyTagManagerClient: the taxonomy, its policy tags and their IAM
    data_policies: Any  # bigquery_datapolicies_v1.DataPolicyServiceClient: data masking policies and their IAM


def table_aspect_data(settings: Settings, description: str, columns: dict[str, str]) -> dict:
    """The aspect's data: the data-product facts from settings, the documentation from the SQLX."""
    return {**settings.infra["governance"]["data_product"], "description": description, "columns": dict(columns)}


def governance_resources(
    settings: Settings, graph: Graph, project: str, region: str, clients: GovernanceClients
) -> list:
    config = settings.infra["governance"]
    lake = gov.Lake(clients.dataplex, f"projects/{project}/locations/{region}", config["lake"])
    bq_location = settings.region.lower()
    raw_zone = gov.Zone(clients.dataplex, lake.name, "raw", "RAW", bq_location)
    curated_zone = gov.Zone(clients.dataplex, lake.name, "curated", "CURATED", bq_location)
    aspect_type = gov.DataProductAspectType(
        clients.catalog, f"projects/{project}/locations/global", config["aspect_type"]
    )
    resources = [
        gov.EnabledService(clients.services, project, "datalineage.googleapis.com"),
        lake,
        raw_zone,
        curated_zone,
        gov.Asset(
            clients.dataplex,
            raw_zone.name,
            "landing-bucket",
            f"projects/{project}/buckets/{settings.landing_bucket_for(project)}",
            "STORAGE_BUCKET",
        ),
        gov.Asset(
            clients.dataplex,
            curated_zone.name,
            "curated-dataset",
            f"projects/{project}/datasets/{settings.curated_dataset}",
            "BIGQUERY_DATASET",
        ),
        # The machine-learning dataset is shared as the curated one is: features, scores, trainings.
        gov.Asset(
            clients.dataplex,
            curated_zone.name,
            "ml-dataset",
            f"projects/{project}/datasets/{settings.ml_dataset}",
            "BIGQUERY_DATASET",
        ),
        gov.ZoneReaders(clients.dataplex, curated_zone.name, _members(config["curated_readers"], project)),
        gov.ZoneReaders(clients.dataplex, raw_zone.name, _members(config["raw_readers"], project)),
        aspect_type,
    ]
    key = f"{project}.global.{config['aspect_type']}"
    for action in sorted(graph.actions.values(), key=lambda a: a.table):
        if action.schema not in (settings.curated_dataset, settings.ml_dataset) or not _shared_table(action):
            continue
        entry = (
            f"projects/{project}/locations/{bq_location}/entryGroups/@bigquery/entries/"
            f"bigquery.googleapis.com/projects/{project}/datasets/{action.schema}/tables/{action.table}"
        )
        resources.append(
            gov.TableAspect(
                clients.catalog,
                entry,
                key,
                aspect_type.name,
                table_aspect_data(settings, action.description, action.columns),
            )
        )
    resources += privacy_resources(settings, project, bq_location, clients.policy_tags, clients.data_policies)
    return resources


def _shared_table(action) -> bool:
    """A table or view the curated zone documents; an operations action's only when it outputs a
    table with described columns (a model has none)."""
    return action.kind in CURATED_KINDS or (action.kind == "operations" and action.has_output and bool(action.columns))


def _members(members: list[str], project: str) -> list[str]:
    return [member.format(project=project) for member in members]


def real_clients() -> GovernanceClients:
    from google.cloud import bigquery_datapolicies_v1, datacatalog_v1, dataplex_v1, service_usage_v1

    from glue.provision.network import ensure_reachable

    clients = GovernanceClients(
        dataplex_v1.DataplexServiceClient(),
        dataplex_v1.CatalogServiceClient(),
        service_usage_v1.ServiceUsageClient(),
        datacatalog_v1.PolicyTagManagerClient(),
        bigquery_datapolicies_v1.DataPolicyServiceClient(),
    )
    ensure_reachable(
        [
            "dataplex.googleapis.com",
            "serviceusage.googleapis.com",
            "datacatalog.googleapis.com",
            "bigquerydatapolicy.googleapis.com",
        ]
    )
    return clients


def offline_clients() -> GovernanceClients:
    """Stand-ins without credentials: the plan can be declared, not read."""
    from glue.provision.plan import OfflineClient

    return GovernanceClients(*(OfflineClient() for _ in fields(GovernanceClients)))

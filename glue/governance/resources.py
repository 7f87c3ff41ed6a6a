"""Dataplex governance as plan resources: the lake and its zones and assets, the data-product
aspect type and its aspects on the curated tables, zone sharing, and the Data Lineage API."""

from __future__ import annotations

from google.cloud import dataplex_v1
from google.iam.v1 import iam_policy_pb2, policy_pb2
from google.protobuf import field_mask_pb2, json_format, struct_pb2

from glue.provision.plan import get_or_none

READER = "roles/dataplex.dataReader"


class Lake:
    kind = "dataplex lake"

    def __init__(self, client, parent: str, lake_id: str):
        self.client, self.parent, self.lake_id = client, parent, lake_id
        self.name = f"{parent}/lakes/{lake_id}"

    def read(self):
        return get_or_none(self.client.get_lake, name=self.name)

    def differences(self, current) -> list[str]:
        return []

    def create(self) -> None:
        lake = dataplex_v1.Lake(display_name="Clickstream", description="Raw and curated clickstream data.")
        self.client.create_lake(parent=self.parent, lake=lake, lake_id=self.lake_id).result()

    def update(self, current, differences) -> None:
        pass


class Zone:
    kind = "dataplex zone"

    def __init__(self, client, lake: str, zone_id: str, zone_type: str, region: str):
        self.client, self.lake, self.zone_id, self.zone_type = client, lake, zone_id, zone_type
        self.multi_region = region.lower() in ("us", "eu")
        self.name = f"{lake}/zones/{zone_id}"

    def read(self):
        return get_or_none(self.client.get_zone, name=self.name)

    def differences(self, current) -> list[str]:
        if current.type_.name != self.zone_type:
            return [f"type is {current.type_.name}, settings say {self.zone_type} (cannot change in place)"]
        return []

    def create(self) -> None:
        location = (
            dataplex_v1.Zone.ResourceSpec.LocationType.MULTI_REGION
            if self.multi_region
            else dataplex_v1.Zone.ResourceSpec.LocationType.SINGLE_REGION
        )
        zone = dataplex_v1.Zone(
            type_=dataplex_v1.Zone.Type[self.zone_type],
            resource_spec=dataplex_v1.Zone.ResourceSpec(location_type=location),
            discovery_spec=dataplex_v1.Zone.DiscoverySpec(enabled=True),
        )
        self.client.create_zone(parent=self.lake, zone=zone, zone_id=self.zone_id).result()

    def update(self, current, differences) -> None:
        pass


class Asset:
    kind = "dataplex asset"

    def __init__(self, client, zone: str, asset_id: str, resource: str, asset_type: str):
        self.client, self.zone, self.asset_id = client, zone, asset_id
        self.resource, self.asset_type = resource, asset_type
        self.name = f"{zone}/assets/{asset_id}"

    def read(self):
        return get_or_none(self.client.get_asset, name=self.name)

    def differences(self, current) -> list[str]:
        if current.resource_spec.name != self.resource:
            return [f"points at {current.resource_spec.name}, settings say {self.resource} (cannot change in place)"]
        return []

    def create(self) -> None:
        spec = dataplex_v1.Asset.ResourceSpec(
            name=self.resource, type_=dataplex_v1.Asset.ResourceSpec.Type[self.asset_type]
        )
        self.client.create_asset(
            parent=self.zone, asset=dataplex_v1.Asset(resource_spec=spec), asset_id=self.asset_id
        ).result()

    def update(self, current, differences) -> None:
        pass


def _field(index: int, name: str, kind: str, description: str, **extra) -> dataplex_v1.AspectType.MetadataTemplate:
    return dataplex_v1.AspectType.MetadataTemplate(
        index=index, name=name, type_=kind, annotations={"description": description}, **extra
    )


DATA_PRODUCT_FIELDS = [
    _field(1, "owner", "string", "Team that answers for the table."),
    _field(2, "domain", "string", "Business domain."),
    _field(3, "update_cadence", "string", "How often the workflow refreshes it."),
    _field(4, "freshness_hours", "int", "Newest data is at most this old when healthy."),
    _field(5, "contains_pii", "bool", "Whether it holds personal data."),
    _field(6, "source", "string", "Where the data comes from."),
    _field(7, "description", "string", "The table's description, from its SQLX."),
    _field(
        8,
        "columns",
        "map",
        "Column descriptions, from the SQLX.",
        map_items=dataplex_v1.AspectType.MetadataTemplate(name="description", type_="string"),
    ),
]


class DataProductAspectType:
    kind = "dataplex aspect type"

    def __init__(self, client, parent: str, type_id: str):
        self.client, self.parent, self.type_id = client, parent, type_id
        self.name = f"{parent}/aspectTypes/{type_id}"

    def read(self):
        return get_or_none(self.client.get_aspect_type, name=self.name)

    def differences(self, current) -> list[str]:
        have = sorted(f.name for f in current.metadata_template.record_fields)
        want = sorted(f.name for f in DATA_PRODUCT_FIELDS)
        return [] if have == want else [f"fields {have} -> {want}"]

    def _wanted(self) -> dataplex_v1.AspectType:
        return dataplex_v1.AspectType(
            name=self.name,
            description="A clickstream data product: ownership, cadence, PII, and its documentation.",
            metadata_template=dataplex_v1.AspectType.MetadataTemplate(
                name="clickstream_data_product", type_="record", record_fields=DATA_PRODUCT_FIELDS
            ),
        )

    def create(self) -> None:
        self.client.create_aspect_type(
            parent=self.parent, aspect_type=self._wanted(), aspect_type_id=self.type_id
        ).result()

    def update(self, current, differences) -> None:
        self.client.update_aspect_type(
            aspect_type=self._wanted(), update_mask=field_mask_pb2.FieldMask(paths=["metadata_template"])
        ).result()


class TableAspect:
    """The data-product aspect on one BigQuery table's catalog entry."""

    kind = "dataplex table aspect"

    def __init__(self, client, entry: str, aspect_key: str, aspect_type: str, data: dict):
        self.client, self.entry, self.aspect_key, self.aspect_type, self.data = (
            client,
            entry,
            aspect_key,
            aspect_type,
            data,
        )
        self.name = entry.rsplit("/", 3)[-3] + "." + entry.rsplit("/", 1)[-1]  # dataset.table

    def read(self):
        entry = get_or_none(
            self.client.get_entry,
            request={"name": self.entry, "view": dataplex_v1.EntryView.CUSTOM, "aspect_types": [self.aspect_type]},
        )
        if entry is None or self.aspect_key not in entry.aspects:
            return None
        return entry

    def differences(self, current) -> list[str]:
        have = json_format.MessageToDict(current.aspects[self.aspect_key]._pb.data)
        changed = sorted(k for k in set(have) | set(self.data) if have.get(k) != self.data.get(k))
        return [f"{k} differs from the compiled graph and settings" for k in changed]

    def create(self) -> None:
        data = struct_pb2.Struct()
        data.update(self.data)
        entry = dataplex_v1.Entry(
            name=self.entry, aspects={self.aspect_key: dataplex_v1.Aspect(aspect_type=self.aspect_type, data=data)}
        )
        self.client.update_entry(
            request={"entry": entry, "update_mask": {"paths": ["aspects"]}, "aspect_keys": [self.aspect_key]}
        )

    def update(self, current, differences) -> None:
        self.create()


class ZoneReaders:
    """Members allowed to read a zone's data (roles/dataplex.dataReader on the zone)."""

    kind = "dataplex zone readers"

    def __init__(self, client, zone: str, members: list[str]):
        self.client, self.zone, self.members = client, zone, sorted(members)
        self.name = f"{zone}: {READER} for {', '.join(self.members) or 'nobody'}"

    def _policy(self):
        return self.client.get_iam_policy(request=iam_policy_pb2.GetIamPolicyRequest(resource=self.zone))

    def read(self):
        return get_or_none(self._policy)

    def differences(self, current) -> list[str]:
        have = next((sorted(b.members) for b in current.bindings if b.role == READER), [])
        return [] if have == self.members else [f"readers: {have} -> {self.members}"]

    def create(self) -> None:
        policy = self._policy()
        bindings = [b for b in policy.bindings if b.role != READER]
        if self.members:
            bindings.append(policy_pb2.Binding(role=READER, members=self.members))
        del policy.bindings[:]
        policy.bindings.extend(bindings)
        self.client.set_iam_policy(request=iam_policy_pb2.SetIamPolicyRequest(resource=self.zone, policy=policy))

    def update(self, current, differences) -> None:
        self.create()


class EnabledService:
    kind = "service"

    def __init__(self, client, project: str, service: str):
        self.client, self.name = client, f"projects/{project}/services/{service}"

    def read(self):
        from google.cloud import service_usage_v1

        service = self.client.get_service(request={"name": self.name})
        return service if service.state == service_usage_v1.State.ENABLED else None

    def differences(self, current) -> list[str]:
        return []

    def create(self) -> None:
        self.client.enable_service(request={"name": self.name}).result()

    def update(self, current, differences) -> None:
        pass

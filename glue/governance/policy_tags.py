"""Column-level security as plan resources: the policy-tag taxonomy of personal data (Data
Catalog), a policy tag per class with its fine-grained readers, and a BigQuery data masking
policy per class with its masked readers (clickstream.yaml, section privacy).

Data Catalog names taxonomies and policy tags itself (numeric ids), so they are found by display
name; a tag or data policy whose taxonomy does not exist yet plans as a creation, and is created
after its taxonomy because a plan applies its resources in order.
"""

from __future__ import annotations

from functools import partial
from typing import Callable

from google.cloud import bigquery_datapolicies_v1 as dp
from google.cloud import datacatalog_v1 as dc
from google.iam.v1 import iam_policy_pb2, policy_pb2
from google.protobuf import field_mask_pb2

from glue.provision.plan import get_or_none
from glue.settings import Settings, SettingsError

FINE_GRAINED_READER = "roles/datacatalog.categoryFineGrainedReader"
MASKED_READER = "roles/bigquerydatapolicy.maskedReader"
FINE_GRAINED = dc.Taxonomy.PolicyType.FINE_GRAINED_ACCESS_CONTROL
TAXONOMY_DESCRIPTION = "Classes of personal data in the clickstream tables (clickstream.yaml, privacy)."


def taxonomy_display_name(settings: Settings, project: str) -> str:
    return settings.infra["privacy"]["taxonomy"].replace("{project}", project)


class Taxonomies:
    """Finds the taxonomy and its policy tags by display name; what is found is remembered until
    `forget` (called when a taxonomy or tag is created)."""

    def __init__(self, client, parent: str, display_name: str):
        self.client, self.parent, self.display_name = client, parent, display_name
        self._taxonomy, self._tags = None, None

    def taxonomy(self) -> dc.Taxonomy | None:
        if self._taxonomy is None:
            found = self.client.list_taxonomies(request={"parent": self.parent})
            self._taxonomy = next((t for t in found if t.display_name == self.display_name), None)
        return self._taxonomy

    def tags(self) -> dict[str, dc.PolicyTag]:
        """The taxonomy's policy tags by display name; none while the taxonomy does not exist."""
        if self._tags is None:
            taxonomy = self.taxonomy()
            if taxonomy is None:
                return {}
            self._tags = {t.display_name: t for t in self.client.list_policy_tags(request={"parent": taxonomy.name})}
        return self._tags

    def tag_name(self, display_name: str) -> str | None:
        tag = self.tags().get(display_name)
        return tag.name if tag else None

    def forget(self) -> None:
        self._taxonomy, self._tags = None, None


class Taxonomy:
    kind = "policy tag taxonomy"

    def __init__(self, taxonomies: Taxonomies):
        self.taxonomies = taxonomies
        self.name = f"{taxonomies.display_name} in {taxonomies.parent}"

    def read(self):
        return self.taxonomies.taxonomy()

    def _changed(self, current) -> dict[str, str]:
        changed = {}
        if FINE_GRAINED not in current.activated_policy_types:
            changed["activated_policy_types"] = f"activated policy types: add {FINE_GRAINED.name}"
        if current.description != TAXONOMY_DESCRIPTION:
            changed["description"] = "description differs from the declared one"
        return changed

    def differences(self, current) -> list[str]:
        return list(self._changed(current).values())

    def _wanted(self, name: str = "") -> dc.Taxonomy:
        return dc.Taxonomy(
            name=name,
            display_name=self.taxonomies.display_name,
            description=TAXONOMY_DESCRIPTION,
            activated_policy_types=[FINE_GRAINED],
        )

    def create(self) -> None:
        self.taxonomies.client.create_taxonomy(request={"parent": self.taxonomies.parent, "taxonomy": self._wanted()})
        self.taxonomies.forget()

    def update(self, current, differences) -> None:
        mask = field_mask_pb2.FieldMask(paths=list(self._changed(current)))
        self.taxonomies.client.update_taxonomy(request={"taxonomy": self._wanted(current.name), "update_mask": mask})
        self.taxonomies.forget()


class PolicyTag:
    """One class of personal data: a policy tag named for the class."""

    kind = "policy tag"

    def __init__(self, taxonomies: Taxonomies, privacy_class: str, description: str):
        self.taxonomies, self.privacy_class, self.description = taxonomies, privacy_class, description
        self.name = f"{taxonomies.display_name}/{privacy_class}"

    def read(self):
        return self.taxonomies.tags().get(self.privacy_class)

    def differences(self, current) -> list[str]:
        return [] if current.description == self.description else ["description differs from clickstream.yaml"]

    def create(self) -> None:
        tag = dc.PolicyTag(display_name=self.privacy_class, description=self.description)
        self.taxonomies.client.create_policy_tag(request={"parent": self.taxonomies.taxonomy().name, "policy_tag": tag})
        self.taxonomies.forget()

    def update(self, current, differences) -> None:
        tag = dc.PolicyTag(name=current.name, description=self.description)
        mask = field_mask_pb2.FieldMask(paths=["description"])
        self.taxonomies.client.update_policy_tag(request={"policy_tag": tag, "update_mask": mask})
        self.taxonomies.forget()


class Readers:
    """The members of one role on a resource's IAM policy, the policy's other roles kept as they
    are; `resource()` gives the resource's name, None while it does not exist."""

    def __init__(self, kind: str, client, resource: Callable[[], str | None], label: str, role: str, members):
        self.kind, self.client, self.resource, self.role = kind, client, resource, role
        self.members = sorted(set(members))
        self.name = f"{label}: {role} for {', '.join(self.members) or 'nobody'}"

    def _policy(self, resource: str):
        return self.client.get_iam_policy(request=iam_policy_pb2.GetIamPolicyRequest(resource=resource))

    def read(self):
        resource = self.resource()
        # A data policy that does not exist has no IAM policy either: NotFound, read as None.
        return None if resource is None else get_or_none(self._policy, resource)

    def differences(self, current) -> list[str]:
        have = next((sorted(b.members) for b in current.bindings if b.role == self.role), [])
        return [] if have == self.members else [f"members: {have} -> {self.members}"]

    def create(self) -> None:
        resource = self.resource()
        policy = self._policy(resource)
        bindings = [b for b in policy.bindings if b.role != self.role]
        if self.members:
            bindings.append(policy_pb2.Binding(role=self.role, members=self.members))
        del policy.bindings[:]
        policy.bindings.extend(bindings)
        self.client.set_iam_policy(request=iam_policy_pb2.SetIamPolicyRequest(resource=resource, policy=policy))

    def update(self, current, differences) -> None:
        self.create()


class DataPolicy:
    """A class's masking: a BigQuery data masking policy on its policy tag."""

    kind = "bigquery data policy"

    def __init__(self, client, taxonomies: Taxonomies, parent: str, privacy_class: str, masking: str):
        if masking not in dp.DataMaskingPolicy.PredefinedExpression.__members__:
            known = [m for m in dp.DataMaskingPolicy.PredefinedExpression.__members__ if not m.endswith("UNSPECIFIED")]
            raise SettingsError(
                f"clickstream.yaml: privacy class {privacy_class}: masking {masking!r} is not one of {known}"
            )
        self.client, self.taxonomies, self.privacy_class, self.masking = client, taxonomies, privacy_class, masking
        self.policy_id = f"clickstream_{privacy_class}"  # data policy ids: letters, digits and _
        self.parent, self.name = parent, f"{parent}/dataPolicies/{self.policy_id}"

    def read(self):
        return get_or_none(self.client.get_data_policy, request={"name": self.name})

    def _changed(self, current) -> dict[str, str]:
        changed = {}
        if current.data_policy_type != dp.DataPolicy.DataPolicyType.DATA_MASKING_POLICY:
            changed["data_policy_type"] = f"type: {current.data_policy_type.name} -> DATA_MASKING_POLICY"
        have = current.data_masking_policy.predefined_expression.name
        if have != self.masking:
            changed["data_masking_policy"] = f"masking: {have} -> {self.masking}"
        tag = self.taxonomies.tag_name(self.privacy_class)
        # The data policy may name the tag's project by number: what follows the project is compared.
        if tag is None or current.policy_tag.split("/", 2)[-1] != tag.split("/", 2)[-1]:
            wanted = tag or f"{self.taxonomies.display_name}/{self.privacy_class} (created first)"
            changed["policy_tag"] = f"policy tag: {current.policy_tag or 'none'} -> {wanted}"
        return changed

    def differences(self, current) -> list[str]:
        return list(self._changed(current).values())

    def _wanted(self, name: str = "") -> dp.DataPolicy:
        return dp.DataPolicy(
            name=name,
            data_policy_id="" if name else self.policy_id,
            data_policy_type=dp.DataPolicy.DataPolicyType.DATA_MASKING_POLICY,
            policy_tag=self.taxonomies.tag_name(self.privacy_class),
            data_masking_policy=dp.DataMaskingPolicy(
                predefined_expression=dp.DataMaskingPolicy.PredefinedExpression[self.masking]
            ),
        )

    def create(self) -> None:
        self.client.create_data_policy(request={"parent": self.parent, "data_policy": self._wanted()})

    def update(self, current, differences) -> None:
        mask = field_mask_pb2.FieldMask(paths=list(self._changed(current)))
        self.client.update_data_policy(request={"data_policy": self._wanted(current.name), "update_mask": mask})


def _members(members: list[str], project: str) -> list[str]:
    return [member.replace("{project}", project) for member in members]


def privacy_resources(settings: Settings, project: str, location: str, policy_tags, data_policies) -> list:
    """The taxonomy, then per class its policy tag, data policy and their readers (IAM only for
    roles with members in clickstream.yaml)."""
    config = settings.infra["privacy"]
    parent = f"projects/{project}/locations/{location}"
    taxonomies = Taxonomies(policy_tags, parent, taxonomy_display_name(settings, project))
    raw = _members(config["readers"]["raw"], project)
    masked = _members(config["readers"]["analyst"] + config["readers"]["data_scientist"], project)
    resources = [Taxonomy(taxonomies)]
    for privacy_class, declared in config["classes"].items():
        tag = PolicyTag(taxonomies, privacy_class, declared["description"])
        data_policy = DataPolicy(data_policies, taxonomies, parent, privacy_class, declared["masking"])
        resources.append(tag)
        if raw:
            tag_name = partial(taxonomies.tag_name, privacy_class)
            resources.append(Readers("policy tag readers", policy_tags, tag_name, tag.name, FINE_GRAINED_READER, raw))
        resources.append(data_policy)
        if masked:
            name = data_policy.name
            resources.append(
                Readers("data policy readers", data_policies, lambda n=name: n, name, MASKED_READER, masked)
            )
    return resources


def policy_tag_vars(clients, project: str, location: str, settings: Settings) -> dict[str, str]:
    """{"policy_tag_<class>": <the policy tag's resource name>} for every class whose tag exists."""
    parent = f"projects/{project}/locations/{location.lower()}"
    tags = Taxonomies(clients.policy_tags, parent, taxonomy_display_name(settings, project)).tags()
    return {f"policy_tag_{c}": tags[c].name for c in settings.infra["privacy"]["classes"] if c in tags}

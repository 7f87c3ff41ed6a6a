"""The service accounts of clickstream.yaml (`deploy.service_accounts`) and the project roles each
identity needs, Google's service agents included (`deploy.service_agents`), as plan resources.

Least privilege: every identity gets the roles declared for it and nothing else. The project's
IAM policy is changed by read-modify-write with the etag it was read with, and only by adding the
members that are missing: a binding made by hand, or by another tool, is never removed.
"""

from __future__ import annotations

import time
from typing import Callable

from google.api_core import exceptions
from google.iam.v1 import iam_policy_pb2, options_pb2, policy_pb2
from google.protobuf import field_mask_pb2

from glue.deploy.clients import IamClients, offline_iam_clients, real_iam_clients
from glue.provision.plan import get_or_none
from glue.settings import Environment, Settings

__all__ = [
    "IamClients",
    "ProjectRoles",
    "ServiceAccount",
    "account_email",
    "agent_email",
    "offline_iam_clients",
    "real_iam_clients",
    "service_account_resources",
]

# Version 3 is the one that can hold conditional bindings: read and written as such, a
# conditional binding made elsewhere survives our change.
POLICY_VERSION = 3
# A new service account takes a while to be seen by IAM policies ("does not exist"), and another
# writer may change the policy between our read and write (ABORTED): both are tried again, with a
# fresh read, after these pauses (seconds).
RETRY_PAUSES = (2, 4, 8, 16, 30)


def account_email(account_id: str, project: str) -> str:
    return f"{account_id}@{project}.iam.gserviceaccount.com"


def agent_email(agent: str, project_number: str) -> str:
    """A Google service agent of this project: dataform -> service-N@gcp-sa-dataform.iam.gserviceaccount.com."""
    return f"service-{project_number}@gcp-sa-{agent}.iam.gserviceaccount.com"


class ServiceAccount:
    """One user-managed service account: created with its display name, renamed when that changes."""

    kind = "service account"

    def __init__(self, iam, project: str, account_id: str, display_name: str):
        self.client, self.project, self.account_id, self.display_name = iam, project, account_id, display_name
        self.email = account_email(account_id, project)
        self.name = f"projects/{project}/serviceAccounts/{self.email}"

    def read(self):
        return get_or_none(self.client.get_service_account, request={"name": self.name})

    def differences(self, current) -> list[str]:
        if current.display_name != self.display_name:
            return [f"display name: {current.display_name!r} -> {self.display_name!r}"]
        return []

    def create(self) -> None:
        self.client.create_service_account(
            request={
                "name": f"projects/{self.project}",
                "account_id": self.account_id,
                "service_account": {"display_name": self.display_name},
            }
        )

    def update(self, current, differences) -> None:
        self.client.patch_service_account(
            request={
                "service_account": {"name": self.name, "display_name": self.display_name, "etag": current.etag},
                "update_mask": field_mask_pb2.FieldMask(paths=["display_name"]),
            }
        )


class ProjectRoles:
    """The (role, member) pairs that must be in the project's IAM policy, unconditionally.

    `read` gives the policy; `differences` names the pairs it lacks; `update` adds exactly those,
    to the binding of the same role without a condition (or a new binding), and writes the policy
    back with the etag it was read with.
    """

    kind = "project iam bindings"

    def __init__(
        self, projects, project: str, grants: list[tuple[str, str]], sleep: Callable[[float], None] = time.sleep
    ):
        self.client, self.resource, self.sleep = projects, f"projects/{project}", sleep
        self.grants = list(dict.fromkeys(grants))  # declared order, each pair once
        members = {member for _, member in self.grants}
        self.name = f"{self.resource}: {len(self.grants)} role grants to {len(members)} members"

    def _policy(self) -> policy_pb2.Policy:
        return self.client.get_iam_policy(
            request=iam_policy_pb2.GetIamPolicyRequest(
                resource=self.resource,
                options=options_pb2.GetPolicyOptions(requested_policy_version=POLICY_VERSION),
            )
        )

    def read(self) -> policy_pb2.Policy:
        return self._policy()

    def missing(self, policy: policy_pb2.Policy) -> list[tuple[str, str]]:
        """The declared pairs the policy does not grant; a conditional binding does not count."""
        granted = {
            (binding.role, member)
            for binding in policy.bindings
            if not binding.HasField("condition")
            for member in binding.members
        }
        return [pair for pair in self.grants if pair not in granted]

    def differences(self, current: policy_pb2.Policy) -> list[str]:
        return [f"{role}: add {member}" for role, member in self.missing(current)]

    def create(self) -> None:
        self.update(self._policy(), [])

    def update(self, current: policy_pb2.Policy, differences) -> None:
        policy = current
        for pause in (*RETRY_PAUSES, None):
            missing = self.missing(policy)
            if not missing:
                return
            wanted = _with_members(policy, missing)
            try:
                self.client.set_iam_policy(
                    request=iam_policy_pb2.SetIamPolicyRequest(resource=self.resource, policy=wanted)
                )
                return
            except (exceptions.Aborted, exceptions.InvalidArgument, exceptions.FailedPrecondition) as error:
                if pause is None or not _worth_retrying(error):
                    raise
            self.sleep(pause)
            policy = self._policy()


def _with_members(policy: policy_pb2.Policy, pairs: list[tuple[str, str]]) -> policy_pb2.Policy:
    """A copy of `policy` (its etag kept) with each (role, member) added; nothing taken away."""
    wanted = policy_pb2.Policy()
    wanted.CopyFrom(policy)
    wanted.version = POLICY_VERSION
    for role, member in pairs:
        binding = next((b for b in wanted.bindings if b.role == role and not b.HasField("condition")), None)
        if binding is None:
            binding = wanted.bindings.add(role=role)
        if member not in binding.members:
            binding.members.append(member)
    return wanted


def _worth_retrying(error: Exception) -> bool:
    """A concurrent change (the etag moved on), or a member IAM cannot see yet: a new service
    account, or a service agent created when its API was first used."""
    if isinstance(error, exceptions.Aborted):
        return True
    return "does not exist" in str(error)


def project_grants(settings: Settings, project: str, project_number: str | None) -> list[tuple[str, str]]:
    """Every declared (role, member): the service accounts', then the service agents' (those only
    with the project number, which names them)."""
    deploy = settings.deploy
    grants = [
        (role, f"serviceAccount:{account_email(account_id, project)}")
        for account_id, spec in (deploy.get("service_accounts") or {}).items()
        for role in (spec or {}).get("roles") or []
    ]
    if project_number is not None:
        grants += [
            (role, f"serviceAccount:{agent_email(agent, project_number)}")
            for agent, spec in (deploy.get("service_agents") or {}).items()
            for role in (spec or {}).get("roles") or []
        ]
    return grants


def service_account_resources(
    settings: Settings, target: Environment, clients: IamClients, project_number: str | None
) -> list:
    """The declared service accounts, then the project's role bindings (which name them), in the
    order they must be created. Without `project_number` the service agents are left out."""
    project = target.project
    accounts = [
        ServiceAccount(clients.iam, project, account_id, (spec or {}).get("display_name") or account_id)
        for account_id, spec in (settings.deploy.get("service_accounts") or {}).items()
    ]
    return [*accounts, ProjectRoles(clients.projects, project, project_grants(settings, project, project_number))]

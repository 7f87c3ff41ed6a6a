"""The BigLake connection the landing object table reads through, and the bucket grant it needs.

An object table lists a bucket's objects (name, generation, size) without reading them; it
reads through a Cloud resource connection, whose own service account must be able to view the
bucket's objects. That account exists only once the connection does, so the grant asks the
connection for it when it is carried out.
"""

from __future__ import annotations

from typing import Callable

from google.cloud import bigquery_connection_v1 as bc

from glue.provision.plan import get_or_none

OBJECT_VIEWER = "roles/storage.objectViewer"


class LandingConnection:
    kind = "bigquery connection"

    def __init__(self, client, project: str, location: str, connection_id: str):
        self.client = client
        self.parent = f"projects/{project}/locations/{location.lower()}"
        self.connection_id = connection_id
        self.name = f"{self.parent}/connections/{connection_id}"
        # The form BigQuery table definitions name a connection by.
        self.reference = f"{project}.{location.lower()}.{connection_id}"

    def read(self):
        return get_or_none(self.client.get_connection, name=self.name)

    def differences(self, current) -> list[str]:
        if not current.cloud_resource.service_account_id:
            return [
                "is not a Cloud resource connection (cannot change in place: delete it or rename it "
                "in clickstream.yaml raw.landing_connection)"
            ]
        return []

    def create(self) -> None:
        self.client.create_connection(
            parent=self.parent,
            connection_id=self.connection_id,
            connection=bc.Connection(
                friendly_name="clickstream landing objects",
                description="Lets the clickstream_raw object table list the landing bucket's objects.",
                cloud_resource=bc.CloudResourceProperties(),
            ),
        )

    def update(self, current, differences) -> None:
        raise RuntimeError(f"{self.name}: {differences[0]}")

    def service_account(self) -> str | None:
        """The connection's own service account; None until the connection exists."""
        current = self.read()
        if current is None:
            return None
        return current.cloud_resource.service_account_id or None


class BucketGrant:
    """A role on the bucket for a member known only at apply time (a connection's service account)."""

    kind = "storage bucket grant"

    def __init__(self, client, bucket: str, role: str, member: Callable[[], str | None], who: str):
        self.client, self.bucket, self.role, self.member = client, bucket, role, member
        self.name = f"{bucket}: {role} for {who}"

    def _policy(self):
        return get_or_none(self.client.bucket(self.bucket).get_iam_policy, requested_policy_version=3)

    def read(self):
        email = self.member()
        policy = self._policy() if email else None
        if policy is None:
            return None
        granted = any(
            binding["role"] == self.role and f"serviceAccount:{email}" in binding["members"]
            for binding in policy.bindings
        )
        return policy if granted else None

    def differences(self, current) -> list[str]:
        return []

    def create(self) -> None:
        email = self.member()
        if email is None:
            raise RuntimeError(f"{self.name}: the connection has no service account yet")
        bucket = self.client.bucket(self.bucket)
        policy = bucket.get_iam_policy(requested_policy_version=3)
        policy.bindings.append({"role": self.role, "members": {f"serviceAccount:{email}"}})
        bucket.set_iam_policy(policy)

    def update(self, current, differences) -> None:
        self.create()

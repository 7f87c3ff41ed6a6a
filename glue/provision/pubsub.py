"""Topics, the visit schema, subscriptions and the service agent's grants, through the Pub/Sub clients."""

from __future__ import annotations

from google.api_core import exceptions
from google.iam.v1 import iam_policy_pb2, policy_pb2
from google.protobuf import field_mask_pb2
from google.pubsub_v1 import types

from glue.privacy import addresses
from glue.provision.plan import Skip, get_or_none, missing_labels


class VisitSchema:
    kind = "pubsub schema"

    def __init__(self, schema_client, project: str, schema_id: str, definition: str):
        self.client, self.schema_id, self.definition = schema_client, schema_id, definition
        self.parent = f"projects/{project}"
        self.name = f"{self.parent}/schemas/{schema_id}"

    def _schema(self) -> types.Schema:
        return types.Schema(name=self.name, type_=types.Schema.Type.PROTOCOL_BUFFER, definition=self.definition)

    def read(self):
        try:
            return self.client.get_schema(request={"name": self.name, "view": types.SchemaView.FULL})
        except exceptions.NotFound:
            pass
        # Validating before creating also makes a dry run catch a broken definition.
        try:
            self.client.validate_schema(parent=self.parent, schema=self._schema())
        except exceptions.MethodNotImplemented:
            raise Skip("this endpoint has no protobuf schemas (the emulator supports Avro only)")
        return None

    def differences(self, current) -> list[str]:
        if current.definition.strip() != self.definition.strip():
            return ["definition differs from glue/schemas/visit.proto: commit a new revision"]
        return []

    def create(self) -> None:
        self.client.create_schema(parent=self.parent, schema=self._schema(), schema_id=self.schema_id)

    def update(self, current, differences) -> None:
        self.client.commit_schema(name=self.name, schema=self._schema())


class Topic:
    kind = "pubsub topic"

    def __init__(self, publisher, project: str, topic_id: str, labels: dict[str, str], schema: str | None = None):
        self.client, self.name = publisher, publisher.topic_path(project, topic_id)
        self.labels, self.schema = labels, schema

    def read(self):
        return get_or_none(self.client.get_topic, topic=self.name)

    def _wanted(self) -> types.Topic:
        topic = types.Topic(name=self.name, labels=self.labels)
        if self.schema:
            topic.schema_settings = types.SchemaSettings(schema=self.schema, encoding=types.Encoding.JSON)
        return topic

    def differences(self, current) -> list[str]:
        found = missing_labels(current.labels, self.labels)
        have_schema = current.schema_settings.schema or None
        if have_schema != self.schema:
            found.append(f"schema: {have_schema or 'none'} -> {self.schema or 'none'}")
        return found

    def create(self) -> None:
        self.client.create_topic(request=self._wanted())

    def update(self, current, differences) -> None:
        topic = self._wanted()
        topic.labels = {**current.labels, **self.labels}
        self.client.update_topic(
            request={"topic": topic, "update_mask": field_mask_pb2.FieldMask(paths=["labels", "schema_settings"])}
        )


def client_ip_transform() -> types.MessageTransform:
    """The JavaScript UDF that truncates the client_ip attribute (glue/privacy/truncate_client_ip.js)."""
    return types.MessageTransform(
        javascript_udf=types.JavaScriptUDF(function_name=addresses.UDF_FUNCTION, code=addresses.udf_code())
    )


class Subscription:
    """A pull subscription, or with `bigquery_table` a BigQuery subscription writing metadata."""

    kind = "pubsub subscription"

    def __init__(
        self,
        subscriber,
        project: str,
        subscription_id: str,
        topic: str,
        labels: dict[str, str],
        ack_deadline_seconds: int = 60,
        bigquery_table: str | None = None,
        dead_letter_topic: str | None = None,
        max_delivery_attempts: int = 5,
    ):
        self.client, self.name = subscriber, subscriber.subscription_path(project, subscription_id)
        self.topic, self.labels, self.ack_deadline_seconds = topic, labels, ack_deadline_seconds
        self.bigquery_table, self.dead_letter_topic = bigquery_table, dead_letter_topic
        self.max_delivery_attempts = max_delivery_attempts
        if bigquery_table:
            self.kind = "pubsub bq subscription"

    def read(self):
        return get_or_none(self.client.get_subscription, subscription=self.name)

    def _wanted(self) -> types.Subscription:
        subscription = types.Subscription(
            name=self.name, topic=self.topic, labels=self.labels, ack_deadline_seconds=self.ack_deadline_seconds
        )
        if self.bigquery_table:
            # No topic schema: the row keeps the message as sent, and staging judges it.
            subscription.bigquery_config = types.BigQueryConfig(
                table=self.bigquery_table, write_metadata=True, use_topic_schema=False
            )
            # The client_ip attribute is truncated before the row is written (glue/privacy/addresses.py).
            subscription.message_transforms = [client_ip_transform()]
        if self.dead_letter_topic:
            subscription.dead_letter_policy = types.DeadLetterPolicy(
                dead_letter_topic=self.dead_letter_topic, max_delivery_attempts=self.max_delivery_attempts
            )
        return subscription

    def _changed_fields(self, current) -> dict[str, str]:
        """Update-mask path -> what changes; only these paths are sent."""
        wanted, changed = self._wanted(), {}
        if current.ack_deadline_seconds != wanted.ack_deadline_seconds:
            changed["ack_deadline_seconds"] = (
                f"ack deadline: {current.ack_deadline_seconds}s -> {wanted.ack_deadline_seconds}s"
            )
        if self.bigquery_table and (
            current.bigquery_config.table != self.bigquery_table or not current.bigquery_config.write_metadata
        ):
            changed["bigquery_config"] = f"bigquery config -> table {self.bigquery_table}, write_metadata on"
        if self.bigquery_table and list(current.message_transforms) != list(wanted.message_transforms):
            changed["message_transforms"] = "message transform -> truncate client_ip (/24, /48)"
        if current.dead_letter_policy != wanted.dead_letter_policy:
            changed["dead_letter_policy"] = f"dead-letter policy -> {self.dead_letter_topic or 'none'}" + (
                f" after {self.max_delivery_attempts} attempts" if self.dead_letter_topic else ""
            )
        for difference in missing_labels(current.labels, self.labels):
            changed["labels"] = difference
        return changed

    def differences(self, current) -> list[str]:
        found = []
        if current.topic != self.topic:
            found.append(f"topic is {current.topic}, settings say {self.topic} (cannot change in place)")
        return found + list(self._changed_fields(current).values())

    def create(self) -> None:
        self.client.create_subscription(request=self._wanted())

    def update(self, current, differences) -> None:
        paths = list(self._changed_fields(current))
        if not paths:
            return
        wanted = self._wanted()
        wanted.labels = {**current.labels, **self.labels}
        self.client.update_subscription(
            request={"subscription": wanted, "update_mask": field_mask_pb2.FieldMask(paths=paths)}
        )


class IamGrant:
    """One member in one role on a topic or subscription (the client's get/set_iam_policy)."""

    kind = "pubsub iam grant"

    def __init__(self, client, resource: str, role: str, member: str):
        self.client, self.resource, self.role, self.member = client, resource, role, member
        self.name = f"{resource}: {role} for {member}"

    def _policy(self):
        return self.client.get_iam_policy(request=iam_policy_pb2.GetIamPolicyRequest(resource=self.resource))

    def read(self):
        try:
            policy = self._policy()
        except exceptions.NotFound:
            return None
        except exceptions.MethodNotImplemented:
            raise Skip("this endpoint has no IAM (the emulator): nothing to grant")
        granted = any(b.role == self.role and self.member in b.members for b in policy.bindings)
        return policy if granted else None

    def differences(self, current) -> list[str]:
        return []

    def create(self) -> None:
        policy = self._policy()
        for binding in policy.bindings:
            if binding.role == self.role:
                if self.member not in binding.members:
                    binding.members.append(self.member)
                break
        else:
            policy.bindings.append(policy_pb2.Binding(role=self.role, members=[self.member]))
        # The etag read with the policy makes a concurrent change fail instead of being overwritten.
        self.client.set_iam_policy(request=iam_policy_pb2.SetIamPolicyRequest(resource=self.resource, policy=policy))

    def update(self, current, differences) -> None:
        self.create()

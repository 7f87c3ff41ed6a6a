"""The landing bucket, through the official Cloud Storage client."""

from __future__ import annotations

from glue.provision.plan import get_or_none, missing_labels


class Bucket:
    kind = "storage bucket"

    def __init__(
        self,
        client,
        name: str,
        location: str,
        storage_class: str,
        labels: dict[str, str],
        delete_after_days: int | None = None,
    ):
        self.client, self.name = client, name
        self.location, self.storage_class, self.labels = location.upper(), storage_class, labels
        # Objects are a transit area: once loaded, the payload store keeps every visit for good.
        self.delete_after_days = delete_after_days

    def read(self):
        return get_or_none(self.client.get_bucket, self.name)

    def differences(self, current) -> list[str]:
        found = []
        # Location and class cannot change in place; they are reported, never "fixed" by deleting.
        if current.location and current.location.upper() != self.location:
            found.append(f"location is {current.location}, settings say {self.location} (cannot change in place)")
        if not current.iam_configuration.uniform_bucket_level_access_enabled:
            found.append("uniform bucket-level access: off -> on")
        if self.delete_after_days and self._age_rule(current) != self.delete_after_days:
            found.append(f"lifecycle: delete objects after {self._age_rule(current)} -> {self.delete_after_days} days")
        return found + missing_labels(current.labels, self.labels)

    @staticmethod
    def _age_rule(bucket) -> int | None:
        for rule in bucket.lifecycle_rules or []:
            if rule.get("action", {}).get("type") == "Delete" and "age" in rule.get("condition", {}):
                return rule["condition"]["age"]
        return None

    def create(self) -> None:
        bucket = self.client.bucket(self.name)
        bucket.storage_class = self.storage_class
        bucket.labels = self.labels
        bucket.iam_configuration.uniform_bucket_level_access_enabled = True
        if self.delete_after_days:
            bucket.add_lifecycle_delete_rule(age=self.delete_after_days)
        self.client.create_bucket(bucket, location=self.location)

    def update(self, current, differences) -> None:
        current.labels = {**(current.labels or {}), **self.labels}
        current.iam_configuration.uniform_bucket_level_access_enabled = True
        if self.delete_after_days and self._age_rule(current) != self.delete_after_days:
            current.lifecycle_rules = [
                r
                for r in current.lifecycle_rules or []
                if not (r.get("action", {}).get("type") == "Delete" and "age" in r.get("condition", {}))
            ]
            current.add_lifecycle_delete_rule(age=self.delete_after_days)
        current.patch()

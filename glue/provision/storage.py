"""The landing bucket, through the official Cloud Storage client."""
from __future__ import annotations

from glue.provision.plan import get_or_none, missing_labels


class Bucket:
    kind = "storage bucket"

    def __init__(self, client, name: str, location: str, storage_class: str, labels: dict[str, str]):
        self.client, self.name = client, name
        self.location, self.storage_class, self.labels = location.upper(), storage_class, labels

    def read(self):
        return get_or_none(self.client.get_bucket, self.name)

    def differences(self, current) -> list[str]:
        found = []
        # Location and class cannot change in place; they are reported, never "fixed" by deleting.
        if current.location and current.location.upper() != self.location:
            found.append(f"location is {current.location}, settings say {self.location} (cannot change in place)")
        if not current.iam_configuration.uniform_bucket_level_access_enabled:
            found.append("uniform bucket-level access: off -> on")
        return found + missing_labels(current.labels, self.labels)

    def create(self) -> None:
        bucket = self.client.bucket(self.name)
        bucket.storage_class = self.storage_class
        bucket.labels = self.labels
        bucket.iam_configuration.uniform_bucket_level_access_enabled = True
        self.client.create_bucket(bucket, location=self.location)

    def update(self, current, differences) -> None:
        current.labels = {**(current.labels or {}), **self.labels}
        current.iam_configuration.uniform_bucket_level_access_enabled = True
        current.patch()

"""A provisioning plan: every resource read first, then only what differs is created or changed.

Each resource knows how to read itself, how it differs from what settings ask for, and how to
create or update itself; the plan is what `--dry-run` prints and what `apply` carries out.
Nothing is ever deleted: a resource that exists but differs is reconciled field by field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from google.api_core import exceptions


class Resource(Protocol):
    kind: str
    name: str

    def read(self) -> Any | None:
        """The resource as it exists, or None."""

    def differences(self, current: Any) -> list[str]:
        """Human-readable differences between `current` and what is wanted; [] when equal."""

    def create(self) -> None: ...

    def update(self, current: Any, differences: list[str]) -> None: ...


@dataclass
class Step:
    resource: Resource
    action: str  # create | update | ok | skip
    differences: list[str] = field(default_factory=list)
    current: Any = None
    note: str = ""

    @property
    def changes_something(self) -> bool:
        return self.action in ("create", "update")

    def describe(self) -> str:
        labels = {
            "create": "+ create",
            "update": "~ update",
            "ok": "= exists",
            "skip": "- skip  ",
            "declared": "? declare",
        }
        label = labels[self.action]
        line = f"{label}  {self.resource.kind:<24} {self.resource.name}"
        details = self.differences or ([self.note] if self.note else [])
        return "\n".join([line, *(f"{'':12}{d}" for d in details)])


@dataclass
class Plan:
    steps: list[Step]

    @property
    def pending(self) -> list[Step]:
        return [s for s in self.steps if s.changes_something]

    def summary(self) -> str:
        declared = sum(s.action == "declared" for s in self.steps)
        if declared:
            return (
                f"{declared} resources declared in clickstream.yaml and the compiled graph; none compared with the "
                f"live project (no credentials): with credentials, the same --dry-run says what would change"
            )
        counts = {a: sum(s.action == a for s in self.steps) for a in ("create", "update", "ok", "skip")}
        if not self.pending:
            return f"nothing to change: {counts['ok']} resources already as configured" + (
                f", {counts['skip']} skipped" if counts["skip"] else ""
            )
        return f"{counts['create']} to create, {counts['update']} to update, {counts['ok']} unchanged" + (
            f", {counts['skip']} skipped" if counts["skip"] else ""
        )


def get_or_none(call: Callable, *args, **kwargs):
    """A resource read: the resource, or None when the API says it does not exist."""
    try:
        return call(*args, **kwargs)
    except exceptions.NotFound:
        return None


def missing_labels(have: dict | None, wanted: dict[str, str]) -> list[str]:
    missing = {k: v for k, v in wanted.items() if (have or {}).get(k) != v}
    return [f"labels: add {missing}"] if missing else []


class ResourceError(RuntimeError):
    """A call about one resource failed; `explain` (errors.py) turns it into what to do."""

    def __init__(self, resource: Resource, error: Exception):
        super().__init__(f"{resource.kind} {resource.name}: {error}")
        self.resource, self.error = resource, error


class Skip(Exception):
    """Raised by `read` when a resource cannot be handled here (an emulator without IAM, say)."""


class OfflineClient:
    """Stands in for an official client when there are no credentials: resources can be declared
    and planned but not read. The client class's static path helpers (topic_path, ...) still work,
    and a BigQuery client's project is the one named."""

    def __init__(self, client_class: type | None = None, project: str | None = None):
        self._client_class, self.project = client_class, project

    def __getattr__(self, name: str):
        if name.endswith("_path") and self._client_class is not None:
            return getattr(self._client_class, name)
        raise RuntimeError(f"no Google Cloud credentials: cannot call {name}")


def declared_plan(resources: list[Resource]) -> Plan:
    """The plan without reading anything: each resource as declared, compared with nothing."""
    return Plan([Step(resource, "declared") for resource in resources])


def make_plan(resources: list[Resource]) -> Plan:
    steps = []
    for resource in resources:
        try:
            current = resource.read()
        except Skip as reason:
            steps.append(Step(resource, "skip", note=str(reason)))
            continue
        except Exception as error:  # noqa: BLE001 - reported with the resource it concerns
            raise ResourceError(resource, error) from error
        if current is None:
            steps.append(Step(resource, "create"))
            continue
        differences = resource.differences(current)
        steps.append(Step(resource, "update" if differences else "ok", differences, current))
    return Plan(steps)


def apply(plan: Plan, on_step: Callable[[Step], None] = lambda step: None) -> None:
    """Carry out the plan in order; the order matters (a dataset before its tables, say)."""
    for step in plan.pending:
        try:
            if step.action == "create":
                step.resource.create()
                _settle(step.resource)
            else:
                step.resource.update(step.current, step.differences)
        except Exception as error:  # noqa: BLE001 - reported with the resource it concerns
            raise ResourceError(step.resource, error) from error
        on_step(step)


def _settle(resource: Resource) -> None:
    """Read a new resource back and reconcile what the server did not take on create.

    Google Cloud applies every field on create, so this is one GET; some servers (the Cloud
    Storage emulator ignores a new bucket's labels) need the follow-up update.
    """
    current = resource.read()
    if current is not None:
        differences = resource.differences(current)
        if differences:
            resource.update(current, differences)

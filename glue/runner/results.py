"""What a run reports: each action's result, the run's, and the failure an action raises."""

from __future__ import annotations

from dataclasses import dataclass, field

from glue.dataform import Action


@dataclass
class ActionResult:
    action: Action
    status: str  # ok | failed | skipped
    seconds: float = 0.0
    started: float = 0.0  # seconds from the start of the run
    rows: int | None = None  # rows in the table after the action (tables), or failing rows (assertions)
    changed: int | None = None  # rows written by this run
    mode: str = ""  # created | replaced | merged | appended | view | checked
    message: str = ""
    sample: list[tuple] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)


@dataclass
class RunReport:
    results: list[ActionResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(r.status == "ok" for r in self.results)

    def failed(self) -> list[ActionResult]:
        return [r for r in self.results if r.status == "failed"]

    def by_name(self, name: str) -> ActionResult:
        return next(r for r in self.results if r.action.name == name or r.action.table == name)


class ActionFailed(Exception):
    def __init__(self, message: str, sample=None, columns=None, rows=None):
        super().__init__(message)
        self.sample, self.columns, self.rows = sample or [], columns or [], rows

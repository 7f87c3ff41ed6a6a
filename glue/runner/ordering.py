"""Which ready action to start first: the one with the longest chain of work waiting on it.

With a few actions running side by side, the order of the ready ones decides how long the run
takes: a leaf such as an assertion can wait, the table that the aggregates and marts are built
from cannot, and a long assertion started last finishes alone. As ninja and Bazel do, each
action's chain is weighed with the time it took last run (`ActionTimes`, kept beside the
warehouse); an action never timed counts as the typical one.
"""

from __future__ import annotations

import statistics
from pathlib import Path

from glue.dataform import Action
from glue.runner.state_file import read_state, write_state


class ActionTimes:
    """Seconds each action took the last time it ran, for one kind of run.

    One JSON file holds a map per kind: a full refresh rebuilds every table, an incremental run
    merges what is new, and the two weigh the same action very differently.
    """

    def __init__(self, path: Path | None = None, kind: str = "incremental"):
        self.path = path
        try:
            self.stored = {k: {a: float(s) for a, s in v.items()} for k, v in read_state(path).items()}
        except (AttributeError, TypeError, ValueError):
            self.stored = {}  # not this file's shape: this run writes a good one
        self.seconds = self.stored.setdefault(kind, {})

    def record(self, name: str, seconds: float) -> None:
        self.seconds[name] = round(seconds, 4)

    def save(self) -> None:
        write_state(self.path, self.stored)


def start_order(actions: list[Action], times: ActionTimes | None = None) -> list[Action]:
    """The actions by the work that waits on each (its own time plus its longest chain of
    dependents'), longest first; ties keep the graph's order."""
    known = times.seconds if times else {}
    typical = statistics.median(known.values()) if known else 1.0
    position = {a.name: i for i, a in enumerate(actions)}
    dependents: dict[str, list[str]] = {a.name: [] for a in actions}
    for action in actions:
        for dependency in action.dependencies:
            if dependency in dependents and dependency != action.name:
                dependents[dependency].append(action.name)
    chain: dict[str, float] = {}

    def weight(name: str, seen: frozenset) -> float:
        if name in seen:  # a cycle: the executor reports it
            return 0.0
        if name not in chain:
            below = max((weight(d, seen | {name}) for d in dependents[name]), default=0.0)
            chain[name] = known.get(name, typical) + below
        return chain[name]

    return sorted(actions, key=lambda a: (-weight(a.name, frozenset()), position[a.name]))

"""The compiled Dataform graph as actions with dependencies, and selecting from it.

Selection follows `dataform run`: `--actions` and `--tags` pick actions, and their
dependencies come along unless asked not to; an assertion declared inline runs whenever the
table it checks runs.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter


@dataclass
class Action:
    name: str  # schema.name
    kind: str  # table | view | incremental | assertion | operations | declaration
    schema: str
    table: str
    file: str = ""
    query: str = ""
    incremental_query: str = ""
    pre_ops: list[str] = field(default_factory=list)
    incremental_pre_ops: list[str] = field(default_factory=list)
    post_ops: list[str] = field(default_factory=list)
    incremental_post_ops: list[str] = field(default_factory=list)
    queries: list[str] = field(default_factory=list)  # operations
    unique_key: list[str] = field(default_factory=list)
    dependencies: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    parent: str | None = None  # for inline assertions: the table they check
    disabled: bool = False
    has_output: bool = False  # operations with hasOutput create a relation
    description: str = ""
    columns: dict[str, str] = field(default_factory=dict)
    policy_tags: dict[str, list[str]] = field(default_factory=dict)  # column -> its BigQuery policy tags
    partition_by: str = ""
    cluster_by: list[str] = field(default_factory=list)
    partition_expiration_days: int | None = None  # BigQuery drops a partition this many days after its start
    update_partition_filter: str = ""  # limits the existing rows a merge compares against
    protected: bool = False  # an incremental table a full refresh does not rebuild

    @property
    def runnable(self) -> bool:
        return self.kind != "declaration" and not self.disabled


@dataclass
class DataformTest:
    name: str
    file: str
    test_query: str
    expected_query: str


def _key(target: dict) -> str:
    return f"{target['schema']}.{target['name']}"


def _descriptor(item: dict) -> tuple[str, dict[str, str], dict[str, list[str]]]:
    descriptor = item.get("actionDescriptor", {})
    columns = {".".join(c["path"]): c.get("description", "") for c in descriptor.get("columns", [])}
    tags = {
        ".".join(c["path"]): list(c["bigqueryPolicyTags"])
        for c in descriptor.get("columns", [])
        if c.get("bigqueryPolicyTags")
    }
    return descriptor.get("description", ""), columns, tags


class Graph:
    def __init__(self, compiled: dict):
        self.compiled = compiled
        self.vars = compiled.get("projectConfig", {}).get("vars", {})
        self.actions: dict[str, Action] = {}
        for item in compiled.get("tables", []):
            self._add_table(item)
        for item in compiled.get("assertions", []):
            self._add(
                item,
                "assertion",
                query=item.get("query", ""),
                parent=_key(item["parentAction"]) if item.get("parentAction") else None,
            )
        for item in compiled.get("operations", []):
            self._add(item, "operations", queries=item.get("queries", []), has_output=bool(item.get("hasOutput")))
        for item in compiled.get("declarations", []):
            self._add(item, "declaration")
        self.tests = [
            DataformTest(t["name"], t.get("fileName", ""), t["testQuery"], t["expectedOutputQuery"])
            for t in compiled.get("tests", [])
        ]
        self._check_dependencies()

    def _add_table(self, item: dict) -> None:
        bigquery = item.get("bigquery", {})
        self._add(
            item,
            item.get("type", "table"),
            query=item.get("query", ""),
            incremental_query=item.get("incrementalQuery", ""),
            pre_ops=item.get("preOps", []),
            incremental_pre_ops=item.get("incrementalPreOps", []),
            post_ops=item.get("postOps", []),
            incremental_post_ops=item.get("incrementalPostOps", []),
            unique_key=item.get("uniqueKey", []),
            partition_by=bigquery.get("partitionBy", ""),
            cluster_by=bigquery.get("clusterBy", []),
            partition_expiration_days=bigquery.get("partitionExpirationDays") or None,
            update_partition_filter=bigquery.get("updatePartitionFilter", ""),
            protected=bool(item.get("protected")),
        )

    def _add(self, item: dict, kind: str, **fields) -> None:
        target = item["target"]
        description, columns, policy_tags = _descriptor(item)
        action = Action(
            name=_key(target),
            kind=kind,
            schema=target["schema"],
            table=target["name"],
            file=item.get("fileName", ""),
            dependencies=[_key(t) for t in item.get("dependencyTargets", [])],
            tags=item.get("tags", []),
            disabled=bool(item.get("disabled")),
            description=description,
            columns=columns,
            policy_tags=policy_tags,
            **fields,
        )
        self.actions[action.name] = action

    def _check_dependencies(self) -> None:
        for action in self.actions.values():
            for dependency in action.dependencies:
                if dependency not in self.actions:
                    raise ValueError(f"{action.file}: depends on {dependency}, which the project does not define")
        try:
            self.order()
        except CycleError as error:
            raise ValueError(f"dependency cycle: {' -> '.join(error.args[1])}") from None

    def order(self, names: set[str] | None = None) -> list[Action]:
        """Actions in an order where each comes after everything it depends on, the same order each
        time for the same graph."""
        wanted = set(self.actions) if names is None else names
        sorter = TopologicalSorter(
            {n: [d for d in self.actions[n].dependencies if d in wanted] for n in sorted(wanted)}
        )
        return [self.actions[name] for name in sorter.static_order()]

    def find(self, name: str) -> Action:
        """By schema.name or, when unambiguous, the bare name (as `dataform run --actions` takes)."""
        if name in self.actions:
            return self.actions[name]
        matches = [a for a in self.actions.values() if a.table == name]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            names = sorted({*self.actions, *(a.table for a in self.actions.values())})
            raise KeyError(f"no action named {name!r}{did_you_mean(name, names)}")
        raise KeyError(f"{name!r} is ambiguous: {', '.join(sorted(a.name for a in matches))}")

    def upstream(self, names: set[str]) -> set[str]:
        seen, stack = set(), list(names)
        while stack:
            name = stack.pop()
            if name not in seen:
                seen.add(name)
                stack.extend(self.actions[name].dependencies)
        return seen

    def downstream(self, names: set[str]) -> set[str]:
        """The actions named and every action that depends on them, directly or not."""
        found, changed = set(names), True
        while changed:
            changed = False
            for action in self.actions.values():
                if action.name not in found and set(action.dependencies) & found:
                    found.add(action.name)
                    changed = True
        return found

    def select(
        self, actions: list[str] = (), tags: list[str] = (), include_dependencies: bool = True, apart: tuple = ()
    ) -> list[Action]:
        """What a run with these selectors executes, in order; when nothing is named, everything
        but the actions with a tag in `apart` (those that run in a workflow of their own)."""
        if not actions and not tags:
            chosen = {name for name, a in self.actions.items() if not set(a.tags) & set(apart)}
        else:
            chosen = {self.find(name).name for name in actions}
            known_tags = sorted({tag for a in self.actions.values() for tag in a.tags})
            for tag in tags:
                if tag not in known_tags:
                    raise KeyError(
                        f"no action has the tag {tag!r}{did_you_mean(tag, known_tags)}; the tags are {', '.join(known_tags)}"
                    )
            chosen |= {a.name for a in self.actions.values() if set(tags) & set(a.tags)}
            if include_dependencies:
                chosen = self.upstream(chosen)
            chosen |= {a.name for a in self.actions.values() if a.parent in chosen}
        return [a for a in self.order(chosen) if a.runnable]


def did_you_mean(name: str, candidates: list[str]) -> str:
    """ " (did you mean X?)" for the closest candidate, or "" when none is close. A qualified name
    (dataset.table) is compared whole, then by its last part; `name` itself and its own parts (words
    of the statement it was found in) are never suggested."""
    bare = name.rpartition(".")[2]
    others = [c for c in candidates if c != name and c not in name.split(".")]
    close = difflib.get_close_matches(name, others, n=1)
    if not close:
        by_last_part = {c.rpartition(".")[2]: c for c in others}
        close = [by_last_part[m] for m in difflib.get_close_matches(bare, list(by_last_part), n=1)]
    return f" (did you mean {close[0]}?)" if close else ""

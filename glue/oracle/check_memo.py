"""What the check found for each action, kept between checks: an action whose text and inputs
have not changed is not analyzed again.

An action's outcome depends on its compiled statements, its SQLX file (problems are placed in
it), the schemas of the tables and models its statements name, the names of the graph's
tables (a hard-coded name is refused), for an action with scripts every column name known so
far (a DECLAREd name may shadow one), and the checker's own code and ZetaSQL's version. The key
hashes all of them; so do a change of the code and of ZetaSQL's version. Only actions that passed are kept: a problem's suggestion reads the whole
catalog, so a failing action is analyzed each time.

Kept in memory for a process (`clickstream local dev`) and, given a path, in a file between
commands (`clickstream local check` on an unchanged project analyzes nothing, and does not
start ZetaSQL).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import pickle
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from glue.dataform import Action, Problem
from glue.oracle.catalog import Catalog, Table

_KEPT = 2_000  # outcomes kept, the most recently used


@dataclass
class Outcome:
    """An action's passed check: what it added to the report and the catalog."""

    warnings: list[Problem] = field(default_factory=list)
    schemas: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    tables: dict[str, tuple[list, list]] = field(default_factory=dict)  # name -> (columns, pseudo columns)
    dropped: list[str] = field(default_factory=list)  # tables it took out of the catalog (a script's DROP)
    shapes: dict[str, object] = field(default_factory=dict)  # model -> ModelShape
    statements: int = 0


class CheckMemo:
    def __init__(self, path: Path | None = None):
        self.path = path
        self.outcomes: dict[str, Outcome] = {}
        self.hits = 0
        if path is not None and path.is_file():
            try:
                stored = pickle.loads(path.read_bytes())
                if stored.get("version") == _version():
                    self.outcomes = stored["outcomes"]
            except Exception:  # an unreadable memo is an empty one
                self.outcomes = {}

    def key(self, root: Path, action: Action, catalog: Catalog, shapes: dict, graph_tables: set[str]) -> str:
        text = json.dumps(dataclasses.asdict(action), sort_keys=True)
        named = sorted(name for name in catalog.tables if name in text)
        parts = [
            text,
            _file_text(root, action.file),
            [(name, catalog.tables[name].columns, catalog.tables[name].pseudo_columns) for name in named],
            sorted((name, repr(shape)) for name, shape in shapes.items() if name in text),
            sorted(graph_tables),
        ]
        if (
            action.pre_ops
            or action.post_ops
            or action.incremental_pre_ops
            or action.incremental_post_ops
            or action.queries
        ):
            parts.append(sorted({c.lower() for t in catalog.tables.values() for c, _ in t.columns}))
        return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()

    def get(self, key: str) -> Outcome | None:
        outcome = self.outcomes.pop(key, None)
        if outcome is not None:
            self.outcomes[key] = outcome  # most recently used last
            self.hits += 1
        return outcome

    def put(self, key: str, outcome: Outcome) -> None:
        self.outcomes[key] = outcome
        while len(self.outcomes) > _KEPT:
            self.outcomes.pop(next(iter(self.outcomes)))

    def save(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        scratch = self.path.with_suffix(".tmp")
        scratch.write_bytes(pickle.dumps({"version": _version(), "outcomes": self.outcomes}))
        scratch.replace(self.path)


def table_of(columns: list, pseudo_columns: list) -> Table:
    return Table(list(columns), list(pseudo_columns))


def _file_text(root: Path, file: str) -> str:
    path = root / file if file else None
    return path.read_text(encoding="utf-8") if path is not None and path.is_file() else ""


@lru_cache(maxsize=1)
def _version() -> str:
    """A hash of the code (all of glue/: the checker reads the ml and raw schemas' modules too)
    and the pinned ZetaSQL: a change to either checks everything again."""
    glue = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(glue.rglob("*.py")):
        digest.update(path.read_bytes())
    zetasql = glue.parent / "node_modules" / "@fivetrandevelopers" / "zetasql" / "package.json"
    if zetasql.is_file():
        digest.update(zetasql.read_bytes())
    return digest.hexdigest()

"""What exists in the warehouse, as the executor knows it between its own statements.

Read once and kept current by the executor's own CREATEs and DROPs: one catalog query per run
instead of two per action. Forgotten after an operations action (its SQL may create or drop
anything) and after a rollback. Shared by the run's threads, under one lock.
"""

from __future__ import annotations

import threading

from glue.runner.warehouse import ensure_schema, relations

Key = tuple[str, str]  # (schema, name)


class KnownRelations:
    def __init__(self):
        self._relations: dict[Key, str] | None = None
        self._schemas: set[str] | None = None
        self._view_versions: dict[Key, str | None] = {}
        self._lock = threading.RLock()

    def kind(self, connection, key: Key) -> str | None:
        """'table', 'view', or None when nothing of that name exists."""
        with self._lock:
            if self._relations is None:
                self._read(connection)
            return self._relations.get(key)

    def made(self, key: Key, kind: str) -> None:
        with self._lock:
            if self._relations is not None:
                self._relations[key] = kind

    def ensure_schema(self, connection, schema: str) -> None:
        with self._lock:
            if self._schemas is None:
                self._read(connection)
            if schema not in self._schemas:
                ensure_schema(connection, schema)
                self._schemas.add(schema)

    def view_is_current(self, connection, key: Key, version: str) -> bool:
        """Whether the view exists with this version of its body (kept as its comment)."""
        with self._lock:
            return self.kind(connection, key) == "view" and self._view_versions.get(key) == version

    def view_made(self, key: Key, version: str) -> None:
        with self._lock:
            self._view_versions[key] = version

    def forget(self) -> None:
        with self._lock:
            self._relations = self._schemas = None

    def _read(self, connection) -> None:
        found = relations(connection)
        self._relations = {key: kind for key, (kind, _) in found.items()}
        self._view_versions = {key: comment for key, (kind, comment) in found.items() if kind == "view"}
        self._schemas = {
            row[0]
            for row in connection.execute(
                "SELECT schema_name FROM information_schema.schemata WHERE catalog_name = current_database()"
            ).fetchall()
        }

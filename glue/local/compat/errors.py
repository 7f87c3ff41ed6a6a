"""The error every part of the translation raises for SQL the local runner cannot run."""
from __future__ import annotations


class UntranslatableSQL(Exception):
    """A construct the local runner cannot run; says which, and where."""

    def __init__(self, construct: str, detail: str = "", file: str = ""):
        self.construct, self.detail, self.file = construct, detail, file
        where = f"{file}: " if file else ""
        super().__init__(f"{where}cannot run {construct} locally{': ' + detail if detail else ''}")

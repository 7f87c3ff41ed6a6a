"""The errors the translation raises, and DuckDB's errors read back as what the model asked for."""

from __future__ import annotations

import re


class UntranslatableSQL(Exception):
    """A construct the local runner cannot run; says which, and where: the file, and for SQL that
    does not parse, the line and column in the compiled script `sql` (the executor moves them to
    the SQLX file's own)."""

    def __init__(
        self, construct: str, detail: str = "", file: str = "", line: int | None = None, column: int | None = None
    ):
        self.construct, self.detail, self.file = construct, detail, file
        self.line, self.column, self.sql = line, column, ""
        where = f"{file}: " if file else ""
        super().__init__(f"{where}cannot run {construct} locally{': ' + detail if detail else ''}")


_MISSING_FUNCTION = re.compile(r"(?:Scalar|Aggregate|Table) Function with name \"?(\w+)\"? does not exist")


def missing_function(duckdb_message: str) -> str | None:
    """For DuckDB's "Function with name x does not exist": which function, and that neither DuckDB
    nor the local runner has it (a BigQuery function the runner lacks, or a misspelt name); None
    for any other message.

    sqlglot writes the functions it has no DuckDB name for from its own class names, splitting
    acronyms (JSON_BOOL as J_S_O_N_BOOL); the name is put back together for the message.
    """
    found = _MISSING_FUNCTION.search(duckdb_message)
    if not found:
        return None
    name = re.sub(r"(?:^|(?<=_))((?:[a-z]_){2,}[a-z])(?=_|$)", lambda m: m.group(1).replace("_", ""), found.group(1))
    return (
        f"no function {name.upper()} locally: DuckDB has none of that name and the local runner no "
        f"translation for it (a BigQuery function the runner lacks, or a misspelt name)"
    )

"""Query results as text: aligned tables for the terminal, CSV and JSON for pipes.

Values are written as BigQuery shows them: NULL, true/false, a NUMERIC without trailing zeros,
a TIMESTAMP in UTC with its zone named.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, time
from decimal import Decimal

import click


def print_table(title: str, cursor) -> None:
    """A titled table of a DuckDB cursor's rows, floats to four places (the demo's marts)."""
    columns = [d[0] for d in cursor.description]
    click.secho(f"\n{title}", bold=True)
    for line in table_lines(columns, cursor.fetchall(), float_places=4):
        click.echo(f"  {line}")


def table_lines(
    columns: list[str], rows: list[tuple], float_places: int | None = None, max_width: int | None = None
) -> list[str]:
    """The header and one line per row, each column as wide as its widest value; numbers
    right-aligned; a value longer than `max_width` cut there, with an ellipsis."""
    cells = [[_cut(cell(v, float_places), max_width) for v in row] for row in rows]
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip()]
    for row, values in zip(cells, rows):
        lines.append(
            "  ".join(
                text.rjust(w) if _is_number(value) else text.ljust(w) for text, value, w in zip(row, values, widths)
            ).rstrip()
        )
    return lines


def csv_text(columns: list[str], rows: list[tuple]) -> str:
    """RFC 4180 CSV with a header; NULL is an empty field, as BigQuery exports it."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([["" if v is None else cell(v) for v in row] for row in rows])
    return out.getvalue()


def json_text(columns: list[str], rows: list[tuple]) -> str:
    """A JSON array of objects keyed by column; numbers JSON cannot hold exactly (NUMERIC), times and
    dates are strings."""
    return json.dumps([dict(zip(columns, (_json_value(v) for v in row))) for row in rows], indent=2)


def cell(value, float_places: int | None = None) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and float_places is not None:
        return f"{value:.{float_places}f}"
    if isinstance(value, Decimal):  # NUMERIC as BigQuery shows it: 5397654.22, not 5397654.220000000
        return f"{value.normalize():f}" if value else "0"
    if isinstance(value, datetime):
        text = value.strftime("%Y-%m-%d %H:%M:%S") + (f".{value.microsecond:06d}" if value.microsecond else "")
        return f"{text} UTC" if value.tzinfo is not None else text
    if isinstance(value, (list, dict)):
        return json.dumps(_json_value(value))
    return str(value)


def _json_value(value):
    if isinstance(value, (Decimal, datetime, date, time)):
        return cell(value)
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_value(v) for k, v in value.items()}
    return value


def _cut(text: str, width: int | None) -> str:
    return text if width is None or len(text) <= width else text[: width - 1] + "…"


def _is_number(value) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)

"""Query results as aligned text tables, for the terminal."""

from __future__ import annotations

from decimal import Decimal

import click


def print_table(title: str, cursor) -> None:
    columns = [d[0] for d in cursor.description]
    rows = [[_cell(v) for v in row] for row in cursor.fetchall()]
    widths = [max(len(c), *(len(r[i]) for r in rows)) if rows else len(c) for i, c in enumerate(columns)]
    click.secho(f"\n{title}", bold=True)
    click.echo("  " + "  ".join(c.ljust(w) for c, w in zip(columns, widths)))
    for row in rows:
        click.echo("  " + "  ".join(v.rjust(w) if _numeric(v) else v.ljust(w) for v, w in zip(row, widths)))


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, Decimal):  # NUMERIC as BigQuery shows it: 5397654.22, not 5397654.220000000
        return f"{value.normalize():f}" if value else "0"
    return str(value)


def _numeric(text: str) -> bool:
    return text.replace(".", "", 1).replace("-", "", 1).isdigit()

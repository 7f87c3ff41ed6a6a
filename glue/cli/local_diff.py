"""`clickstream local diff MODEL`: what the working copy's changes do to a model's rows.

The model is built at a git ref and in the working copy, on the same inputs, and the two results
are compared (glue/data_diff). A subcommand of `clickstream local` (glue/cli/local.py adds it).
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import click

from glue.data_diff import BuildError, DiffError, build_both, compare, inferred_key, render
from glue.dataform import CliMissing, CompilationError
from glue.runner import WarehouseBusy
from glue.settings import get_settings


@click.command()
@click.argument("model")
@click.option(
    "--base",
    "ref",
    default="main",
    show_default=True,
    metavar="REF",
    help="The git branch, tag or commit to compare the working copy with.",
)
@click.option(
    "--key",
    metavar="COLUMN[,COLUMN]",
    help="Match rows on these columns (default: the model's uniqueKey; a model without one has its rows "
    "compared whole).",
)
@click.option(
    "--format",
    "output",
    type=click.Choice(("table", "json")),
    default="table",
    show_default=True,
    help="Aligned tables for reading, or JSON for scripts.",
)
@click.option(
    "--samples",
    type=click.IntRange(min=0),
    default=3,
    show_default=True,
    metavar="N",
    help="Sample rows to show of each kind: added, removed, and changed in each column.",
)
@click.option(
    "--warehouse",
    type=click.Path(dir_okay=False, path_type=Path),
    help="DuckDB file whose sources both versions read (default: .local/warehouse.duckdb). Only read.",
)
def diff(model, ref, key, output, samples, warehouse):
    """Compare MODEL as REF builds it with MODEL as the working copy builds it.

    Both versions run the model and what it depends on, on the same inputs: a copy of the local
    warehouse's sources and its landing directory (REF is checked out in a temporary git
    worktree, removed afterwards; the warehouse is only read). Prints the rows added, removed
    and changed, matched on --key, the model's uniqueKey or else its first column when that is
    unique in both versions (or compared whole), how many rows changed in each column,
    with sample rows, and the columns added, dropped or retyped (a renamed column is one dropped
    and one added). A model REF does not have is new: every row is added. Exit code 0 whatever
    the differences; 2 when the diff cannot be made.

    \b
    Examples:
      clickstream local diff visits_by_page                 # matched on page_url, its first column
      clickstream local diff page_totals --base origin/main
      clickstream local diff clickstream.sessions --format json | jq .rows
      clickstream local diff visits_by_device --key device_type --samples 10
    """
    settings = get_settings()
    keys = [k.strip() for k in key.split(",") if k.strip()] if key else None
    say = (lambda line: click.echo(line, err=True)) if output == "table" else None
    try:
        with build_both(settings, model, ref, warehouse, say) as builds:
            inferred = None if keys or builds.key else inferred_key(builds.connection, builds.before, builds.after)
            result = compare(builds.connection, builds.before, builds.after, keys or builds.key or inferred, samples)
    except (BuildError, DiffError, CompilationError, CliMissing, KeyError, WarehouseBusy) as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else str(error)
        click.secho(message, fg="red", err=True)
        sys.exit(2)
    name = builds.action.name
    result = replace(result, before=f"{name} at {ref} ({builds.commit[:7]})", after="the working copy")
    if builds.new:
        result.notes.insert(0, f"{ref} has no {name}: the model is new, every row is added")
    if inferred:
        result.notes.append(
            f"no uniqueKey: rows matched on {inferred[0]}, the first column, unique in both (--key overrides)"
        )
    if keys and builds.key and keys != builds.key:
        result.notes.append(f"rows matched on --key {', '.join(keys)}, not the uniqueKey {', '.join(builds.key)}")
    if output == "json":
        click.echo(json.dumps({"model": name, "base": ref, "commit": builds.commit, **result.as_json()}, indent=2))
    else:
        click.echo(render(result, samples))

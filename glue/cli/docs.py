"""`clickstream docs`: write (or check) the generated data docs under docs/."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from glue.dataform import CliMissing, CompilationError
from glue.runner import compile_graph
from glue.settings import get_settings


@click.command()
@click.option("--check", is_flag=True, help="Change nothing; exit 1 and name the files that are out of date.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Directory (default: docs/).")
def docs(check, out):
    """Generate the data dictionary, the curated schema diagram and the lineage from the
    compiled Dataform graph (Markdown with Mermaid), so they always match the SQLX. Column types
    are BigQuery's, from ZetaSQL's analysis of each model (as `clickstream local check`)."""
    from glue.data_dictionary import render, stale
    from glue.oracle import Oracle, OracleUnavailable, ZetaSQL, check_graph

    settings = get_settings()
    directory = out or settings.root / "docs"
    try:
        graph = compile_graph(settings)
        with ZetaSQL.start(settings.root) as server:
            analysis = check_graph(graph, Oracle(server), settings)
    except (CompilationError, CliMissing, OracleUnavailable) as error:
        click.secho(str(error), fg="red", err=True)
        sys.exit(2)
    if not analysis.ok:  # the types come from the analysis: a model BigQuery refuses has none
        click.secho("\n".join(p.format() for p in analysis.problems), fg="red", err=True)
        sys.exit(1)
    rendered = render(graph, settings.curated_dataset, analysis.schemas, settings.column_classes())
    outdated = stale(directory, rendered)
    if check:
        if outdated:
            click.secho(
                f"out of date in {directory}: {', '.join(outdated)} (run `clickstream docs`)", fg="red", err=True
            )
            sys.exit(1)
        click.echo(f"{directory}: up to date")
        return
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in rendered.items():
        (directory / name).write_text(text, encoding="utf-8")
    click.echo(f"wrote {', '.join(rendered)} to {directory} ({len(outdated)} changed)")

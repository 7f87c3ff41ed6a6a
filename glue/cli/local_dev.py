"""`clickstream local dev`: the watch loop, a thin layer over glue/dev_loop."""

from __future__ import annotations

import time

import click

from glue.cli.options import parse_vars


@click.command()
@click.option("--vars", "variables", multiple=True, metavar="KEY=VALUE", help="Override workflow_settings.yaml vars.")
@click.option("--rows", default=5, show_default=True, help="First rows shown of each edited model.")
@click.option("--samples", default=3, show_default=True, help="Sample rows shown of each kind of change.")
@click.option("--interval", default=0.2, show_default=True, help="Seconds between looks at the files.")
def dev(variables, rows, samples, interval):
    """Watch the project: on each save, compile, check, rebuild and diff what the edit reaches.

    Keeps the Dataform compiler, ZetaSQL and the last check warm. On each save of a SQLX file,
    an include or workflow_settings.yaml, it recompiles, checks the actions that changed as
    BigQuery would, rebuilds them and what depends on them on the local warehouse (models
    tagged ml are named, not retrained), runs their assertions, and prints the edited models'
    first rows and the diff of each rebuilt table against its rows before the save. A problem
    is shown at its file and line, and nothing runs until it is fixed; a warehouse another
    process holds is named, and the next save tries again. Ctrl-C stops.

    \b
    Examples:
      clickstream local dev
      clickstream local dev --rows 10 --vars late_data_lookback_minutes=60
    """
    from glue.dev_loop import DevSession, Watcher, describe
    from glue.runner import UntranslatableSQL, WarehouseBusy
    from glue.settings import get_settings

    settings = get_settings()
    watcher = Watcher(settings.root)
    with DevSession(settings, parse_vars(variables) or None, rows=rows) as session:
        click.echo("compiling and checking the project ...", err=True)
        first = session.start()
        click.echo(describe(first, samples) if first.problems else f"ready [{_seconds(first)}]", err=True)
        click.echo(
            f"watching {settings.root}/definitions, includes and workflow_settings.yaml (Ctrl-C stops)", err=True
        )
        try:
            while True:
                changed = watcher.poll()
                if changed:
                    try:
                        report = session.changed(changed)
                    except (WarehouseBusy, UntranslatableSQL) as error:  # the user's to fix: the loop goes on
                        click.secho(f"not run: {error}", fg="red")
                    else:
                        click.secho(describe(report, samples), fg=None if report.ok else "red")
                time.sleep(interval)
        except KeyboardInterrupt:
            click.echo("stopped", err=True)


def _seconds(report) -> str:
    return " · ".join(f"{step} {seconds:.2f}s" for step, seconds in report.seconds.items())

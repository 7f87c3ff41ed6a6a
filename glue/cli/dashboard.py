"""`clickstream dashboard`: the local dashboard, and the Looker Studio hand-off for BigQuery."""

from __future__ import annotations

from pathlib import Path

import click

from glue.cli.environments import cloud_target
from glue.dashboard.publish import looker_studio_url, make_server, write_dashboard
from glue.settings import get_settings


@click.group(invoke_without_command=True)
@click.option(
    "--warehouse",
    type=click.Path(dir_okay=False, path_type=Path),
    help="DuckDB file (default: .local/warehouse.duckdb).",
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Default: .local/dashboard.html.")
@click.option("--serve", is_flag=True, help="Serve it on 127.0.0.1 instead, rebuilt on every load.")
@click.option("--port", type=int, default=8050, show_default=True)
@click.option(
    "--refresh",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    help="With --serve: seconds between the page's reloads.",
)
@click.pass_context
def dashboard(ctx, warehouse, out, serve, port, refresh):
    """A self-contained HTML dashboard from the local warehouse: the charts declared under
    `dashboard:` in clickstream.yaml (the lab's four views, page views per minute with the DoS
    alerts marked, clicks by page in real time, ...), data quality and recent sessions. Plotly
    charts with dated axes and tooltips, plotly.js inlined: nothing is fetched, open the file
    anywhere. With --serve it stays current while the simulator runs (`clickstream local up`,
    `simulate`, `local run` in a loop).

    \b
    Examples:
      clickstream dashboard
      clickstream dashboard --serve --refresh 10
    """
    if ctx.invoked_subcommand is not None:
        return
    settings = get_settings()
    warehouse = warehouse or settings.warehouse
    if not warehouse.exists():
        raise click.ClickException(f"no warehouse at {warehouse}: run `make demo` or `clickstream local run` first")
    # Imported here: the charts' queries need the runner, which `dashboard --help` does not.
    from glue.dashboard.data import ChartError

    if serve:
        _serve(warehouse, port, refresh)
        return
    try:
        path = write_dashboard(warehouse, out or settings.local_dir / "dashboard.html")
    except ChartError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"dashboard: {path}")


def _serve(warehouse: Path, port: int, refresh: int) -> None:
    server = make_server(warehouse, port, refresh)
    click.echo(f"serving the dashboard on http://127.0.0.1:{server.server_port}/ (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@dashboard.command(name="looker-url")
@cloud_target(need_region=False)
def looker_url(target):
    """Print a Looker Studio Linking API URL: a new report with the curated BigQuery tables
    as its data sources (ds0 … ds4), ready for the charts listed in docs/google-cloud.md.

    \b
    Example:
      clickstream dashboard looker-url --env prod
    """
    click.echo(looker_studio_url(target.project, target.dataset(get_settings().curated_dataset)))

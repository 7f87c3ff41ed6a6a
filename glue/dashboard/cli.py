"""`clickstream dashboard`: the local dashboard, and the Looker Studio hand-off for BigQuery."""
from __future__ import annotations

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlencode

import click

from glue.settings import get_settings

# The lab's views and the per-minute series, as the Looker Studio report's data sources.
LOOKER_TABLES = ("visits_by_page", "popular_items", "sales_by_category", "visits_by_device", "activity_per_minute")


def build_html(warehouse: Path, refresh_seconds: int | None = None) -> str:
    from glue.dashboard.data import collect
    from glue.dashboard.render import page
    from glue.local.warehouse import connect

    settings = get_settings()
    db = connect(warehouse, lock_timeout=30, functions=False)
    try:
        dashboard = collect(db, settings.curated_dataset, settings.raw_dataset, settings.staging_dataset)
    finally:
        db.close()
    return page(dashboard, refresh_seconds)


def write_dashboard(warehouse: Path, out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(build_html(warehouse), encoding="utf-8")
    return out


@click.group(invoke_without_command=True)
@click.option("--warehouse", type=click.Path(dir_okay=False, path_type=Path),
              help="DuckDB file (default: .local/warehouse.duckdb).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Default: .local/dashboard.html.")
@click.option("--serve", is_flag=True, help="Serve it on 127.0.0.1 instead, rebuilt on every load.")
@click.option("--port", type=int, default=8050, show_default=True)
@click.option("--refresh", type=click.IntRange(min=1), default=5, show_default=True,
              help="With --serve: seconds between the page's reloads.")
@click.pass_context
def dashboard(ctx, warehouse, out, serve, port, refresh):
    """A self-contained HTML dashboard from the local warehouse: the lab's four views, page
    views per minute with DoS alerts marked, sessions by device, and data quality. No network,
    no scripts: open the file anywhere. With --serve it stays current while the simulator runs
    (`clickstream local up`, `simulate`, `local run` in a loop)."""
    if ctx.invoked_subcommand is not None:
        return
    settings = get_settings()
    warehouse = warehouse or settings.warehouse
    if not warehouse.exists():
        raise click.ClickException(f"no warehouse at {warehouse}: run `make demo` or `clickstream local run` first")
    if serve:
        _serve(warehouse, port, refresh)
        return
    path = write_dashboard(warehouse, out or settings.local_dir / "dashboard.html")
    click.echo(f"dashboard: {path}")


def make_server(warehouse: Path, port: int, refresh: int) -> ThreadingHTTPServer:
    """An HTTP server on 127.0.0.1 that rebuilds the page from the warehouse on every load."""
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server API
            if self.path not in ("/", "/index.html"):
                self.send_error(404)
                return
            body = build_html(warehouse, refresh).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    return ThreadingHTTPServer(("127.0.0.1", port), Handler)


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
@click.option("--project", envvar="GOOGLE_CLOUD_PROJECT", required=True, help="Default: $GOOGLE_CLOUD_PROJECT.")
def looker_url(project):
    """Print a Looker Studio Linking API URL: a new report with the curated BigQuery tables
    as its data sources (ds0 … ds4), ready for the charts listed in the README."""
    click.echo(looker_studio_url(project, get_settings().curated_dataset))


def looker_studio_url(project: str, dataset: str) -> str:
    params = {"c.mode": "edit", "r.reportName": "Clickstream"}
    for index, table in enumerate(LOOKER_TABLES):
        alias = f"ds.ds{index}"
        params.update({f"{alias}.connector": "bigQuery", f"{alias}.type": "TABLE", f"{alias}.projectId": project,
                       f"{alias}.datasetId": dataset, f"{alias}.tableId": table,
                       f"{alias}.datasourceName": f"clickstream {table}"})
    return "https://lookerstudio.google.com/reporting/create?" + urlencode(params)


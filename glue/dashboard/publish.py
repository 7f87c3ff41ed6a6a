"""The dashboard page built from the warehouse, written to a file or served, and the Looker Studio
report's URL for the same tables on BigQuery."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlencode

from glue.settings import get_settings

# The lab's views and the per-minute series, as the Looker Studio report's data sources.
LOOKER_TABLES = ("visits_by_page", "popular_items", "sales_by_category", "visits_by_device", "activity_per_minute")


def build_html(warehouse: Path, refresh_seconds: int | None = None) -> str:
    from glue.dashboard.data import collect
    from glue.dashboard.render import page
    from glue.runner import connect

    settings = get_settings()
    db = connect(warehouse, lock_timeout=30, read_only=True)
    try:
        dashboard = collect(db, settings)
    finally:
        db.close()
    return page(dashboard, refresh_seconds)


def write_dashboard(warehouse: Path, out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(build_html(warehouse), encoding="utf-8")
    return out


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


def looker_studio_url(project: str, dataset: str) -> str:
    params = {"c.mode": "edit", "r.reportName": "Clickstream"}
    for index, table in enumerate(LOOKER_TABLES):
        alias = f"ds.ds{index}"
        params.update(
            {
                f"{alias}.connector": "bigQuery",
                f"{alias}.type": "TABLE",
                f"{alias}.projectId": project,
                f"{alias}.datasetId": dataset,
                f"{alias}.tableId": table,
                f"{alias}.datasourceName": f"clickstream {table}",
            }
        )
    return "https://lookerstudio.google.com/reporting/create?" + urlencode(params)

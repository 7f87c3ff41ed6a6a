"""The dashboard from a demo run, loaded in a real headless Chromium: no console errors, every
chart has data, DoS alerts are marked, and a screenshot is kept under .local/test-artifacts/."""

from __future__ import annotations

import re
import shutil
import subprocess
from urllib.parse import parse_qs, urlparse

import pytest
from click.testing import CliRunner

from glue import settings as settings_module
from glue.cli import main
from glue.cli.dashboard import looker_studio_url
from glue.runner import connect

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--enable-logging=stderr",
    "--v=0",
]


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    """`clickstream demo` at one visit a minute, in a local dir of its own, plus a DoS window."""
    import os

    local = tmp_path_factory.mktemp("demo") / "local"
    saved = os.environ.get("CLICKSTREAM_LOCAL_DIR")
    os.environ["CLICKSTREAM_LOCAL_DIR"] = str(local)
    settings_module.get_settings.cache_clear()
    try:
        result = CliRunner().invoke(main, ["demo", "--visits-per-minute", "1"])
        assert result.exit_code == 0, result.output
        assert "dashboard: " in result.output
        db = connect(local / "warehouse.duckdb")
        minute = db.execute("SELECT MAX(minute) FROM clickstream.activity_per_minute").fetchone()[0]
        # What the DoS-alert job leaves after a burst: an alert on one user (dos_alert/sinks.py's table).
        from dos_alert.sinks import ALERT_COLUMNS

        db.execute(f"CREATE TABLE clickstream.dos_alerts_stream ({ALERT_COLUMNS})")
        db.execute(
            "INSERT INTO clickstream.dos_alerts_stream VALUES "
            "('user', 'UID-0666', ?, ? + INTERVAL 1 MINUTE, 600, 300, 'ON_TIME', now())",
            [minute, minute],
        )
        db.close()
        result = CliRunner().invoke(main, ["dashboard"])
        assert result.exit_code == 0, result.output
        yield local
    finally:
        if saved is None:
            os.environ.pop("CLICKSTREAM_LOCAL_DIR", None)
        else:
            os.environ["CLICKSTREAM_LOCAL_DIR"] = saved
        settings_module.get_settings.cache_clear()


@pytest.fixture(scope="module")
def chromium():
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        pytest.skip("Chromium not installed (make test installs Debian's chromium package; it needs apt as root)")
    return binary


def run_chromium(chromium, tmp_path, *args):
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    return subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args], capture_output=True, text=True, timeout=120
    )


def test_the_dashboard_renders_every_chart_with_data_and_no_console_errors(demo_dir, chromium, tmp_path, settings):
    page = (demo_dir / "dashboard.html").as_uri()
    dom = run_chromium(chromium, tmp_path, "--dump-dom", page)
    assert dom.returncode == 0, dom.stderr[-2000:]
    charts = dict(re.findall(r'data-chart="([^"]+)" data-points="(\d+)"', dom.stdout))
    assert set(charts) == {
        "Page views per minute",
        "Visits by page (page views)",
        "Most popular items (units sold)",
        "Sales by category (revenue)",
        "Visits by device type",
        "Sessions by device, latest hour of data",
        "Rejected visits by reason",
    }
    assert all(int(points) > 0 for points in charts.values()), charts
    assert 'data-alerts="1"' in dom.stdout and 'class="alert"' in dom.stdout
    assert 'reconciles</td><td class="num">yes' in dom.stdout
    console = [line for line in dom.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert console == []

    artifacts = settings.root / ".local" / "test-artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    shot = run_chromium(
        chromium, tmp_path, "--window-size=1280,1900", f"--screenshot={artifacts / 'dashboard.png'}", page
    )
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert (artifacts / "dashboard.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_served_dashboard_is_rebuilt_on_each_load(demo_dir):
    import threading
    import urllib.request

    from glue.cli.dashboard import make_server

    server = make_server(demo_dir / "warehouse.duckdb", 0, refresh=5)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/"
        first = urllib.request.urlopen(url, timeout=30).read().decode()
        db = connect(demo_dir / "warehouse.duckdb")
        db.execute("DELETE FROM clickstream.dos_alerts_stream")  # the alert is gone from the data
        db.close()
        second = urllib.request.urlopen(url, timeout=30).read().decode()
    finally:
        server.shutdown()
        server.server_close()
    assert '<meta http-equiv="refresh" content="5">' in first and 'data-alerts="1"' in first
    assert 'data-alerts="0"' in second
    assert "<script" not in first and "https://cdn" not in first  # self-contained: nothing to fetch


def test_the_looker_studio_url_wires_the_curated_tables():
    url = urlparse(looker_studio_url("acme", "clickstream"))
    assert url.netloc == "lookerstudio.google.com" and url.path == "/reporting/create"
    params = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert params["ds.ds0.connector"] == "bigQuery" and params["ds.ds0.projectId"] == "acme"
    assert [params[f"ds.ds{i}.tableId"] for i in range(5)] == [
        "visits_by_page",
        "popular_items",
        "sales_by_category",
        "visits_by_device",
        "activity_per_minute",
    ]

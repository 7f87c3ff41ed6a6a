"""The dashboard from a demo run, loaded in a real headless Chromium: no console errors, every
chart has data, DoS alerts are marked, the hour-of-day columns keep the SQL's order, and a
screenshot is kept under .local/test-artifacts/."""

from __future__ import annotations

import re
import shutil
import subprocess
from urllib.parse import parse_qs, urlparse

import pytest
from click.testing import CliRunner

from glue.cli import main
from glue.cli.dashboard import looker_studio_url
from glue.runner import connect
from tests.conftest import demo_local_dir

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
    local = tmp_path_factory.mktemp("demo") / "local"
    with demo_local_dir(local, "--visits-per-minute", "1") as result:
        assert "dashboard: " in result.output
        db = connect(local / "warehouse.duckdb")
        minute = db.execute("SELECT MAX(minute) FROM clickstream.activity_per_minute").fetchone()[0]
        # What the DoS-alert job leaves after a burst: an alert on one user (dos_alert/sinks.py's table).
        from dos_alert.sinks import ALERT_COLUMNS, COUNT_COLUMNS

        db.execute(f"CREATE TABLE clickstream.dos_alerts_stream ({ALERT_COLUMNS})")
        db.execute(
            "INSERT INTO clickstream.dos_alerts_stream VALUES "
            "('user', 'UID-0666', ?, ? + INTERVAL 1 MINUTE, 600, 300, 'ON_TIME', now())",
            [minute, minute],
        )
        # And the job's per-minute counts by page: the real-time chart, two pages over five minutes.
        db.execute(f"CREATE TABLE clickstream.page_views_per_minute_stream ({COUNT_COLUMNS})")
        db.execute(
            "INSERT INTO clickstream.page_views_per_minute_stream "
            "SELECT 'page', page, ? + INTERVAL (i) MINUTE, ? + INTERVAL (i + 1) MINUTE, base + i * step, 'ON_TIME', "
            "0, now() FROM range(5) AS r(i), (VALUES ('/home', 12, 1), ('/cart', 4, 3)) AS p(page, base, step)",
            [minute, minute],
        )
        db.close()
        result = CliRunner().invoke(main, ["dashboard"])
        assert result.exit_code == 0, result.output
        yield local


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
    cards = re.findall(r'data-chart="([^"]+)" data-points="(\d+)" data-alerts="(\d+)"', dom.stdout)
    # Every chart clickstream.yaml declares, in its order, each with data; an optional one (the
    # model monitoring's, whose table a demo day has no rows for yet) may say "No data yet." instead.
    charts = settings.infra["dashboard"]["charts"]
    assert [title for title, _, _ in cards] == [c["title"] for c in charts]
    optional = {c["title"] for c in charts if c.get("optional")}
    assert all(int(points) > 0 for title, points, _ in cards if title not in optional), cards
    empty = [title for title, points, _ in cards if int(points) == 0]
    assert dom.stdout.count('<div class="empty">No data yet.</div>') == len(empty)
    assert dict((title, int(alerts)) for title, _, alerts in cards)["Page views per minute"] == 1
    # Plotly drew every chart in the browser: nothing left undrawn by a script error.
    assert dom.stdout.count('class="main-svg"') >= len(cards)
    # A dated axis, the time range in the heading, and the demo's empty minutes left as gaps.
    assert re.search(r'class="range">2024-07-01 00:\d\d – [^<]* UTC · \d+ gaps with no data', dom.stdout)
    assert 'reconciles</td><td class="num">yes' in dom.stdout
    assert_hours_drawn_in_sql_order(dom.stdout, demo_dir)
    console = [line for line in dom.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert console == []

    artifacts = settings.root / ".local" / "test-artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    shot = run_chromium(
        chromium, tmp_path, "--window-size=1280,2300", f"--screenshot={artifacts / 'dashboard.png'}", page
    )
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert (artifacts / "dashboard.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def assert_hours_drawn_in_sql_order(dom: str, demo_dir) -> None:
    """The hour-of-day column chart as Chromium drew it: hours along the bottom from 0 up, a column
    per hour left to right, each as tall as that hour's visits."""
    card = dom.split('data-chart="Visits by hour of day (UTC)"')[1].split('class="card')[0]
    assert 'data-kind="column"' in card
    ticks = re.findall(r'<g class="xtick"><text [^>]*data-unformatted="(\d+)"[^>]*translate\(([\d.]+),', card)
    by_position = [int(label) for label, _ in sorted(ticks, key=lambda tick: float(tick[1]))]
    assert by_position[0] == 0 and by_position == sorted(by_position), ticks
    columns = [tuple(map(float, m)) for m in re.findall(r'class="point"><path d="M([\d.]+),([\d.]+)V([\d.]+)H', card)]
    db = connect(demo_dir / "warehouse.duckdb", read_only=True)
    visits = db.execute(
        "SELECT hour(session_start) AS h, COUNT(*) FROM clickstream.sessions GROUP BY h ORDER BY h"
    ).fetchall()
    db.close()
    assert len(columns) == len(visits) == 24
    lefts = [left for left, _, _ in columns]
    assert lefts == sorted(lefts)
    assert [h for h, _ in visits] == list(range(24))
    scale = (columns[0][1] - columns[0][2]) / visits[0][1]
    assert all(abs((bottom - top) - n * scale) < 1 for (_, bottom, top), (_, n) in zip(columns, visits))


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
    assert '<meta http-equiv="refresh" content="5">' in first
    assert 'data-chart="Page views per minute" data-points="' in first and 'data-alerts="1"' in first
    assert 'data-alerts="1"' not in second
    assert "<script src=" not in first  # self-contained: plotly.js is inlined, nothing to fetch


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

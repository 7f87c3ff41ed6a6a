"""The dashboard as one self-contained HTML page: inline CSS and server-drawn SVG, no script,
no network. Each chart carries data-chart and data-points so a browser test can check it."""

from __future__ import annotations

from html import escape

from glue.dashboard.data import Dashboard, Series

WIDTH, BAR_HEIGHT, LABEL_WIDTH = 560, 22, 190
STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;background:#f6f7f9;color:#1f2328}
h1{font-size:22px;margin:0 0 4px} .sub{color:#59636e;margin-bottom:18px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(600px,1fr));gap:16px}
.card{background:#fff;border:1px solid #d1d9e0;border-radius:8px;padding:14px 16px}
.card h2{font-size:15px;margin:0 0 10px} .wide{grid-column:1/-1}
svg text{font-size:12px;fill:#1f2328} .bar{fill:#2f81f7} .line{fill:none;stroke:#2f81f7;stroke-width:1.5}
.alert{fill:#d1242f} .axis{stroke:#d1d9e0} .note{color:#59636e;font-size:12px;margin-top:6px}
table{border-collapse:collapse;font-size:13px;width:100%} td,th{padding:4px 8px;border-bottom:1px solid #eef1f4;text-align:left}
td.num,th.num{text-align:right} .empty{color:#59636e;font-style:italic}
"""


def page(dashboard: Dashboard, refresh_seconds: int | None = None) -> str:
    refresh = f'<meta http-equiv="refresh" content="{refresh_seconds}">' if refresh_seconds else ""
    cards = [_bar_card(s) for s in dashboard.charts if s.title != "Page views per minute"]
    minute = next((s for s in dashboard.charts if s.title == "Page views per minute"), None)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">{refresh}
<title>Clickstream dashboard</title><style>{STYLE}</style></head>
<body><h1>Clickstream dashboard</h1>
<div class="sub">Local warehouse, generated {dashboard.generated_at:%Y-%m-%d %H:%M:%S} UTC{" · refreshes every " + str(refresh_seconds) + " s" if refresh_seconds else ""}</div>
<div class="grid">
{_line_card(minute) if minute else ""}
{"".join(cards)}
{_quality_card(dashboard)}
{_sessions_card(dashboard)}
</div></body></html>
"""


def _bar_card(series: Series) -> str:
    if not series.values:
        return _empty_card(series)
    top = max(series.values) or 1
    height = BAR_HEIGHT * len(series.values) + 8
    bars = []
    for i, (label, value) in enumerate(zip(series.labels, series.values)):
        y = 4 + i * BAR_HEIGHT
        length = (WIDTH - LABEL_WIDTH - 110) * value / top
        shown = f"{series.unit}{value:,.2f}" if series.unit else f"{value:,.0f}"
        bars.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 15}" text-anchor="end">{escape(_short(label))}<title>{escape(label)}</title></text>'
            f'<rect class="bar" x="{LABEL_WIDTH}" y="{y + 3}" width="{length:.1f}" height="{BAR_HEIGHT - 6}"/>'
            f'<text x="{LABEL_WIDTH + length + 6:.1f}" y="{y + 15}">{shown}</text>'
        )
    return (
        f'<div class="card"><h2>{escape(series.title)}</h2>'
        f'<svg data-chart="{escape(series.title)}" data-points="{len(series.values)}" width="{WIDTH}" '
        f'height="{height}" role="img" aria-label="{escape(series.title)}">{"".join(bars)}</svg></div>'
    )


def _line_card(series: Series) -> str:
    if not series.values:
        return _empty_card(series, wide=True)
    width, height, left, bottom = 1180, 220, 40, 24
    top = max(series.values) or 1
    step = (width - left - 10) / max(len(series.values) - 1, 1)
    points = [
        (left + i * step, height - bottom - (height - bottom - 10) * v / top) for i, v in enumerate(series.values)
    ]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    alerts = "".join(
        f'<circle class="alert" cx="{x:.1f}" cy="{y:.1f}" r="4"><title>DoS alert {escape(label)}</title></circle>'
        for (x, y), label in zip(points, series.labels)
        if label in series.marked
    )
    ticks = "".join(
        f'<text x="{points[i][0]:.1f}" y="{height - 6}" text-anchor="middle">{escape(series.labels[i])}</text>'
        for i in range(0, len(points), max(len(points) // 8, 1))
    )
    note = f'<div class="note">{escape(series.note)}</div>' if series.note else ""
    return (
        f'<div class="card wide"><h2>{escape(series.title)} (peak {top:,.0f})</h2>'
        f'<svg data-chart="{escape(series.title)}" data-points="{len(series.values)}" data-alerts="{len(series.marked)}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(series.title)}">'
        f'<line class="axis" x1="{left}" y1="{height - bottom}" x2="{width}" y2="{height - bottom}"/>'
        f'<polyline class="line" points="{path}"/>{alerts}{ticks}</svg>{note}</div>'
    )


def _empty_card(series: Series, wide: bool = False) -> str:
    return (
        f'<div class="card{" wide" if wide else ""}"><h2>{escape(series.title)}</h2>'
        f'<svg data-chart="{escape(series.title)}" data-points="0" width="10" height="10"></svg>'
        f'<div class="empty">No data yet.</div></div>'
    )


def _quality_card(dashboard: Dashboard) -> str:
    rows = "".join(
        f'<tr><td>{escape(label)}</td><td class="num">{escape(value)}</td></tr>' for label, value in dashboard.facts
    )
    return f'<div class="card"><h2>Data quality</h2><table data-table="quality">{rows}</table></div>'


def _sessions_card(dashboard: Dashboard) -> str:
    rows = "".join(
        f"<tr><td>{start:%Y-%m-%d %H:%M:%S}</td><td>{escape(str(device))}</td>"
        f'<td class="num">{views}</td><td class="num">{revenue:,.2f}</td></tr>'
        for start, device, views, revenue in dashboard.recent_sessions
    )
    return (
        '<div class="card"><h2>Recent sessions</h2><table data-table="sessions"><tr><th>started (UTC)</th>'
        f'<th>device</th><th class="num">page views</th><th class="num">revenue</th></tr>{rows}</table></div>'
    )


def _short(label: str, limit: int = 27) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"

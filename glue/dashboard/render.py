"""The dashboard as one self-contained HTML page: Plotly charts with plotly.js inlined once, no
network. Time charts have a dated axis, a y-axis with its unit, the time range they cover in
their heading and tooltips; a stretch of minutes with no data is a gap, not a line across it.
Bars (horizontal) and columns (vertical) show their labels in the chart's row order. Each chart's
card carries data-chart, data-points, data-alerts and data-kind so a browser test can check it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape

import plotly.graph_objects as go

from glue.dashboard.data import Chart, Dashboard

# Points further apart than this are not joined: the minutes between them had no data.
GAP = timedelta(minutes=1)
ALERT_COLOUR, LINE_COLOUR = "#d1242f", "#2f81f7"
RANGES = ((1, "1 h", "hour"), (6, "6 h", "hour"), (1, "1 day", "day"))
STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;background:#f6f7f9;color:#1f2328}
h1{font-size:22px;margin:0 0 4px} .sub{color:#59636e;margin-bottom:18px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(600px,1fr));gap:16px}
.card{background:#fff;border:1px solid #d1d9e0;border-radius:8px;padding:14px 16px}
.card h2{font-size:15px;margin:0 0 2px} .range{color:#59636e;font-size:12px;margin-bottom:4px} .wide{grid-column:1/-1}
.note{color:#59636e;font-size:12px;margin-top:6px} .empty{color:#59636e;font-style:italic}
table{border-collapse:collapse;font-size:13px;width:100%} td,th{padding:4px 8px;border-bottom:1px solid #eef1f4;text-align:left}
td.num,th.num{text-align:right}
"""


def page(dashboard: Dashboard, refresh_seconds: int | None = None) -> str:
    refresh = f'<meta http-equiv="refresh" content="{refresh_seconds}">' if refresh_seconds else ""
    every = f" · refreshes every {refresh_seconds} s" if refresh_seconds else ""
    drawn = [c for c in dashboard.charts if c.x]
    cards = [_card(chart, first=chart is (drawn[0] if drawn else None)) for chart in dashboard.charts]
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">{refresh}
<title>Clickstream dashboard</title><style>{STYLE}</style></head>
<body><h1>Clickstream dashboard</h1>
<div class="sub">Local warehouse, generated {dashboard.generated_at:%Y-%m-%d %H:%M:%S} UTC{every}</div>
<div class="grid">
{"".join(cards)}
{_quality_card(dashboard)}
{_sessions_card(dashboard)}
</div></body></html>
"""


def _card(chart: Chart, first: bool) -> str:
    wide = " wide" if chart.kind == "line" else ""
    head = (
        f'<div class="card{wide}" data-chart="{escape(chart.title)}" data-points="{len(chart.x)}" '
        f'data-alerts="{len(chart.alerts)}" data-kind="{escape(chart.kind)}"><h2>{escape(chart.title)}</h2>'
    )
    note = f'<div class="note">{escape(chart.note)}</div>' if chart.note else ""
    if not chart.x:
        return f'{head}<div class="empty">No data yet.</div>{note}</div>'
    figure = {"line": _line, "bar": _bars, "column": _columns}[chart.kind](chart)
    # plotly.js goes into the page once, with the first chart; the others use it.
    html = figure.to_html(full_html=False, include_plotlyjs=first, config={"displayModeBar": False, "responsive": True})
    return f"{head}{_range(chart)}{html}{note}</div>"


def _range(chart: Chart) -> str:
    """The time a line chart covers, and how many stretches of it had no data."""
    if chart.kind != "line":
        return ""
    start, end = chart.x[0], chart.x[-1]
    until = f"{end:%H:%M}" if start.date() == end.date() else f"{end:%Y-%m-%d %H:%M}"
    return f'<div class="range">{start:%Y-%m-%d %H:%M} – {until} UTC{_gaps_said(chart)}</div>'


def _gaps_said(chart: Chart) -> str:
    gaps = sum(1 for a, b in zip(chart.x, chart.x[1:]) if b - a > GAP)
    return f" · {gaps} gap{'s' if gaps != 1 else ''} with no data" if gaps else ""


def _line(chart: Chart) -> go.Figure:
    figure = go.Figure()
    names = sorted(set(chart.series)) if chart.series else [None]
    for name in names:
        points = [(x, y) for i, (x, y) in enumerate(zip(chart.x, chart.y)) if name is None or chart.series[i] == name]
        x, y = _with_gaps(points)
        figure.add_trace(
            go.Scatter(
                x=x,
                y=y,
                mode="lines",
                name=name or chart.unit,
                connectgaps=False,
                line={"width": 1.5, **({} if name else {"color": LINE_COLOUR})},
                hovertemplate=f"%{{x|%Y-%m-%d %H:%M}} UTC<br>%{{y:,.0f}} {escape(chart.unit)}<extra>{escape(name or '')}</extra>",
            )
        )
    if chart.alerts:
        figure.add_trace(_alert_marks(chart))
    figure.update_layout(
        height=320,
        margin={"l": 60, "r": 20, "t": 36, "b": 40},
        showlegend=bool(chart.series) or bool(chart.alerts),
        legend={"orientation": "h", "y": -0.25},
        hovermode="closest",
        plot_bgcolor="#fff",
    )
    # Buttons to narrow the time shown (drag to zoom too; a double click shows it all again).
    last = [{"count": n, "label": label, "step": step, "stepmode": "backward"} for n, label, step in RANGES]
    figure.update_xaxes(
        type="date",
        tickformat="%H:%M\n%Y-%m-%d",
        gridcolor="#eef1f4",
        rangeselector={"buttons": [*last, {"step": "all", "label": "all"}], "x": 0, "y": 1.12},
    )
    figure.update_yaxes(title_text=chart.unit, rangemode="tozero", gridcolor="#eef1f4")
    return figure


def _with_gaps(points: list[tuple[datetime, float]]) -> tuple[list, list]:
    """The points with a None after each one followed by a stretch of more than GAP, so that
    Plotly breaks the line there (connectgaps off) instead of drawing across missing minutes."""
    x, y = [], []
    for (when, value), following in zip(points, [*points[1:], None]):
        x.append(when)
        y.append(value)
        if following is not None and following[0] - when > GAP:
            x.append(when + GAP)
            y.append(None)
    return x, y


def _alert_marks(chart: Chart) -> go.Scatter:
    at = dict(zip(chart.x, chart.y))
    starts = [a[0] for a in chart.alerts]
    return go.Scatter(
        x=starts,
        y=[at.get(start, 0) for start in starts],
        mode="markers",
        name="DoS alert",
        marker={"color": ALERT_COLOUR, "size": 10, "symbol": "x"},
        text=[
            f"DoS alert: {dimension} {key}, {count:,} page views (threshold {threshold:,})"
            for _, dimension, key, count, threshold in chart.alerts
        ],
        hovertemplate="%{x|%Y-%m-%d %H:%M} UTC<br>%{text}<extra></extra>",
    )


def _bars(chart: Chart) -> go.Figure:
    """Horizontal bars, the first row at the top; the labels are categories, kept in the rows' order even
    when they look like numbers."""
    labels = [str(label) for label in chart.x]
    figure = go.Figure(
        go.Bar(
            x=chart.y,
            y=labels,
            orientation="h",
            marker={"color": LINE_COLOUR},
            hovertemplate=f"%{{y}}<br>%{{x:,.2f}} {escape(chart.unit)}<extra></extra>",
        )
    )
    figure.update_layout(
        height=max(180, 28 * len(labels) + 70), margin={"l": 10, "r": 20, "t": 10, "b": 40}, plot_bgcolor="#fff"
    )
    figure.update_xaxes(title_text=chart.unit, gridcolor="#eef1f4", rangemode="tozero")
    figure.update_yaxes(type="category", autorange="reversed", automargin=True)
    return figure


def _columns(chart: Chart) -> go.Figure:
    """Vertical bars, the first row on the left, their labels along the bottom as categories."""
    labels = [str(label) for label in chart.x]
    figure = go.Figure(
        go.Bar(
            x=labels,
            y=chart.y,
            orientation="v",
            marker={"color": LINE_COLOUR},
            hovertemplate=f"%{{x}}<br>%{{y:,.2f}} {escape(chart.unit)}<extra></extra>",
        )
    )
    figure.update_layout(height=320, margin={"l": 60, "r": 20, "t": 10, "b": 40}, plot_bgcolor="#fff")
    figure.update_xaxes(type="category", automargin=True)
    figure.update_yaxes(title_text=chart.unit, gridcolor="#eef1f4", rangemode="tozero")
    return figure


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

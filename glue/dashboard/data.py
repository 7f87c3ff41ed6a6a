"""What the dashboard shows: the charts clickstream.yaml declares, queried from the local warehouse, and
the data-quality figures."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone

from glue.runner import QueryError, Translator, relation_exists, run_query


@dataclass
class Chart:
    """One chart, as declared under `dashboard.charts` in clickstream.yaml, with its rows."""

    title: str
    kind: str  # line (x a time) | bar (horizontal, x a label) | column (vertical, x a label)
    unit: str
    x: list = field(default_factory=list)
    y: list = field(default_factory=list)
    series: list[str] | None = None  # a line per value, when the chart names a series column
    alerts: list[tuple] = field(default_factory=list)  # (window start, dimension, key, count, threshold)
    note: str = ""


@dataclass
class Dashboard:
    generated_at: datetime
    charts: list[Chart]
    facts: list[tuple[str, str]]  # data-quality figures: (label, value)
    recent_sessions: list[tuple]  # (session_start, device_type, page_views, revenue)


class ChartError(ValueError):
    """A chart declared in clickstream.yaml that cannot be drawn; says which and why."""


KINDS = ("bar", "column", "line")
ORDERS = ("value", "sql")  # bars and columns: largest first, or as the SQL's ORDER BY returns them


def collect(db, settings) -> Dashboard:
    names = {
        "curated": settings.curated_dataset,
        "staging": settings.staging_dataset,
        "raw": settings.raw_dataset,
        "ml": settings.ml_dataset,
        "counts_table": settings.infra["dos_alert"]["counts_table"],
    }
    charts = [chart(db, spec, names) for spec in settings.infra["dashboard"]["charts"]]
    c = f'"{settings.curated_dataset}"'
    recent = db.execute(
        f"SELECT session_start, device_type, page_view_count, revenue FROM {c}.sessions "
        f"ORDER BY session_start DESC, visit_id LIMIT 10"
    ).fetchall()
    facts = _quality(db, settings.curated_dataset, settings.raw_dataset, settings.staging_dataset)
    return Dashboard(datetime.now(timezone.utc), charts, facts, recent)


def chart(db, spec: dict, names: dict[str, str]) -> Chart:
    """The chart `spec` declares, with the rows of its query: a line in x order, bars and columns
    largest first or, with `order: sql`, in the order the query returns them."""
    title = spec.get("title", "?")
    problem = _problem(spec)
    if problem:
        raise ChartError(f"clickstream.yaml, dashboard chart {title!r}: {problem}")
    drawn = Chart(title, spec["kind"], spec.get("unit", ""), note=spec.get("note", ""))
    try:
        result = run_query(db, _named(spec["sql"], names))
    except QueryError as error:
        if spec.get("optional") and "does not exist" in str(error):
            return drawn  # drawn as "no data yet", with its note
        raise ChartError(f"clickstream.yaml, dashboard chart {title!r}: {error}") from None
    columns = {name: i for i, name in enumerate(result.columns)}
    wanted = [spec["x"], spec["y"], *([spec["series"]] if spec.get("series") else [])]
    absent = [name for name in wanted if name not in columns]
    if absent:
        raise ChartError(
            f"clickstream.yaml, dashboard chart {title!r}: its query has no column {', '.join(absent)} "
            f"(it has {', '.join(result.columns)})"
        )
    x, y = columns[spec["x"]], columns[spec["y"]]
    rows = [row for row in result.rows if row[x] is not None]
    if spec["kind"] == "line":
        rows.sort(key=lambda row: row[x])
    elif spec.get("order", "value") == "value":
        rows.sort(key=lambda row: -float(row[y] or 0))
    drawn.x, drawn.y = [row[x] for row in rows], [float(row[y] or 0) for row in rows]
    if spec.get("series"):
        drawn.series = [str(row[columns[spec["series"]]]) for row in rows]
    if spec.get("alerts"):
        drawn.alerts = _alerts(db, names["curated"])
    return drawn


def _problem(spec: dict) -> str:
    """What keeps the declared chart from being drawn, before its query runs; empty when nothing."""
    missing = [key for key in ("title", "kind", "sql", "x", "y") if key not in spec]
    if missing:
        return f"missing {', '.join(missing)}"
    if spec["kind"] not in KINDS:
        return f"kind {spec['kind']!r} is not {_either(KINDS)}"
    if "order" in spec and spec["kind"] == "line":
        return f"order {spec['order']!r} is for bar and column charts; a line is drawn in x order"
    if spec.get("order", "value") not in ORDERS:
        return f"order {spec['order']!r} is not {_either(ORDERS)}"
    return ""


def _either(allowed: tuple[str, ...]) -> str:
    return f"{', '.join(allowed[:-1])} or {allowed[-1]}"


def _named(sql: str, names: dict[str, str]) -> str:
    """The SQL with {curated}, {staging}, {raw}, {ml} and {counts_table} filled in; any other braces (a
    regular expression's {4}, say) are left as written."""
    return re.sub(r"\{(\w+)\}", lambda m: names.get(m.group(1), m.group(0)), sql)


def _alerts(db, curated: str) -> list[tuple]:
    """The DoS-alert job's alerts (its table exists once it has raised one)."""
    if not relation_exists(db, curated, "dos_alerts_stream"):
        return []
    return db.execute(
        f'SELECT window_start, dimension, key, count, threshold FROM "{curated}".dos_alerts_stream ORDER BY 1'
    ).fetchall()


@dataclass(frozen=True)
class Reconciliation:
    """Nothing is lost: what came in, once deduplicated, is either a session or a rejected visit."""

    received: int  # non-blank landed lines plus raw Pub/Sub rows
    distinct: int  # staged payloads
    sessions: int
    rejected: int

    @property
    def duplicates(self) -> int:
        return self.received - self.distinct

    @property
    def balanced(self) -> bool:
        return self.distinct == self.sessions + self.rejected


def reconciliation(db, curated: str, raw: str, staging: str) -> Reconciliation:
    # BigQuery SQL, translated as the models are, so that a blank line is blank as staging sees it.
    return Reconciliation(
        *db.execute(
            Translator().query(
                f"SELECT (SELECT COUNT(*) FROM `{raw}.visits_gcs` WHERE TRIM(line) != '') "
                f"+ (SELECT COUNT(*) FROM `{raw}.visits_pubsub`), "
                f"(SELECT COUNT(*) FROM `{staging}.stg_visit_payloads`), (SELECT COUNT(*) FROM `{curated}.sessions`), "
                f"(SELECT COUNT(*) FROM `{curated}.rejected_visits`)"
            )
        ).fetchone()
    )


def _quality(db, curated: str, raw: str, staging: str) -> list[tuple[str, str]]:
    r = reconciliation(db, curated, raw, staging)
    facts = [
        ("lines and messages received", f"{r.received:,}"),
        ("duplicates removed", f"{r.duplicates:,}"),
        ("distinct visits", f"{r.distinct:,}"),
        ("sessions", f"{r.sessions:,}"),
        ("rejected", f"{r.rejected:,}"),
        ("reconciles", "yes" if r.balanced else "NO"),
    ]
    for source, newest in db.execute(
        f'SELECT source, MAX(loaded_at) FROM "{staging}".stg_visit_payloads GROUP BY 1 ORDER BY 1'
    ).fetchall():
        facts.append((f"newest {source} load", f"{newest:%Y-%m-%d %H:%M:%S} UTC"))
    return facts

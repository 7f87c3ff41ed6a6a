"""What the dashboard shows, queried from the local warehouse's marts and aggregates."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from glue.runner import Translator, relation_exists


@dataclass
class Series:
    """One chart: labelled values, plus optional marked labels (alerts)."""

    title: str
    labels: list[str]
    values: list[float]
    unit: str = ""
    marked: set[str] = field(default_factory=set)
    note: str = ""


@dataclass
class Dashboard:
    generated_at: datetime
    charts: list[Series]
    facts: list[tuple[str, str]]  # data-quality figures: (label, value)
    recent_sessions: list[tuple]  # (session_start, device_type, page_views, revenue)


def _series(db, title: str, sql: str, unit: str = "") -> Series:
    rows = db.execute(sql).fetchall()
    return Series(title, [str(r[0]) for r in rows], [float(r[1] or 0) for r in rows], unit)


def collect(db, curated: str, raw: str, staging: str) -> Dashboard:
    c = f'"{curated}"'
    charts = [
        _series(
            db,
            "Visits by page (page views)",
            f"SELECT regexp_replace(page_url, '^https?://[^/]+', ''), page_views "
            f"FROM {c}.visits_by_page ORDER BY page_views DESC, page_url LIMIT 12",
        ),
        _series(
            db,
            "Most popular items (units sold)",
            f"SELECT product_name, units_sold FROM {c}.popular_items ORDER BY sales_rank, product_name LIMIT 10",
        ),
        _series(
            db,
            "Sales by category (revenue)",
            f"SELECT category, revenue FROM {c}.sales_by_category ORDER BY revenue DESC",
            unit="$",
        ),
        _series(
            db, "Visits by device type", f"SELECT device_type, visits FROM {c}.visits_by_device ORDER BY visits DESC"
        ),
        _per_minute(db, curated),
        _series(
            db,
            "Sessions by device, latest hour of data",
            f"""
                SELECT device_type, COUNT(*) FROM {c}.sessions
                WHERE session_start >= (SELECT MAX(session_start) FROM {c}.sessions) - INTERVAL 1 HOUR
                GROUP BY 1 ORDER BY 2 DESC, 1""",
        ),
        _series(
            db,
            "Rejected visits by reason",
            f"SELECT first_reason, COUNT(*) FROM {c}.rejected_visits GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 8",
        ),
    ]
    recent = db.execute(
        f"SELECT session_start, device_type, page_view_count, revenue FROM {c}.sessions "
        f"ORDER BY session_start DESC, visit_id LIMIT 10"
    ).fetchall()
    return Dashboard(datetime.now(timezone.utc), charts, _quality(db, curated, raw, staging), recent)


def _per_minute(db, curated: str) -> Series:
    """Site-wide page views per minute, the minutes of the DoS-alert job's alerts marked (its
    table exists once the job has raised one)."""
    series = _series(
        db,
        "Page views per minute",
        f"SELECT strftime(minute, '%H:%M'), page_views "
        f'FROM "{curated}".activity_per_minute ORDER BY minute DESC LIMIT 240',
    )
    series.labels.reverse()
    series.values.reverse()
    if relation_exists(db, curated, "dos_alerts_stream"):
        marked = db.execute(
            f"SELECT DISTINCT strftime(window_start, '%H:%M') FROM \"{curated}\".dos_alerts_stream"
        ).fetchall()
        series.marked = {m for (m,) in marked}
        series.note = "marked: a minute in which the DoS-alert job raised an alert"
    return series


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

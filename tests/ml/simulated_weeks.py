"""Weeks of simulated traffic for the ml workflow's tests, on the SQL harness and its clock.

`clickstream simulate --purchase-signal` writes each week's visits to files; the harness receives
them as Pub/Sub messages published when the week ends, and the ml workflow runs half an hour
later on the harness's clock (CURRENT_TIMESTAMP()), which only moves forward: the weeks start on
the next Monday at midnight UTC and run into the future, so that every visit has the same hour of
day and day of week (features the models learn) whatever the day and hour the tests run. With the default vars (7 days of training, 7 of
evaluation) the run after week k trains on week k-1 and evaluates on week k.

The signal can change from week to week (`--purchase-signal reversed`): `reversed` turns the
pages, device and hour effects of `glue/simulator/visits.py` around, `halfway` is the way there
(only the cart tells).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from click.testing import CliRunner

from glue.cli import main

WEEK = timedelta(days=7)
# The models' features: session_features' columns that the trainings read.
FEATURES = (
    "device_type",
    "hour_of_day",
    "day_of_week",
    "page_views",
    "cart_additions",
    "cart_value",
    "prior_visits",
    "prior_purchases",
    "seconds_since_last_visit",
)


def next_monday(now: datetime) -> datetime:
    """Midnight UTC of the first Monday at least an hour after `now`."""
    soon = now.astimezone(timezone.utc) + timedelta(hours=1)
    midnight = soon.replace(hour=0, minute=0, second=0, microsecond=0)
    monday = midnight + timedelta(days=(7 - midnight.weekday()) % 7)
    return monday if monday >= soon else monday + WEEK


SCORES_AND_EXPORT = ("clickstream_ml.purchase_propensity_scores", "clickstream_ml.export_purchase_propensity")


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


class SimulatedWeeks:
    def __init__(self, harness, directory: Path):
        self.harness, self.directory = harness, directory
        # The harness's clock starts now (a run adds a second): where it is, give or take seconds.
        self.clock = datetime.now(timezone.utc)
        self.start = next_monday(self.clock)

    def bounds(self, week: int) -> tuple[datetime, datetime]:
        """Start and end of week `week` (from 1), UTC."""
        return self.start + (week - 1) * WEEK, self.start + week * WEEK

    def simulate(self, week: int, signal: str = "planted", visits: int = 600, seed: int | None = None) -> list[dict]:
        """The week's visits from `clickstream simulate --purchase-signal`, received as the week ends."""
        begin, end = self.bounds(week)
        out = self.directory / f"week-{week}"
        arguments = ["simulate", "--start", _iso(begin), "--end", _iso(end), "--count", str(visits)]
        arguments += ["--seed", str(seed if seed is not None else week), "--purchase-signal", signal, "--rotate", "day"]
        result = CliRunner().invoke(main, [*arguments, "--to", f"file:{out}", "--no-progress"])
        assert result.exit_code == 0, result.output
        lines = [json.loads(line) for path in sorted(out.glob("*.jsonl")) for line in path.read_text().splitlines()]
        self.harness.pubsub(lines, published=end)
        return lines

    def run_after(self, week: int, *names: str, **options):
        """The named actions (with what they depend on; by default the trainings and the champion's
        choice) half an hour after week `week` ends."""
        self.move_to(self.bounds(week)[1] + timedelta(minutes=30))
        return self.harness.run(*(names or ("clickstream_ml.choose_purchase_propensity_champion",)), **options)

    def move_to(self, moment: datetime) -> None:
        """The next run's CURRENT_TIMESTAMP() is `moment` (a later one only: the clock goes forward)."""
        self.harness.advance(moment - self.clock)
        self.clock = moment

    def rows(self, name: str, where: str = "TRUE", order: str = "1") -> list[dict]:
        return self.harness.rows(name, where=f"{where} ORDER BY {order}")

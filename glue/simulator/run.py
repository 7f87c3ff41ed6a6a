"""Driving a simulation: the schedule of visits, the two clocks, progress and the summary.

Two clocks:
- live: visits are paced in real time and stamped with the time they are sent. Pacing is
  against an absolute schedule (visit i is due at t0 + i/rate), so sleep jitter never
  accumulates into rate drift.
- backfill: as fast as possible, visits stamped across [start, end).
"""

from __future__ import annotations

import heapq
import json
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterator

from glue.simulator.faults import Delivery, FaultConfig, FaultInjector
from glue.simulator.targets import Sink
from glue.simulator.visits import VisitFactory, attack_client


@dataclass(frozen=True)
class Burst:
    """A DoS pattern: one client requesting pages at `page_views_per_minute` for `duration`."""

    page_views_per_minute: int
    duration: timedelta
    start_after: timedelta = timedelta(0)
    page_views_per_visit: int = 10


@dataclass(frozen=True)
class Plan:
    visits_per_minute: float
    count: int
    clock: str = "live"  # live | backfill
    start: datetime | None = None  # backfill only
    span: timedelta | None = None  # backfill only: visits spread over [start, start + span)
    seed: int | None = None
    faults: FaultConfig = FaultConfig()
    burst: Burst | None = None
    purchase_signal: str | None = None  # purchases depend on behaviour (visits.SIGNALS); off as in the sample

    def __post_init__(self):
        if self.visits_per_minute <= 0:
            raise ValueError("visits per minute must be positive")
        if self.clock not in ("live", "backfill"):
            raise ValueError(f"clock must be live or backfill, not {self.clock!r}")
        if self.clock == "backfill" and self.start is None:
            raise ValueError("a backfill needs a start time")


@dataclass
class Stats:
    kinds: Counter = field(default_factory=Counter)
    visits: int = 0
    errors: int = 0
    interrupted: bool = False
    elapsed: float = 0.0

    @property
    def messages(self) -> int:
        return sum(self.kinds.values())

    def summary(self) -> str:
        rate = self.messages / self.elapsed if self.elapsed else 0.0
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(self.kinds.items()))
        state = "interrupted" if self.interrupted else "done"
        return (
            f"{state}: {self.visits} visits simulated, {self.messages} messages sent ({kinds}), "
            f"{self.errors} errors, {self.elapsed:.1f}s, {rate:,.0f} msg/s"
        )


def schedule(plan: Plan) -> Iterator[tuple[float, str]]:
    """(seconds after the start, "visit" | "burst"), in time order."""
    base_gap = 60.0 / plan.visits_per_minute
    if plan.clock == "backfill" and plan.span is not None and plan.count:
        base_gap = plan.span.total_seconds() / plan.count
    streams = [((i * base_gap, "visit") for i in range(plan.count))]
    burst = plan.burst
    if burst:
        per_minute = burst.page_views_per_minute / burst.page_views_per_visit
        gap = 60.0 / per_minute
        n = int(burst.duration.total_seconds() / gap)
        offset = burst.start_after.total_seconds()
        streams.append(((offset + j * gap, "burst") for j in range(n)))
    return heapq.merge(*streams)


def _client_ip(rng: random.Random) -> str:
    return f"{rng.randint(11, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


class Simulator:
    def __init__(
        self,
        plan: Plan,
        sink: Sink,
        progress: Callable[[Stats, float], None] | None = None,
        now: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        wall: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ):
        self.plan, self.sink, self.progress = plan, sink, progress
        self.now, self.sleep, self.wall = now, sleep, wall
        self.rng = random.Random(plan.seed)
        self.factory = VisitFactory(self.rng, plan.purchase_signal)
        self.faults = FaultInjector(self.rng, plan.faults)
        burst_rng = random.Random(None if plan.seed is None else plan.seed + 1)
        self.attacker = attack_client(burst_rng)
        self.attacker_ip = "203.0.113.66"
        self.stats = Stats()

    def deliveries(self, kind: str, moment: datetime) -> list[Delivery]:
        if kind == "burst":
            doc = self.factory.attack(moment, self.plan.burst.page_views_per_visit, self.attacker)
            return [Delivery(json.dumps(doc), moment, "burst", self.attacker_ip)]
        self.stats.visits += 1
        doc = self.factory.visit(moment)
        return self.faults.deliveries(doc, moment, _client_ip(self.rng))

    def run(self) -> Stats:
        plan, started = self.plan, self.now()
        last_report = started
        try:
            for offset, kind in schedule(plan):
                if plan.clock == "live":
                    delay = started + offset - self.now()
                    if delay > 0:
                        self.sleep(delay)
                    moment = self.wall().replace(microsecond=0)
                else:
                    moment = plan.start + timedelta(seconds=offset)
                for delivery in self.deliveries(kind, moment):
                    self.sink.write(delivery)
                    self.stats.kinds[delivery.kind] += 1
                if self.progress and self.now() - last_report >= 1.0:
                    last_report = self.now()
                    self.stats.errors = self.sink.errors
                    self.progress(self.stats, last_report - started)
        except KeyboardInterrupt:
            self.stats.interrupted = True
        finally:
            self.sink.close()
            self.stats.errors = self.sink.errors
            self.stats.elapsed = self.now() - started
        return self.stats


def terminal_progress(stats: Stats, elapsed: float) -> None:
    rate = stats.messages / elapsed if elapsed else 0
    print(
        f"\r  sent {stats.messages:,} messages ({stats.visits:,} visits)  {rate:,.0f}/s  errors {stats.errors}",
        end="",
        file=sys.stderr,
        flush=True,
    )


class LineProgress:
    """Progress as whole lines, at most one per `every` seconds: for a log or a pipe, where the
    terminal's rewritten line would pile up as carriage returns."""

    def __init__(self, every: float = 10, out=None):
        self.every, self.out, self.last = every, out or sys.stderr, None

    def __call__(self, stats: Stats, elapsed: float) -> None:
        if self.last is not None and elapsed - self.last < self.every:
            return
        self.last = elapsed
        rate = stats.messages / elapsed if elapsed else 0
        print(
            f"  {elapsed:,.0f}s: sent {stats.messages:,} messages ({stats.visits:,} visits), {rate:,.0f}/s, "
            f"errors {stats.errors}",
            file=self.out,
            flush=True,
        )


def live_duration(count: int, visits_per_minute: float) -> str:
    """How long a live run of `count` visits takes, in words: '8 min 20 s'."""
    seconds = round(count / visits_per_minute * 60)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{hours} h"] * bool(hours) + [f"{minutes} min"] * bool(minutes) + [f"{seconds} s"] * bool(seconds)
    return " ".join(parts) or "under a second"

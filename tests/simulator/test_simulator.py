"""The simulator: shape faithful to the sample, reproducible, faults at the asked rates, pacing."""

import json
from collections import Counter
from datetime import datetime, timedelta, timezone

from click.testing import CliRunner

from glue import contract
from glue.cli import main
from glue.simulator.faults import FaultConfig
from glue.simulator.run import Burst, Plan, Simulator, schedule

START = datetime(2024, 7, 1, tzinfo=timezone.utc)


def simulate(tmp_path, *args):
    result = CliRunner().invoke(main, ["simulate", "--no-progress", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def read_lines(directory):
    return [line for path in sorted(directory.glob("*.jsonl")) for line in path.read_text().splitlines()]


def test_a_minute_at_600_per_minute_writes_600_valid_visits(tmp_path):
    simulate(
        tmp_path,
        "--visits-per-minute",
        "600",
        "--duration",
        "1m",
        "--start",
        "2024-07-01T09:00:00",
        "--to",
        f"file:{tmp_path}",
    )
    lines = read_lines(tmp_path)
    assert len(lines) == 600
    assert all(contract.validate_payload(line) == [] for line in lines)
    assert [p.name for p in tmp_path.glob("*.jsonl")] == ["visits-2024-07-01T09.jsonl"]


def test_same_seed_gives_byte_identical_output(tmp_path):
    for name in ("a", "b"):
        simulate(
            tmp_path,
            "--count",
            "300",
            "--start",
            "2024-07-01",
            "--end",
            "2024-07-02",
            "--seed",
            "7",
            "--malformed-rate",
            "0.1",
            "--duplicate-rate",
            "0.1",
            "--to",
            f"file:{tmp_path / name}",
        )
    a, b = sorted((tmp_path / "a").glob("*")), sorted((tmp_path / "b").glob("*"))
    assert [p.name for p in a] == [p.name for p in b] and len(a) == 24
    assert all(x.read_bytes() == y.read_bytes() for x, y in zip(a, b))


def test_distributions_follow_the_sample():
    sink = _MemorySink()
    Simulator(Plan(60, 6000, "backfill", START, seed=3), sink).run()
    visits = [json.loads(d.payload) for d in sink.deliveries]
    devices = Counter(v["device_type"] for v in visits)
    assert abs(devices["mobile"] / 6000 - 0.598) < 0.03
    assert abs(devices["tablet"] / 6000 - 0.097) < 0.02
    purchases = sum(any(e["event"]["event_type"] == "purchase" for e in v["events"]) for v in visits)
    assert abs(purchases / 6000 - 0.251) < 0.03
    assert {len(v["events"]) for v in visits} <= set(range(2, 11))
    for v in visits:
        events = [e["event"] for e in v["events"]]
        carts = [e["details"]["product_id"] for e in events if e["event_type"] == "add_item_to_cart"]
        for e in events:
            if e["event_type"] == "purchase":
                assert [i["product_id"] for i in e["details"]["items"]] == carts
                parsed = contract.parse_visit(v)
                purchase = [x for x in parsed.events if x.event_type == "purchase"][0].details
                assert purchase.amount == sum(i.line_total for i in purchase.items)


def test_faults_come_at_the_asked_rates():
    sink = _MemorySink()
    faults = FaultConfig(malformed_rate=0.1, duplicate_rate=0.05, late_rate=0.2, late_by=timedelta(minutes=7))
    stats = Simulator(Plan(60, 5000, "backfill", START, seed=5, faults=faults), sink).run()
    kinds = Counter(d.kind for d in sink.deliveries)
    assert abs(kinds["malformed"] / 5000 - 0.1) < 0.015
    assert abs(kinds["duplicate"] / 5000 - 0.05) < 0.01
    invalid = sum(1 for d in sink.deliveries if contract.validate_payload(d.payload))
    assert invalid == kinds["malformed"] + sum(
        1 for d in sink.deliveries if d.kind == "duplicate" and contract.validate_payload(d.payload)
    )
    late = [d for d in sink.deliveries if d.kind == "late"]
    assert abs(len(late) / 5000 - 0.2 * 0.9) < 0.03  # late and not also malformed
    for d in late[:50]:
        first = min(contract.event_times(json.loads(d.payload)))
        assert first <= d.event_time  # stamped earlier than sent
    assert stats.messages == len(sink.deliveries)


def test_burst_comes_from_one_client_at_the_asked_rate():
    burst = Burst(page_views_per_minute=3000, duration=timedelta(minutes=2), page_views_per_visit=10)
    sink = _MemorySink()
    Simulator(Plan(60, 120, "backfill", START, seed=1, burst=burst), sink).run()
    attacks = [d for d in sink.deliveries if d.kind == "burst"]
    page_views = sum(len(json.loads(d.payload)["events"]) for d in attacks)
    assert page_views == 6000
    assert {d.client_ip for d in attacks} == {"203.0.113.66"}
    assert {json.loads(d.payload)["user_id"] for d in attacks} == {"UID-0666"}


def test_live_pacing_follows_an_absolute_schedule():
    clock = _FakeClock()
    sink = _MemorySink()
    Simulator(
        Plan(600, 600, "live", seed=2),
        sink,
        now=clock.now,
        sleep=clock.sleep,
        wall=lambda: START + timedelta(seconds=clock.t),
    ).run()
    assert len(sink.deliveries) == 600
    assert abs(clock.t - 59.9) < 1e-6  # the last of 600 visits is due at 599/600 of a minute
    assert sink.deliveries[-1].event_time == START + timedelta(seconds=59)


def test_schedule_merges_bursts_in_time_order():
    plan = Plan(60, 3, "backfill", START, burst=Burst(600, timedelta(seconds=3), timedelta(seconds=1)))
    offsets = [o for o, _ in schedule(plan)]
    assert offsets == sorted(offsets)


def test_usage_errors_are_clear():
    result = CliRunner().invoke(main, ["simulate", "--to", "ftp:x", "--count", "1"])
    assert result.exit_code == 2 and "unknown sink" in result.output
    result = CliRunner().invoke(main, ["simulate", "--visits-per-minute", "5"])
    assert result.exit_code == 2 and "--duration" in result.output


class _MemorySink:
    errors = 0

    def __init__(self):
        self.deliveries = []

    def write(self, delivery):
        self.deliveries.append(delivery)

    def close(self):
        pass


class _FakeClock:
    def __init__(self):
        self.t = 0.0

    def now(self):
        return self.t

    def sleep(self, seconds):
        self.t += seconds


def test_a_live_run_says_up_front_how_long_it_takes():
    # `--count 500` without --start once ran live for 8 minutes without a word.
    result = CliRunner().invoke(main, ["simulate", "--count", "5", "--visits-per-minute", "6000", "--to", "stdout"])
    assert result.exit_code == 0, result.output
    assert "live: 5 visits at 6,000 a minute take under a second (--start backfills them at once)" in result.stderr
    from glue.simulator.run import live_duration

    assert live_duration(500, 60) == "8 min 20 s" and live_duration(7200, 60) == "2 h"


def test_progress_off_a_terminal_is_a_line_every_ten_seconds():
    import io

    from glue.simulator.run import LineProgress, Stats

    out = io.StringIO()
    progress, stats = LineProgress(every=10, out=out), Stats()
    for elapsed in (1, 2, 9, 11, 15, 21.5):
        stats.visits = int(elapsed * 10)
        stats.kinds = Counter(ok=stats.visits)
        progress(stats, elapsed)
    lines = out.getvalue().splitlines()
    assert [line.split(":")[0].strip() for line in lines] == ["1s", "11s", "22s"]
    assert "\r" not in out.getvalue() and "sent 110 messages (110 visits)" in lines[1]


def test_a_cloud_target_without_credentials_is_one_clear_line(monkeypatch):
    from google.auth.exceptions import DefaultCredentialsError

    def no_credentials(*args, **kwargs):
        raise DefaultCredentialsError("no credentials")

    monkeypatch.setattr("glue.cli.simulate.open_sink", no_credentials)
    monkeypatch.setattr("glue.cli.simulate._local_stack_project", lambda target: None)
    result = CliRunner().invoke(main, ["simulate", "--to", "pubsub:visits", "--count", "1", "--start", "2024-07-01"])
    assert result.exit_code == 2
    assert "no Google Cloud credentials: run `gcloud auth application-default login`" in result.output
    assert "Traceback" not in result.output


def _carts_and_purchases(purchase_signal: bool, count: int = 6000) -> list[tuple[int, bool]]:
    """For each simulated visit with a cart: what it did before buying (pages, cart items,
    desktop), summed, and whether it bought."""
    import random

    from glue.simulator.visits import VisitFactory

    factory, start = VisitFactory(random.Random(7), purchase_signal), datetime(2024, 7, 1, tzinfo=timezone.utc)
    rows = []
    for i in range(count):
        visit = factory.visit(start + timedelta(seconds=i * 14.4))  # a day, every hour of it
        kinds = [e["event"]["event_type"] for e in visit["events"]]
        if "add_item_to_cart" in kinds:
            before = kinds.count("page_view") + kinds.count("add_item_to_cart") + (visit["device_type"] == "desktop")
            rows.append((before, "purchase" in kinds))
    return rows


def _auc(rows: list[tuple[int, bool]]) -> float:
    """The chance that a buyer's score beats a non-buyer's (ties count half): ROC AUC."""
    bought = [s for s, b in rows if b]
    not_bought = Counter(s for s, b in rows if not b)
    wins = sum(n * ((s < b) + 0.5 * (s == b)) for b in bought for s, n in not_bought.items())
    return wins / (len(bought) * sum(not_bought.values()))


def test_the_planted_purchase_signal_is_learnable_and_off_by_default():
    from glue.simulator.products import PURCHASE_GIVEN_CART

    plain, planted = _carts_and_purchases(False), _carts_and_purchases(True)
    for rows in (plain, planted):  # the sample's purchase rate either way
        assert abs(sum(b for _, b in rows) / len(rows) - PURCHASE_GIVEN_CART) < 0.03
    # By default what a visit did says nothing about whether it buys; planted, it says a lot.
    assert abs(_auc(plain) - 0.5) < 0.04
    assert _auc(planted) > 0.68


def test_a_named_purchase_signal_changes_what_a_purchase_depends_on():
    import random

    import pytest

    from glue.simulator.visits import VisitFactory, purchase_chance

    # Planted, an evening desktop visit buys more often than a morning mobile one; reversed, less;
    # halfway, the same: only the cart tells.
    evening_desktop, morning_mobile = (3, 2, "desktop", 20), (3, 2, "mobile", 9)
    planted = [purchase_chance(*v, "planted") for v in (evening_desktop, morning_mobile)]
    reversed_ = [purchase_chance(*v, "reversed") for v in (evening_desktop, morning_mobile)]
    halfway = [purchase_chance(*v, "halfway") for v in (evening_desktop, morning_mobile)]
    assert planted[0] > planted[1] and reversed_[0] < reversed_[1] and halfway[0] == halfway[1]
    with pytest.raises(ValueError, match="no purchase signal 'sideways': one of planted, halfway, reversed"):
        VisitFactory(random.Random(1), "sideways")


def test_the_command_takes_the_signal_by_name_and_plants_it_alone(tmp_path):
    bought = {}
    for value in ([], ["reversed"]):  # alone, the flag plants the signal
        out = tmp_path / (value[0] if value else "planted")
        arguments = ["--count", "3000", "--start", "2024-07-01", "--end", "2024-07-02", "--seed", "3"]
        simulate(tmp_path, *arguments, "--purchase-signal", *value, "--to", f"file:{out}")
        visits = [json.loads(line) for line in read_lines(out)]
        desktop = [v for v in visits if v["device_type"] == "desktop" and len(v["events"]) > 2]
        bought[out.name] = sum(any(e["event"]["event_type"] == "purchase" for e in v["events"]) for v in desktop)
    assert bought["planted"] > bought["reversed"]  # a desktop raises the chance, reversed lowers it
    refused = CliRunner().invoke(main, ["simulate", "--count", "1", "--purchase-signal", "sideways"])
    assert refused.exit_code == 2 and "'sideways' is not one of" in refused.output

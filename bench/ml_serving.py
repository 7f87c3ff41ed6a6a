"""How fast `clickstream ml serve` answers: open-loop HTTP load at steady rates, latency measured
from each request's scheduled time (so a slow answer delays no later request's clock).

    .venv/bin/python bench/ml_serving.py [--rates 300,600,900,1200,1500] [--seconds 20]
                                         [--batch-size 100] [--batch-rate 10] [--batch-seconds 10]

Builds the real sample (or, without it, simulated visits) into a scratch warehouse, trains and
exports the model (`local run --tags ml`), starts the service as `clickstream ml serve` does, and
drives it from a second process with aiohttp: one request every 1/rate seconds whatever the
answers do, 1% of them malformed. Prints throughput and p50/p99/max latency per rate, the highest
rate whose p99 stays within 10 ms, then the same figures for batches ({"instances": [...]} of
--batch-size visits, --batch-rate a second), and checks that every answered prediction, and no
refused request, was stored. Both processes share this machine's cores.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from glue.ports import free_port

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "challenge-lab-visits"
ROOT = Path(__file__).resolve().parents[1]
P99_TARGET_MS = 10.0
SPLIT_CUTOFF = "2024-08-24"  # the sample's last week evaluates, the one before trains


def build(local_dir: Path) -> None:
    """The scratch warehouse: visits, then the ml workflow (train, score, export)."""
    env = {**os.environ, "CLICKSTREAM_LOCAL_DIR": str(local_dir)}
    inputs = str(REAL / "*.jsonl")
    if not REAL.is_dir():
        inputs = str(local_dir / "sim" / "*.jsonl")
        start, end = datetime(2024, 8, 10, tzinfo=timezone.utc).isoformat(), "2024-08-31"
        subprocess.run(
            [sys.executable, "-m", "glue.cli", "simulate", "--to", f"file:{local_dir / 'sim'}", "--count", "8000",
             "--start", start, "--end", end, "--purchase-signal"],
            check=True, env=env, cwd=ROOT,
        )  # fmt: skip
    # The visits are from 2024: the split is pinned where the sample's last week starts (the rolling
    # split would look for the week before today).
    pinned = ["--vars", f"ml_split_cutoff={SPLIT_CUTOFF}"]
    for arguments in (["local", "run", "--input", inputs], ["local", "run", "--tags", "ml", *pinned]):
        subprocess.run([sys.executable, "-c", "from glue.cli import main; main()", *arguments], check=True, env=env,
                       cwd=ROOT, stdout=subprocess.DEVNULL)  # fmt: skip


def requests(count: int, seed: int = 1, batch: int = 0) -> list[bytes]:
    """`count` bodies of one visit each, 1% malformed; with `batch`, `count` batches of that many valid visits."""
    if batch:
        visits = [json.loads(body) for body in requests(count * batch * 100 // 99 + 1, seed) if b'"visit_id"' in body]
        return [json.dumps({"instances": visits[i * batch : (i + 1) * batch]}).encode() for i in range(count)]
    rng, start = random.Random(seed), datetime(2024, 8, 20, tzinfo=timezone.utc)
    bodies = []
    for i in range(count):
        if i % 100 == 99:  # 1%: malformed, refused with a 422 and never stored
            bodies.append(json.dumps({"user_id": "", "page_views": -1}).encode())
            continue
        carts = rng.choice([0, 0, 1, 2, 3])
        visit = {
            "visit_id": f"bench-{i}",
            "user_id": f"UID-{rng.randint(1000, 9999)}",
            "device_type": rng.choice(["desktop", "mobile", "tablet"]),
            "session_start": (start + timedelta(seconds=rng.randint(0, 86400))).isoformat(),
            "page_views": rng.randint(2, 9),
            "cart_additions": carts,
            "cart_value": round(carts * rng.uniform(5, 150), 2),
        }
        bodies.append(json.dumps(visit).encode())
    return bodies


async def drive(url: str, rate: float, seconds: float, batch: int = 0) -> dict:
    """Open loop: request i is sent at start + i / rate; its latency counts from then."""
    import aiohttp

    bodies = requests(int(rate * seconds), batch=batch)
    latencies, statuses = [], {}
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(body: bytes, scheduled: float) -> None:
            async with session.post(url, data=body, headers={"content-type": "application/json"}) as response:
                await response.read()
                statuses[response.status] = statuses.get(response.status, 0) + 1
            latencies.append(time.perf_counter() - scheduled)

        tasks, started = [], time.perf_counter()
        for i, body in enumerate(bodies):
            scheduled = started + i / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(body, scheduled)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - started
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    return {"rate": rate, "sent": len(bodies), "per_second": len(bodies) / elapsed, "p50": pick(0.5),
            "p99": pick(0.99), "max": latencies[-1] * 1000, "statuses": statuses, "batch": batch}  # fmt: skip


def generate(url: str, rate: float, seconds: float, batch: int = 0) -> None:
    """The load generator's own process: one rate, its figures as JSON on stdout. Its garbage
    collector is off while it drives: a collection would delay sends, counted as the server's latency."""
    import gc

    gc.disable()
    print(json.dumps(asyncio.run(drive(url, rate, seconds, batch))))


def _drive_from_another_process(url: str, rate: float, seconds: float, batch: int = 0) -> dict:
    line = subprocess.run(
        [sys.executable, __file__, "--generate", url + "/predict", str(rate), str(seconds), str(batch)],
        capture_output=True, text=True, check=True, cwd=ROOT,
    ).stdout  # fmt: skip
    return json.loads(line)


def _health(url: str) -> dict:
    import urllib.request

    return json.loads(urllib.request.urlopen(url + "/healthz", timeout=5).read())


def _wait_healthy(url: str, process: subprocess.Popen) -> None:
    import urllib.request

    while process.poll() is None:
        try:
            urllib.request.urlopen(url + "/healthz", timeout=1).read()
            return
        except OSError:
            time.sleep(0.1)  # the server's startup: polled, bounded by the process being alive
    raise RuntimeError("the service exited before answering")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rates", default="300,450,600,750,900")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--warm-up", type=float, default=5, help="Seconds at the first rate before measuring.")
    parser.add_argument("--batch-size", type=int, default=100, help="Visits in each batch request.")
    parser.add_argument("--batch-rate", type=float, default=10, help="Batch requests a second.")
    parser.add_argument("--batch-seconds", type=float, default=10)
    parser.add_argument("--generate", nargs=4, metavar=("URL", "RATE", "SECONDS", "BATCH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        generate(args.generate[0], float(args.generate[1]), float(args.generate[2]), int(args.generate[3]))
        return
    with tempfile.TemporaryDirectory(prefix="ml-serving-") as scratch:
        local = Path(scratch)
        build(local)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {**os.environ, "CLICKSTREAM_LOCAL_DIR": str(local)}
        server = subprocess.Popen(
            [sys.executable, "-c", "from glue.cli import main; main()", "ml", "serve", "--port", str(port)],
            env=env, cwd=ROOT, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        results, rates, batches = [], [float(r) for r in args.rates.split(",")], None
        try:
            _wait_healthy(url, server)
            # Steady state: the first answers load the model's code paths and the storing process.
            warm_up = _drive_from_another_process(url, rates[0], args.warm_up)
            print(f"warmed up: {warm_up['sent']} requests at {rates[0]:.0f}/s (not counted below)\n")
            print(f"{'rate/s':>7} {'sent':>6} {'achieved/s':>10} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7}  "
                  "server p99 ms  statuses")  # fmt: skip
            for rate in rates:
                result = _drive_from_another_process(url, rate, args.seconds)
                results.append(result)
                server_p99 = _health(url).get("answer_ms_p99", float("nan"))
                print(f"{rate:7.0f} {result['sent']:6d} {result['per_second']:10.1f} {result['p50']:7.2f} "
                      f"{result['p99']:7.2f} {result['max']:7.1f}  {server_p99:13.2f}  {result['statuses']}")  # fmt: skip
            results.insert(0, warm_up)
            if args.batch_size:
                batches = _drive_from_another_process(url, args.batch_rate, args.batch_seconds, args.batch_size)
                server_p99 = _health(url).get("batch_answer_ms_p99", float("nan"))
                print(f"\nbatches of {args.batch_size} visits at {args.batch_rate:.0f}/s for {args.batch_seconds:.0f} s "
                      f"({batches['sent']} sent, {batches['per_second']:.1f}/s): p50 {batches['p50']:.2f} ms, "
                      f"p99 {batches['p99']:.2f} ms, max {batches['max']:.1f} ms; server p99 {server_p99:.2f} ms; "
                      f"{batches['statuses']}")  # fmt: skip
        finally:
            server.send_signal(signal.SIGINT)  # uvicorn's shutdown: the writer stores what is queued
            server.wait(timeout=60)
        import duckdb

        with duckdb.connect(str(local / "warehouse.duckdb"), read_only=True) as db:
            stored = db.execute("SELECT COUNT(*) FROM clickstream_ml.predictions").fetchone()[0]
        answered = sum(r["statuses"].get("200", 0) for r in results)
        refused = sum(n for r in results for s, n in r["statuses"].items() if s != "200")
        if batches:
            answered += batches["statuses"].get("200", 0) * args.batch_size
            refused += sum(n for s, n in batches["statuses"].items() if s != "200")
        sustained = [
            r["rate"] for r in results[1:] if r["p99"] <= P99_TARGET_MS and r["per_second"] >= 0.98 * r["rate"]
        ]
        print(f"\nhighest rate with p99 <= {P99_TARGET_MS:.0f} ms: {max(sustained) if sustained else 'none'}/s")
        print(f"stored {stored:,} predictions for {answered:,} answered ({refused:,} refused, none stored)")
        if stored != answered:
            sys.exit(f"stored {stored} != answered {answered}")


if __name__ == "__main__":
    main()

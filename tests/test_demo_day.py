"""`clickstream demo` starts from an empty warehouse without losing the one that was there."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

from glue.demo_day import set_aside
from tests.conftest import demo_local_dir

# Enough visits (720) for the model to train, as the demo checks it does.
SMALL_DAY = ("--visits-per-minute", "0.5", "--seed", "3")


def received(output: str) -> int:
    """The lines and messages the demo's reconciliation says the warehouse received."""
    return int(re.search(r"reconciliation: ([\d,]+) lines and messages received", output)[1].replace(",", ""))


def test_an_existing_warehouse_is_moved_aside_and_the_demo_says_where(tmp_path):
    local = tmp_path / ".local"
    local.mkdir()
    (local / "warehouse.duckdb").write_bytes(b"the user's own warehouse")
    with demo_local_dir(local, *SMALL_DAY) as result:
        (aside,) = (tmp_path / ".local.previous").iterdir()
        assert (aside / "warehouse.duckdb").read_bytes() == b"the user's own warehouse"
        assert f"moved to {aside}" in result.output
        assert (local / "warehouse.duckdb").read_bytes() != b"the user's own warehouse"


def test_keep_adds_to_it_and_fresh_deletes_it(tmp_path):
    local = tmp_path / ".local"
    local.mkdir()
    # Not a DuckDB file: the demo can only succeed if --fresh deleted it.
    (local / "warehouse.duckdb").write_bytes(b"the user's own warehouse")
    with demo_local_dir(local, *SMALL_DAY, "--fresh") as fresh:
        assert "moved to" not in fresh.output and not (tmp_path / ".local.previous").exists()
        assert re.search(r"; the champion, purchase_propensity\w*, is exported to ", fresh.output), fresh.output
        first = (local / "warehouse.duckdb").stat().st_size
    with demo_local_dir(local, *SMALL_DAY, "--keep") as kept:
        assert "moved to" not in kept.output and not (tmp_path / ".local.previous").exists()
    assert first > 0
    # The same day again, added to what the first demo loaded.
    assert received(kept.output) == 2 * received(fresh.output) > 0


def test_nothing_to_move_aside():
    assert set_aside(Path("/nonexistent/.local")) is None


def test_set_aside_names_the_time(tmp_path):
    local = tmp_path / "l"
    local.mkdir()
    (local / "x").write_text("x")
    aside = set_aside(local, datetime(2026, 12, 6, 1, 50, tzinfo=timezone.utc))
    assert aside == tmp_path / "l.previous" / "2026-12-06T01-50-00" and (aside / "x").read_text() == "x"
    assert not local.exists()

"""`clickstream replay`: the DoS-alert job's raw archive back through the landing zone."""

from __future__ import annotations

import json
import random
import shutil
from datetime import datetime, timedelta, timezone

from click.testing import CliRunner

from dos_alert.records import RawMessage
from glue.cli import main
from glue.landing.archive import LocalStore, ReplayReport, replay, unwrapped, window_of
from glue.runner import connect
from glue.simulator.visits import VisitFactory
from tests.conftest import using_local_dir

START = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


def cli(*args):
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def counts(settings) -> dict[str, int]:
    connection = connect(settings.warehouse, read_only=True)
    try:
        return {
            table: connection.execute(f"SELECT COUNT(*) FROM clickstream.{table}").fetchone()[0]
            for table in ("sessions", "events", "purchase_items", "rejected_visits")
        }
    finally:
        connection.close()


def archive_name(start: datetime) -> str:
    """As Beam's default file naming writes a window's file."""
    end = start + timedelta(minutes=5)
    return f"raw-{start:%Y-%m-%dT%H:%M:%S}-{end:%Y-%m-%dT%H:%M:%S}-00000-of-00001.jsonl"


def write_archive(folder, payloads: list[str]) -> None:
    """The payloads as the DoS-alert job archives them, a window file per 10 messages."""
    folder.mkdir(parents=True)
    for window, first in enumerate(range(0, len(payloads), 10)):
        messages = [RawMessage(p, (("client_ip", "203.0.113.9"),)).to_json() for p in payloads[first : first + 10]]
        (folder / archive_name(START + timedelta(minutes=5 * window))).write_text("\n".join(messages) + "\n")


def test_archive_delete_the_landing_replay_and_the_counts_are_the_original_ones_and_twice_changes_nothing(tmp_path):
    # The runs skip `local check` (ZetaSQL's analysis of the project): what is tested is the data replayed.
    factory = VisitFactory(random.Random(21))
    payloads = [json.dumps(factory.visit(START + timedelta(minutes=i))) for i in range(40)]
    inputs = tmp_path / "visits.jsonl"
    inputs.write_text("\n".join(payloads) + "\n")

    with using_local_dir(tmp_path / "original") as settings:
        cli("local", "run", "--no-check", "--input", str(inputs))
        original = counts(settings)
        # The same warehouse, its landing objects deleted: what is replayed is already held.
        shutil.rmtree(settings.landing_dir)
        write_archive(settings.local_dir / "archive" / "raw", payloads)
        assert "4 landing objects written" in cli("replay")
        cli("local", "run", "--no-check")
        assert counts(settings) == original
    assert original["sessions"] == 40

    with using_local_dir(tmp_path / "after") as settings:
        write_archive(settings.local_dir / "archive" / "raw", payloads)
        first = cli("replay")
        assert "4 archive files, 40 payloads: 4 landing objects written, 0 already landed unchanged" in first
        cli("local", "run", "--no-check")
        assert counts(settings) == original

        again = cli("replay")
        assert "0 landing objects written, 4 already landed unchanged" in again
        cli("local", "run", "--no-check")
        assert counts(settings) == original


def test_only_the_windows_in_range_are_replayed_and_a_dry_run_lands_nothing(tmp_path):
    archive = tmp_path / "archive" / "raw"
    write_archive(archive, [json.dumps({"n": i}) for i in range(30)])
    landing = LocalStore(tmp_path / "landing")
    report = replay(
        LocalStore(tmp_path / "archive"),
        "raw",
        landing,
        "visits",
        "hour=2026-12-01T10",
        since=START + timedelta(minutes=5),
        until=START + timedelta(minutes=10),
        dry_run=True,
    )
    assert report.archive_files == 1 and report.payloads == 10
    assert report.written == [f"visits/hour=2026-12-01T10/replay-{archive_name(START + timedelta(minutes=5))}"]
    assert list(landing.names("visits/")) == []


def test_a_line_that_cannot_be_landed_is_counted_with_its_reason():
    report = ReplayReport()
    lines = [
        RawMessage('{"a": 1}', ()).to_json(),
        RawMessage('{"a":\n 1}', ()).to_json(),
        "not json",
        json.dumps({"payload": 7}),
        "",
    ]
    assert unwrapped("\n".join(lines).encode(), report) == ['{"a": 1}']
    assert report.not_landed == {
        "its payload spans lines": 1,
        "not an archived message": 1,
        "its payload is not a string": 1,
    }
    assert "3 not landed" not in report.summary() and "1 not landed: its payload spans lines" in report.summary()


def test_archive_file_names_give_their_windows():
    assert window_of(f"archive/raw/{archive_name(START)}") == (START, START + timedelta(minutes=5))
    assert window_of("archive/raw/notes.txt") is None


def test_the_archive_can_be_a_local_folder_moved_elsewhere(tmp_path):
    source = tmp_path / "copied"
    write_archive(source, [json.dumps({"n": 1})])
    with using_local_dir(tmp_path / "local") as settings:
        output = cli("replay", "--from", str(source))
        assert "1 archive files, 1 payloads: 1 landing objects written" in output
        landed = list(settings.landing_path.glob("hour=*/replay-*.jsonl"))
        assert [p.read_text() for p in landed] == ['{"n": 1}\n']
    shutil.rmtree(source)

"""`clickstream local dev`: saved files handed to the session as file events, never by waiting."""

import copy
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from glue.dev_loop import DevSession, Watcher, describe
from glue.runner import RunOptions, connect, run_workflow
from glue.settings import get_settings
from tests.conftest import BASE_VISIT, standalone_project, using_local_dir

MART = "definitions/marts/visits_by_page.sqlx"
SESSIONS = "definitions/curated/sessions.sqlx"


def _visits() -> list[dict]:
    """Three visits: two see the products page, one only the home page."""
    visits = []
    for n, pages in enumerate((["home", "products"], ["home", "products"], ["home"])):
        visit = copy.deepcopy(BASE_VISIT)
        visit["session_id"] = f"SID-{n}"
        visit["events"] = [e for e in visit["events"] if e["event"]["event_type"] == "page_view"]
        visit["events"] = [e for e in visit["events"] if e["event"]["details"]["page_url"].rsplit("/", 1)[1] in pages]
        visits.append(visit)
    return visits


@pytest.fixture(scope="module")
def session(settings, tmp_path_factory):
    """A session on a copy of the project, over a warehouse built from _visits()."""
    scratch = tmp_path_factory.mktemp("dev")
    project = standalone_project(settings, scratch / "project")
    inputs = scratch / "inputs" / "visits-2024-07-01T09.jsonl"
    inputs.parent.mkdir()
    inputs.write_text("".join(json.dumps(v) + "\n" for v in _visits()))
    with using_local_dir(scratch / "local"):
        local = get_settings(project)
        report, _, _ = run_workflow(local, RunOptions(inputs=(str(inputs),)))
        assert report.ok, [r.message for r in report.failed()]
        with DevSession(local) as running:
            assert not running.start().problems
            yield running


def _save(session, file: str, old: str, new: str) -> Path:
    path = session.settings.root / file
    text = path.read_text()
    assert old in text, f"{file} no longer holds {old!r}: update the test"
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.fixture
def restored(session):
    """Puts back every file a test saved, and the session's tables with it."""
    saved = {p: p.read_text() for p in (session.settings.root / "definitions").rglob("*.sqlx")}
    yield
    changed = [p for p, text in saved.items() if p.read_text() != text]
    for path in changed:
        path.write_text(saved[path])
    if changed:
        assert session.changed(changed).ok


def test_an_edited_mart_is_checked_rebuilt_and_diffed_against_its_rows_before(session, restored):
    hits = session.memo.hits
    path = _save(
        session, MART, 'FROM ${ref("page_totals")}', "FROM ${ref(\"page_totals\")} WHERE page_url NOT LIKE '%/home'"
    )
    report = session.changed([path])
    assert report.ok and report.edited == ["clickstream.visits_by_page"]
    # Only the edited action was analyzed again: every other one came from the memo.
    assert session.memo.hits - hits == len(session.graph.actions) - 1
    diff = report.diffs["clickstream.visits_by_page"]
    # A view has no uniqueKey: its first column, unique, matches the rows.
    assert diff.key == ["page_url"] and (diff.before_rows, diff.after_rows, diff.removed, diff.added) == (2, 1, 1, 0)
    assert [(c.name, c.changed) for c in diff.column_changes if c.changed] == [("share_of_page_views", 1)]
    columns, rows, total = report.rows["clickstream.visits_by_page"]
    assert total == 1 and rows[0][columns.index("page_url")] == "https://example.com/products"
    assert [r.action.name for r in report.results if r.action.kind == "assertion"]  # its checks ran
    text = describe(report)
    assert "saved definitions/marts/visits_by_page.sqlx" in text and "clickstream.visits_by_page: 1 of 1 rows" in text
    assert "removed: 1 row" in text and "https://example.com/home" in text
    with connect(session.warehouse) as db:  # the copies the diff read are gone
        assert db.execute(
            "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = 'dev_before'"
        ).fetchone() == (0,)


def test_an_edited_incremental_model_rebuilds_what_depends_on_it_and_runs_its_assertions(session, restored):
    path = _save(session, SESSIONS, "AS page_view_count", "+ 1 AS page_view_count")
    report = session.changed([path])
    assert report.edited == ["clickstream.sessions"] and not report.problems
    sessions = report.diffs["clickstream.sessions"]
    assert sessions.key == ["visit_id"] and sessions.changed == 3
    assert [(c.name, c.changed) for c in sessions.column_changes if c.changed] == [("page_view_count", 3)]
    assert "clickstream.visits_by_device" in report.diffs  # a dependant, rebuilt and diffed
    assert "clickstream_ml.purchase_propensity" in report.apart  # named, not retrained
    # Page views no longer match the events: the reconciliation says so, and the edit is not ok.
    [failed] = [r.action.name for r in report.results if r.status == "failed"]
    assert failed == "clickstream_assertions.assert_events_reconcile" and not report.ok
    text = describe(report)
    assert "what depends on it:" in text and "assertion clickstream_assertions.assert_events_reconcile: failed" in text


def test_a_problem_is_shown_at_its_line_and_nothing_runs(session, restored):
    path = _save(session, MART, 'ref("page_totals")', 'ref("page_totalz")')
    with connect(session.warehouse) as db:
        before = db.execute("SELECT COUNT(*) FROM clickstream.visits_by_page").fetchone()
    report = session.changed([path])
    assert not report.ok and not report.results
    [problem] = report.problems
    text = describe(report)
    assert f"{MART}:" in text and "^" in text and 'did you mean "page_totals"' in text
    assert "not run: fix the problem above and save" in text
    with connect(session.warehouse) as db:
        assert db.execute("SELECT COUNT(*) FROM clickstream.visits_by_page").fetchone() == before


def test_a_save_that_compiles_the_same_runs_nothing(session, restored):
    path = _save(session, MART, "// A view over", "//  A view over")
    report = session.changed([path])
    assert report.ok and report.edited == [] and not report.results
    assert "no action compiles differently" in describe(report)


def test_the_watcher_names_written_added_and_removed_files(tmp_path):
    (tmp_path / "definitions").mkdir()
    kept, removed = tmp_path / "definitions" / "a.sqlx", tmp_path / "definitions" / "b.sqlx"
    kept.write_text("SELECT 1")
    removed.write_text("SELECT 2")
    watcher = Watcher(tmp_path)
    assert watcher.poll() == []
    stat = kept.stat()
    os.utime(kept, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))  # a save, without waiting for the clock
    added = tmp_path / "includes" / "c.js"
    added.parent.mkdir()
    added.write_text("module.exports = {}")
    removed.unlink()
    assert watcher.poll() == [kept, removed, added]
    assert watcher.poll() == []


def test_the_command_reports_each_save_until_stopped(session, restored, monkeypatch):
    from glue.cli import local_dev, main
    from glue.runner import WarehouseBusy

    path = _save(session, MART, "// A view over", "//  A view over")
    polls = iter([[path], [path], [path]])
    changed, calls = DevSession.changed, []

    def busy_once(self, files):
        calls.append(files)
        if len(calls) == 2:  # the second save finds the warehouse held by another process
            raise WarehouseBusy("the warehouse is in use by another process")
        return changed(self, files)

    class Saved:
        def __init__(self, root):
            pass

        def poll(self):
            try:
                return next(polls)
            except StopIteration:
                raise KeyboardInterrupt from None

    monkeypatch.setattr("glue.dev_loop.Watcher", Saved)
    monkeypatch.setattr(DevSession, "changed", busy_once)
    monkeypatch.setattr(local_dev.time, "sleep", lambda seconds: None)
    monkeypatch.setattr("glue.settings.get_settings", lambda: session.settings)
    result = CliRunner().invoke(main, ["local", "dev"])
    assert result.exit_code == 0, result.output
    assert "ready [compile" in result.output and "saved definitions/marts/visits_by_page.sqlx" in result.output
    assert "no action compiles differently" in result.output and "stopped" in result.output
    # A busy warehouse is named, and the next save is handled as usual.
    assert "not run: the warehouse is in use by another process" in result.output
    assert len(calls) == 3 and result.output.count("no action compiles differently") == 2

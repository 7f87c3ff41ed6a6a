"""`clickstream local diff`: a mart changed in a git repository's working copy (a filter, a renamed
and an added column) against its main branch, built on the same few landed visits; a new mart; an
unknown model or ref."""

import copy
import json
import subprocess
from dataclasses import replace

import pytest
from click.testing import CliRunner

from glue.cli import main
from glue.landing import land_files
from glue.runner import connect
from tests.conftest import BASE_VISIT, copy_project

CHANGED_MART = """config {
  type: "view",
  description: "Dashboard: visits by page, but the checkout.",
  columns: {
    page_url: "Page viewed.",
    page_views: "Page views of the page.",
    distinct_visits: "Distinct visits that viewed the page.",
    share_of_page_views: "The page's share of all page views, 0 to 1.",
    page_path: "The page's path."
  },
  tags: ["marts"]
}

SELECT
  page_url,
  page_views,
  visits AS distinct_visits,
  ROUND(page_views / SUM(page_views) OVER (), 4) AS share_of_page_views,
  REGEXP_REPLACE(page_url, r'^https?://[^/]+', '') AS page_path
FROM ${ref("page_totals")}
WHERE page_url != 'https://example.com/checkout'
"""

NEW_MART = """config {
  type: "view",
  description: "The pages viewed.",
  columns: {page_url: "Page viewed."},
  tags: ["marts"]
}

SELECT page_url FROM ${ref("page_totals")}
"""


def _visit(session: str, *pages: str) -> dict:
    visit = copy.deepcopy(BASE_VISIT)
    visit["session_id"] = session
    event = visit["events"][0]
    visit["events"] = []
    for second, page in enumerate(pages):
        viewed = copy.deepcopy(event)
        viewed["event"]["timestamp"] = f"2024-07-01T10:00:{second:02d}"
        viewed["event"]["details"]["page_url"] = f"https://example.com/{page}"
        visit["events"].append(viewed)
    return visit


@pytest.fixture(scope="module")
def project(settings, tmp_path_factory):
    """A git repository of the project whose main branch is the project as it is, and whose working
    copy changes visits_by_page and adds a mart; a local dir with four visits landed (two views of
    /home, one each of /products, /about and /checkout) and a warehouse of empty sources."""
    tmp = tmp_path_factory.mktemp("diff")
    root = copy_project(settings, tmp / "repo")
    (root / "node_modules" / ".bin").mkdir()
    (root / "node_modules" / ".bin" / "dataform").symlink_to(settings.dataform_cli.resolve())
    (root / ".gitignore").write_text("node_modules/\n")
    git = ["git", "-C", str(root), "-c", "user.name=test", "-c", "user.email=test@example.com"]
    for command in (["init", "--quiet", "-b", "main"], ["add", "."], ["commit", "--quiet", "-m", "the project"]):
        subprocess.run([*git, *command], check=True, capture_output=True)
    (root / "definitions" / "marts" / "visits_by_page.sqlx").write_text(CHANGED_MART)
    (root / "definitions" / "marts" / "pages_seen.sqlx").write_text(NEW_MART)
    local = replace(settings, root=root, local_dir=tmp / "local")
    visits = tmp / "in" / "visits-2024-07-01T10.jsonl"
    visits.parent.mkdir()
    chosen = [BASE_VISIT, _visit("SID-2", "home", "about"), _visit("SID-3", "checkout")]
    visits.write_text("".join(json.dumps(v) + "\n" for v in chosen))
    land_files([visits], local)
    connect(local.warehouse).close()
    return local


@pytest.fixture
def diff(project, monkeypatch):
    monkeypatch.setattr("glue.cli.local_diff.get_settings", lambda: project)

    def run(*args):
        return CliRunner().invoke(main, ["local", "diff", *args])

    return run


def test_a_filter_a_renamed_and_an_added_column_are_counted(diff):
    result = diff("visits_by_page", "--key", "page_url", "--format", "json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert found["model"] == "clickstream.visits_by_page" and found["key"] == ["page_url"]
    # The filter: /checkout removed; the three other pages matched, each with a new share.
    assert found["rows"] == {"before": 4, "after": 3, "added": 0, "removed": 1, "changed": 3, "unchanged": 0}
    assert [row["page_url"] for row in found["samples"]["removed"]] == ["https://example.com/checkout"]
    # The rename is a column dropped and one added (the key still matches the rows); page_path is added.
    assert found["columns"] == {
        "added": [{"name": "distinct_visits", "type": "BIGINT"}, {"name": "page_path", "type": "VARCHAR"}],
        "dropped": [{"name": "visits", "type": "BIGINT"}],
        "retyped": [],
    }
    changes = {c["name"]: c for c in found["changed_columns"]}
    assert {name: c["changed"] for name, c in changes.items()} == {"page_views": 0, "share_of_page_views": 3}
    assert changes["share_of_page_views"]["samples"][0] == {
        "key": {"page_url": "https://example.com/about"},
        "before": 0.2,
        "after": 0.25,
    }


def test_the_table_names_the_versions_and_a_new_model_has_every_row_added(diff):
    result = diff("pages_seen")
    assert result.exit_code == 0, result.output
    assert "built clickstream.pages_seen in the working copy" in result.stderr
    lines = result.stdout.splitlines()
    # A view declares no uniqueKey: its first column, unique in both versions, matches the rows.
    assert lines[0].startswith("clickstream.pages_seen at main (") and "rows matched on page_url" in lines[0]
    assert "no uniqueKey: rows matched on page_url, the first column" in result.stdout
    assert "main has no clickstream.pages_seen: the model is new, every row is added" in result.stdout
    counts = lines[lines.index("  before  after  added  removed  changed  unchanged") + 1].split()
    assert counts == ["0", "4", "4", "0", "0", "0"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["visits_by_pag"], "no action named 'visits_by_pag' (did you mean visits_by_page?)"),
        (["visits_by_page", "--base", "nope"], "no commit 'nope' in the git repository at"),
    ],
)
def test_an_unknown_model_or_ref_is_named(diff, args, message):
    result = diff(*args)
    assert result.exit_code == 2 and message in result.stderr

"""The analyst's watch loop, `clickstream local dev`: each saved SQLX file, include or setting
compiled, checked as BigQuery would, rebuilt on the local warehouse with what depends on it, and
diffed with the rows before the save.

- `DevSession(settings)`: the warm compiler, ZetaSQL and check memo; `start()`, then
  `changed(files)` for each save, returning an `EditReport`;
- `Watcher(root)`: `poll()` returns the project files saved since the last poll;
- `describe(report)`: the report as the terminal shows it.
"""

from glue.dev_loop.report_text import describe
from glue.dev_loop.session import DevSession, EditReport
from glue.dev_loop.watcher import Watcher

__all__ = ["DevSession", "EditReport", "Watcher", "describe"]

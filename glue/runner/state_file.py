"""The small JSON files a local run keeps beside the warehouse for the next one (translations,
action times): read forgivingly, written whole or not at all."""

from __future__ import annotations

import json
from pathlib import Path


def read_state(path: Path | None) -> dict:
    """The stored object, or {} when there is none or it is torn (an interrupted run) or foreign:
    the file is only a cache, and the run that finds it so writes a good one."""
    if path is None or not path.exists():
        return {}
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return {}
    return stored if isinstance(stored, dict) else {}


def write_state(path: Path | None, data: dict) -> None:
    """Write to a sibling file, then rename over the old one, so a reader never sees half."""
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
    partial.replace(path)

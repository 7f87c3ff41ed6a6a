"""Archived raw messages back into the landing zone, for the next run to load.

The DoS-alert job archives every valid message it reads as JSON lines, one file set per window:
`<archive>/raw/raw-<window start>-<window end>-<shard>-of-<shards>.jsonl`, each line
`{"payload": ..., "attributes": {...}}`. A replay unwraps each line's payload, verbatim (its
bytes are its identity: the payload store drops one it already holds), into one landing object
per archive file, `replay-<archive file name>`, under this hour's `hour=` partition. An object of
that name already landed with the same lines is left alone, so replaying a range twice changes
nothing. A line that is not an archived message, or whose payload spans lines (it could not be
one landing line), is not landed and is counted with its reason.

Archives and landing zones are local directories (the local stack) or Cloud Storage buckets.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator, Protocol

_WINDOW = re.compile(r"^raw-(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)-(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)-.*\.jsonl$")


@dataclass
class ReplayReport:
    archive_files: int = 0
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    payloads: int = 0
    not_landed: dict[str, int] = field(default_factory=dict)  # reason -> lines

    def summary(self) -> str:
        skipped = "".join(f"; {n:,} not landed: {reason}" for reason, n in self.not_landed.items())
        return (
            f"{self.archive_files} archive files, {self.payloads:,} payloads: {len(self.written)} landing objects "
            f"written, {len(self.unchanged)} already landed unchanged{skipped}"
        )


class Store(Protocol):
    """A directory of objects: a local folder or a Cloud Storage prefix."""

    def names(self, prefix: str) -> Iterator[str]: ...

    def read(self, name: str) -> bytes: ...

    def write(self, name: str, data: bytes) -> None: ...


class LocalStore:
    def __init__(self, root: Path):
        self.root = root

    def names(self, prefix: str) -> Iterator[str]:
        base = self.root / prefix
        if base.is_dir():
            yield from (str(p.relative_to(self.root)) for p in sorted(base.rglob("*")) if p.is_file())

    def read(self, name: str) -> bytes:
        return (self.root / name).read_bytes()

    def write(self, name: str, data: bytes) -> None:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


class BucketStore:
    """A Cloud Storage bucket through the official client (the emulator's, when its host is set)."""

    def __init__(self, client, bucket: str):
        self.bucket = client.bucket(bucket)
        self.client = client

    def names(self, prefix: str) -> Iterator[str]:
        yield from (blob.name for blob in self.client.list_blobs(self.bucket, prefix=prefix))

    def read(self, name: str) -> bytes:
        return self.bucket.blob(name).download_as_bytes()

    def write(self, name: str, data: bytes) -> None:
        self.bucket.blob(name).upload_from_string(data, content_type="application/x-ndjson")


def window_of(name: str) -> tuple[datetime, datetime] | None:
    """The [start, end) window an archive file holds, from its name; None for other files."""
    match = _WINDOW.match(Path(name).name)
    if not match:
        return None
    start, end = (datetime.fromisoformat(t).replace(tzinfo=timezone.utc) for t in match.groups())
    return start, end


def unwrapped(data: bytes, report: ReplayReport) -> list[str]:
    """The payloads of an archive file's lines; what cannot be landed is counted in `report`."""
    payloads = []
    for line in data.decode("utf-8", errors="replace").splitlines():
        if not line.strip():
            continue
        try:
            payload = json.loads(line)["payload"]
        except (ValueError, KeyError, TypeError):
            reason = "not an archived message"
        else:
            if not isinstance(payload, str):
                reason = "its payload is not a string"
            elif "\n" in payload or "\r" in payload:
                reason = "its payload spans lines"
            else:
                payloads.append(payload)
                continue
        report.not_landed[reason] = report.not_landed.get(reason, 0) + 1
    return payloads


def replay(
    archive: Store,
    archive_prefix: str,
    landing: Store,
    landing_prefix: str,
    hour_partition: str,
    since: datetime | None = None,
    until: datetime | None = None,
    dry_run: bool = False,
) -> ReplayReport:
    """Land the payloads of the archive files whose windows overlap [since, until)."""
    report = ReplayReport()
    landed = {Path(n).name: n for n in landing.names(f"{landing_prefix}/") if Path(n).name.startswith("replay-")}
    for name in archive.names(f"{archive_prefix.rstrip('/')}/"):
        window = window_of(name)
        if window is None or (since and window[1] <= since) or (until and window[0] >= until):
            continue
        report.archive_files += 1
        payloads = unwrapped(archive.read(name), report)
        report.payloads += len(payloads)
        if not payloads:
            continue
        target_name = f"replay-{Path(name).name}"
        data = ("\n".join(payloads) + "\n").encode("utf-8")
        existing = landed.get(target_name)
        if existing is not None and landing.read(existing) == data:
            report.unchanged.append(existing)
            continue
        # A replay object of that name landed in an earlier hour is rewritten where it is.
        target = existing or f"{landing_prefix}/{hour_partition}/{target_name}"
        if not dry_run:
            landing.write(target, data)
        report.written.append(target)
    return report

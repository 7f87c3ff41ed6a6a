"""Files copied into the landing bucket's directory, as an upload to the bucket would land them."""

from __future__ import annotations

import filecmp
import shutil
from pathlib import Path

from glue.settings import Settings


def landing_target(source: Path, settings: Settings) -> tuple[Path, bool]:
    """Where an input file lands (a .jsonl object in the landing bucket's directory), and whether
    that object already holds the same bytes."""
    name = source.name if source.suffix == ".jsonl" else source.name + ".jsonl"
    # An object of that name already landed (in any hour) is overwritten in place, as an upload
    # under the same name would; a new one lands under this hour's partition.
    landed = sorted(settings.landing_path.glob(f"hour=*/{name}"))
    if landed:
        return landed[0], filecmp.cmp(source, landed[0], shallow=False)
    return settings.landing_hour_path() / name, False


def land_files(inputs: list[Path], settings: Settings) -> list[Path]:
    """Copy input files into the landing bucket's directory, as an upload to the bucket would."""
    settings.landing_path.mkdir(parents=True, exist_ok=True)
    landed = []
    for source in inputs:
        target, unchanged = landing_target(source, settings)
        if not unchanged:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        landed.append(target)
    return landed

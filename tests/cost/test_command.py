"""`clickstream local run --bigquery-cost`: each action's bill, on a build and on an hourly run."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner

from glue.cli import main
from tests.conftest import BASE_VISIT


def _bill(output: str, action: str) -> str:
    """The block of the bill for one action: its line and its reads."""
    match = re.search(rf"^  {re.escape(action)} \((\w+)\): .*?(?=^  \S|\Z)", output, re.S | re.M)
    assert match, output
    return match.group(0)


def test_the_bill_names_each_read_and_an_incremental_run_reads_only_the_new_loads(workspace):
    source = workspace / "in" / "visits-2024-07-01T09.jsonl"
    source.parent.mkdir()
    source.write_text(json.dumps(BASE_VISIT) + "\n")
    runner = CliRunner()
    build = runner.invoke(
        main, ["local", "run", "--no-notify", "--bigquery-cost", "--tags", "curated", "--input", str(source)]
    )
    assert build.exit_code == 0, build.output
    assert "BigQuery bytes billed" in build.output and "run total:" in build.output
    sessions = _bill(build.output, "clickstream.sessions")
    assert "(full)" in sessions and "create table" in sessions
    assert re.search(r"clickstream_staging\.stg_visits +\S+ \w+ \(10 MB minimum\)", sessions)

    again = runner.invoke(main, ["local", "run", "--no-notify", "--bigquery-cost", "--tags", "curated"])
    assert again.exit_code == 0, again.output
    sessions = _bill(again.output, "clickstream.sessions")
    # The hourly shape: the watermark read from the newest blocks, an INSERT (no MERGE of the
    # target), each staging table read in the blocks of the loads after it.
    assert "(incremental)" in sessions and "DECLARE loaded_after" in sessions and "insert" in sessions
    assert "merge" not in sessions and "[target]" not in sessions
    staging = [line for line in sessions.splitlines() if "clickstream_staging." in line]
    assert staging and all("pruned by blocks+partitions" in line for line in staging)

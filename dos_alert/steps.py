"""The DoS-alert job's step names, as Dataflow's in-place update matches them.

An update (`clickstream dos-alert deploy` on a running job) carries the running job's state
over step by step, matching steps by their full transform names ("Count page views/Count").
A renamed or removed step loses its state and fails Dataflow's compatibility check unless
TRANSFORM_NAME_MAPPING says what it became. RECORDED_STEPS is the graph the last deployed code
had; tests/dos_alert/test_step_names.py fails when the graph differs from it, and says whether
a mapping is missing. After changing the graph:

    python -m dos_alert.steps          # prints the new RECORDED_STEPS to paste below

This module imports Apache Beam only to build the graph, so the deploy command can read the
mapping without Beam installed.
"""

from __future__ import annotations

# Old full name -> new full name ("" for a step removed on purpose). A composite's mapping covers
# the steps inside it. Keep an entry until every environment runs the new names.
TRANSFORM_NAME_MAPPING: dict[str, str] = {}

# Dummy values the graph is built with; only their shape matters (Beam checks the names).
_GRAPH_ARGS = [
    "--subscription=projects/step-names/subscriptions/visits",
    "--alerts-topic=projects/step-names/topics/alerts",
    "--counts-table=step-names:dataset.counts",
    "--archive-dir=gs://step-names/archive",
]


def graph_step_names(extra_args: list[str] | None = None) -> list[str]:
    """Every transform's full label in dos_alert.pipeline.build's graph, parents before children,
    built without running it (no Pub/Sub, BigQuery or Cloud Storage is touched)."""
    import logging

    import apache_beam as beam
    from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions

    from dos_alert.pipeline import DosAlertOptions, build

    options = PipelineOptions([*_GRAPH_ARGS, *(extra_args or [])])
    options.view_as(StandardOptions).streaming = True
    pipeline = beam.Pipeline(runner="BundleBasedDirectRunner", options=options)
    quiet = logging.getLogger("apache_beam.transforms.core")
    level, quiet.level = quiet.level, logging.ERROR  # windowing notes about the archive's Flatten
    try:
        build(pipeline, options.view_as(DosAlertOptions))
    finally:
        quiet.setLevel(level)
    names: list[str] = []

    def walk(transform) -> None:
        for part in transform.parts:
            names.append(part.full_label)
            walk(part)

    walk(pipeline._root_transform())
    return names


def mapped(name: str, mapping: dict[str, str]) -> str | None:
    """What `name` is called after `mapping` (by its longest mapped prefix), or None if unmapped."""
    parts = name.split("/")
    for cut in range(len(parts), 0, -1):
        old = "/".join(parts[:cut])
        if old in mapping:
            new = mapping[old]
            return "/".join([new, *parts[cut:]]) if new else ""
    return None


def update_problems(recorded: list[str], current: list[str], mapping: dict[str, str]) -> list[str]:
    """Why a job running `recorded` cannot be updated in place to `current` with `mapping`; []
    when it can. New steps are fine; a step that is gone needs a mapping."""
    present = set(current)
    problems = []
    for name in recorded:
        if name in present:
            continue
        target = mapped(name, mapping)
        if target == "":
            continue  # removed on purpose
        if target is None:
            problems.append(
                f"step {name!r} is no longer in the graph: if it was renamed, add "
                f"TRANSFORM_NAME_MAPPING[{name.split('/')[0]!r}] = '<new name>' in dos_alert/steps.py "
                f"(or '' if it was removed), so Dataflow can update the running job in place"
            )
        elif target not in present:
            problems.append(f"step {name!r} is mapped to {target!r}, which is not in the graph")
    return problems


def recorded_steps_source(names: list[str]) -> str:
    """RECORDED_STEPS as Python, to paste into this module."""
    return "RECORDED_STEPS: tuple[str, ...] = (\n" + "".join(f"    {n!r},\n" for n in names) + ")\n"


# The graph as last deployed (python -m dos_alert.steps prints it).
RECORDED_STEPS: tuple[str, ...] = (
    "Read visits",
    "Read visits/Read",
    "Read visits/ParDo(_AddMetricsPassThrough)",
    "Read visits/Map(_from_proto_str)",
    "Parse",
    "Parse/ParDo(_ParseVisit)",
    "Parse/ParDo(_ParseVisit)/ParDo(_ParseVisit)",
    "Count page views",
    "Count page views/Key by window",
    "Count page views/Divert too-late views",
    "Count page views/Divert too-late views/ParDo(_LatenessGate)",
    "Count page views/Key by dimension",
    "Count page views/Window",
    "Count page views/Count",
    "Count page views/Count/GroupByKey",
    "Count page views/Count/Combine",
    "Count page views/Count/Combine/ParDo(CombineValuesDoFn)",
    "Count page views/As records",
    "Detect bursts",
    "Detect bursts/Key by dimension and key",
    "Detect bursts/Alert once per window",
    "Publish alerts",
    "Publish alerts/Log as WARNING",
    "Publish alerts/As JSON",
    "Publish alerts/To the alerts topic",
    "Publish alerts/To the alerts topic/ToProtobufY",
    "Publish alerts/To the alerts topic/ParDo(_PubSubWriteDoFn)",
    "Write counts",
    "Write counts/As BigQuery rows",
    "Write counts/Stream into BigQuery",
    "Write counts/Stream into BigQuery/_StreamToBigQuery",
    "Write counts/Stream into BigQuery/_StreamToBigQuery/AppendDestination",
    "Write counts/Stream into BigQuery/_StreamToBigQuery/AddInsertIds",
    "Write counts/Stream into BigQuery/_StreamToBigQuery/ToHashableTableRef",
    "Write counts/Stream into BigQuery/_StreamToBigQuery/WithFixedSharding",
    "Write counts/Stream into BigQuery/_StreamToBigQuery/CommitInsertIds",
    "Write counts/Stream into BigQuery/_StreamToBigQuery/CommitInsertIds/Map(reify_metadata_custom_window)",
    "Write counts/Stream into BigQuery/_StreamToBigQuery/CommitInsertIds/GroupByKey",
    "Write counts/Stream into BigQuery/_StreamToBigQuery/CommitInsertIds/FlatMap(restore_metadata_custom_window)",
    "Write counts/Stream into BigQuery/_StreamToBigQuery/DropShard",
    "Write counts/Stream into BigQuery/_StreamToBigQuery/FromHashableTableRef",
    "Write counts/Stream into BigQuery/_StreamToBigQuery/StreamInsertRows",
    "Write counts/Stream into BigQuery/_StreamToBigQuery/StreamInsertRows/ParDo(BigQueryWriteFn)",
    "Archive raw",
    "Archive raw/Archive window",
    "Archive raw/As JSON lines",
    "Archive raw/Write files",
    "Archive raw/Write files/ParDo(_WriteUnshardedRecordsFn)",
    "Archive raw/Write files/ParDo(_WriteUnshardedRecordsFn)/ParDo(_WriteUnshardedRecordsFn)",
    "Archive raw/Write files/ParDo(_AppendShardedDestination)",
    "Archive raw/Write files/GroupRecordsByDestinationAndShard",
    "Archive raw/Write files/ParDo(_WriteShardedRecordsFn)",
    "Archive raw/Write files/Flatten",
    "Archive raw/Write files/Map(<lambda at fileio.py:811>)",
    "Archive raw/Write files/GroupTempFilesByDestination",
    "Archive raw/Write files/ParDo(_MoveTempFilesIntoFinalDestinationFn)",
    "Archive dead letters",
    "Archive dead letters/Archive window",
    "Archive dead letters/As JSON lines",
    "Archive dead letters/Write files",
    "Archive dead letters/Write files/ParDo(_WriteUnshardedRecordsFn)",
    "Archive dead letters/Write files/ParDo(_WriteUnshardedRecordsFn)/ParDo(_WriteUnshardedRecordsFn)",
    "Archive dead letters/Write files/ParDo(_AppendShardedDestination)",
    "Archive dead letters/Write files/GroupRecordsByDestinationAndShard",
    "Archive dead letters/Write files/ParDo(_WriteShardedRecordsFn)",
    "Archive dead letters/Write files/Flatten",
    "Archive dead letters/Write files/Map(<lambda at fileio.py:811>)",
    "Archive dead letters/Write files/GroupTempFilesByDestination",
    "Archive dead letters/Write files/ParDo(_MoveTempFilesIntoFinalDestinationFn)",
)

if __name__ == "__main__":
    import json
    import sys

    names = graph_step_names()
    print(json.dumps(names) if "--json" in sys.argv[1:] else recorded_steps_source(names), end="")

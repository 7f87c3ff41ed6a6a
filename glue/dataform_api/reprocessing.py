"""The reprocessing of a range of loads on Dataform, as the cloud erasure (glue/privacy/cloud_erasure.py)
runs it: one invocation a range, compiled with the range's vars, followed to its end."""

from __future__ import annotations

from datetime import datetime
from typing import Callable

from google.cloud import dataform_v1

from glue.dataform_api import invocations as ops
from glue.dataform_api.schedule import compilation_config
from glue.runner import LoadRange, compile_graph, reprocess_selection
from glue.settings import Environment, Settings


def dataform_reprocessor(
    client,
    repository: str,
    target: Environment,
    settings: Settings,
    tag_vars: dict[str, str],
    on_action: Callable[[object], None] = lambda action: None,
    poll_seconds: float = 10,
) -> Callable[[datetime, datetime], list[str]]:
    """reprocess(start, end): a Dataform invocation of the reprocessing of [start, end), compiled
    in `target` with its policy tags (`tag_vars`) and the range's vars, of the actions the local
    compilation names, followed to its end; returns the failed actions (none when it succeeded)."""

    def reprocess(start: datetime, end: datetime) -> list[str]:
        variables = LoadRange(start, end).variables()
        graph = compile_graph(settings, variables)
        actions = [graph.actions[name] for name in reprocess_selection(graph, settings.separate_tags)]
        targets = [(target.project, target.dataset(a.schema), target.table(a.table)) for a in actions]
        config = compilation_config(target, {**tag_vars, **variables})
        result = ops.compile_result(client, repository, target.git_commitish, config=config)
        invocation = ops.start_run(
            client, repository, ops.invocation_config(targets=targets, dependencies=False), result.name
        )
        final = ops.wait(client, invocation.name, on_action, poll_seconds)
        if final.state == dataform_v1.WorkflowInvocation.State.SUCCEEDED:
            return []
        failed = ops.failed_actions(client, invocation.name)
        return [f"{a.target.schema}.{a.target.name}: {a.failure_reason}" for a in failed] or [
            f"{invocation.name} ended {final.state.name}"
        ]

    return reprocess

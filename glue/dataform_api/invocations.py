"""Compiling and running the workflow on Dataform (v1 API), and watching a run to its end."""

from __future__ import annotations

import time
from typing import Callable

from google.cloud import dataform_v1

TERMINAL = {
    dataform_v1.WorkflowInvocation.State.SUCCEEDED,
    dataform_v1.WorkflowInvocation.State.FAILED,
    dataform_v1.WorkflowInvocation.State.CANCELLED,
}


class CompilationFailed(RuntimeError):
    def __init__(self, result):
        self.result = result
        lines = [f"  {e.path or '-'}: {e.message}" for e in result.compilation_errors]
        super().__init__(f"compilation {result.name} failed with {len(lines)} error(s):\n" + "\n".join(lines))


def compile_result(
    client,
    repository: str,
    git_commitish: str,
    variables: dict[str, str] | None = None,
    config: dataform_v1.CodeCompilationConfig | None = None,
):
    """A compilation result for the ref, with `config`'s overrides (or just `variables`);
    raises CompilationFailed listing file and message."""
    config = config or dataform_v1.CodeCompilationConfig(vars=variables or {})
    result = client.create_compilation_result(
        parent=repository,
        compilation_result=dataform_v1.CompilationResult(git_commitish=git_commitish, code_compilation_config=config),
    )
    if result.compilation_errors:
        raise CompilationFailed(result)
    return result


def invocation_config(
    tags=(), targets=(), full_refresh: bool = False, dependencies: bool = True
) -> dataform_v1.InvocationConfig:
    """`targets` are (database, schema, name) triples; their dependencies come along, as locally,
    unless told not to (a reprocessing run names every action it runs)."""
    return dataform_v1.InvocationConfig(
        included_tags=list(tags),
        transitive_dependencies_included=dependencies,
        included_targets=[dataform_v1.Target(database=d, schema=s, name=n) for d, s, n in targets],
        fully_refresh_incremental_tables_enabled=full_refresh,
    )


def workflow_invocation(
    config: dataform_v1.InvocationConfig | None,
    compilation_result: str | None = None,
    workflow_config: str | None = None,
) -> dataform_v1.WorkflowInvocation:
    """The invocation `start_run` creates: of a workflow configuration, or of a compilation
    result with this invocation config."""
    if workflow_config:
        return dataform_v1.WorkflowInvocation(workflow_config=workflow_config)
    return dataform_v1.WorkflowInvocation(invocation_config=config, compilation_result=compilation_result)


def start_run(
    client,
    repository: str,
    config: dataform_v1.InvocationConfig | None,
    compilation_result: str | None = None,
    workflow_config: str | None = None,
):
    invocation = workflow_invocation(config, compilation_result, workflow_config)
    return client.create_workflow_invocation(parent=repository, workflow_invocation=invocation)


def wait(client, name: str, on_action: Callable[[object], None], poll_seconds: float = 5):
    """Poll until the run ends; `on_action` gets each action once, whenever its state changes."""
    seen: dict[str, int] = {}
    while True:
        invocation = client.get_workflow_invocation(name=name)
        for action in client.query_workflow_invocation_actions(request={"name": name}):
            key = f"{action.target.schema}.{action.target.name}"
            if seen.get(key) != action.state:
                seen[key] = action.state
                on_action(action)
        if invocation.state in TERMINAL:
            return invocation
        time.sleep(poll_seconds)


def failed_actions(client, name: str) -> list:
    state = dataform_v1.WorkflowInvocationAction.State.FAILED
    return [a for a in client.query_workflow_invocation_actions(request={"name": name}) if a.state == state]


def recent(client, repository: str, limit: int = 10) -> list:
    pager = client.list_workflow_invocations(
        request={"parent": repository, "order_by": "invocation_timing.start_time desc", "page_size": limit}
    )
    return list(pager)[:limit]


def real_client():
    from google.cloud import dataform_v1

    from glue.provision.network import ensure_reachable

    client = dataform_v1.DataformClient()
    ensure_reachable(["dataform.googleapis.com"])
    return client

"""Dataflow jobs through the official client (google.cloud.dataflow_v1beta3): find the running
job by name, launch the Flex Template, check an update's compatibility, drain or cancel, and
wait for a job to stop."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable

from google.api_core import exceptions

from glue.dataflow.launch_spec import JobLaunch

# A job in one of these states runs no more.
TERMINAL = ("JOB_STATE_DONE", "JOB_STATE_FAILED", "JOB_STATE_CANCELLED", "JOB_STATE_UPDATED", "JOB_STATE_DRAINED")
STOPPING = ("JOB_STATE_DRAINING", "JOB_STATE_CANCELLING")
# What UpdateJob's requested_state is for each way of stopping a streaming job.
STOP_REQUEST = {"drain": "JOB_STATE_DRAINED", "cancel": "JOB_STATE_CANCELLED"}


@dataclass
class DataflowClients:
    flex: Any  # FlexTemplatesServiceClient
    jobs: Any  # JobsV1Beta3Client


def real_dataflow_clients(region: str | None = None) -> DataflowClients:
    """The official clients (Application Default Credentials); fails fast when Google Cloud is
    unreachable. Requests name their region themselves: `region` is accepted for symmetry."""
    from google.cloud import dataflow_v1beta3 as dataflow

    from glue.provision.network import ensure_reachable

    clients = DataflowClients(dataflow.FlexTemplatesServiceClient(), dataflow.JobsV1Beta3Client())
    ensure_reachable(["dataflow.googleapis.com"])
    return clients


def offline_dataflow_clients() -> DataflowClients:
    """Stand-ins for a dry run without credentials: the plan is declared, nothing is read."""
    from google.cloud import dataflow_v1beta3 as dataflow

    from glue.provision.plan import OfflineClient

    return DataflowClients(
        OfflineClient(dataflow.FlexTemplatesServiceClient), OfflineClient(dataflow.JobsV1Beta3Client)
    )


def state_name(job) -> str:
    return job.current_state.name if hasattr(job.current_state, "name") else str(job.current_state)


def find_active_job(clients: DataflowClients, project: str, region: str, name: str):
    """The active job (running, draining, ...) named `name` with every field, or None."""
    from google.cloud import dataflow_v1beta3 as dataflow

    listed = clients.jobs.list_jobs(
        request=dataflow.ListJobsRequest(
            project_id=project, location=region, filter=dataflow.ListJobsRequest.Filter.ACTIVE
        )
    )
    for job in listed:
        if job.name == name and state_name(job) not in TERMINAL:
            return get_job(clients, project, region, job.id)
    return None


def get_job(clients: DataflowClients, project: str, region: str, job_id: str):
    from google.cloud import dataflow_v1beta3 as dataflow

    return clients.jobs.get_job(
        request=dataflow.GetJobRequest(
            project_id=project, location=region, job_id=job_id, view=dataflow.JobView.JOB_VIEW_ALL
        )
    )


def launch(clients: DataflowClients, launch_spec: JobLaunch, **options):
    """Launch the template (options: update, mapping, validate_only); the launched job."""
    from google.cloud import dataflow_v1beta3 as dataflow

    response = clients.flex.launch_flex_template(
        request=dataflow.LaunchFlexTemplateRequest(
            project_id=launch_spec.project,
            location=launch_spec.region,
            launch_parameter=launch_spec.parameter(**options),
        )
    )
    return response.job


def update_incompatibility(
    clients: DataflowClients, launch_spec: JobLaunch, mapping: dict[str, str], sleep: Callable | None = None, **waiting
) -> str | None:
    """Why the running job cannot be updated in place to `launch_spec`, or None when it can.

    The check is Dataflow's own: an update launch with the graph_validate_only experiment, which
    compares the graphs and changes nothing. Dataflow refuses it outright, or, as a Flex Template
    launch is asynchronous, the validation job it starts ends FAILED.
    """
    try:
        job = launch(clients, launch_spec, update=True, mapping=mapping, validate_only=True)
    except (exceptions.FailedPrecondition, exceptions.InvalidArgument) as refusal:
        return refusal.message or str(refusal)
    if not job.id:
        return None
    final = wait_until_stopped(clients, launch_spec.project, launch_spec.region, job.id, sleep=sleep, **waiting)
    if state_name(final) == "JOB_STATE_FAILED":
        return (
            f"the compatibility check (job {job.id}) failed: "
            f"gcloud dataflow jobs describe {job.id} --region {launch_spec.region} says why"
        )
    return None


def request_stop(clients: DataflowClients, project: str, region: str, job, how: str):
    """Ask Dataflow to drain (finish what was read, read no more) or cancel the job."""
    from google.cloud import dataflow_v1beta3 as dataflow

    return clients.jobs.update_job(
        request=dataflow.UpdateJobRequest(
            project_id=project,
            location=region,
            job_id=job.id,
            job=dataflow.Job(requested_state=dataflow.JobState[STOP_REQUEST[how]]),
        )
    )


def pause(seconds: float) -> None:
    """Between polls; tests replace it so that nothing waits."""
    time.sleep(seconds)


class StillRunning(TimeoutError):
    """The job did not stop within the time allowed."""


def wait_until_stopped(
    clients: DataflowClients,
    project: str,
    region: str,
    job_id: str,
    *,
    sleep: Callable | None = None,
    poll_seconds: float = 15,
    timeout_seconds: float = 1800,
    on_poll: Callable[[Any], None] = lambda job: None,
):
    """Poll the job until it is in a terminal state; the job. `sleep` is `pause` unless given."""
    sleep = sleep or pause
    waited = 0.0
    while True:
        job = get_job(clients, project, region, job_id)
        on_poll(job)
        if state_name(job) in TERMINAL:
            return job
        if waited >= timeout_seconds:
            raise StillRunning(f"job {job_id} is still {state_name(job)} after {int(waited)}s")
        sleep(poll_seconds)
        waited += poll_seconds

"""Dataflow v1beta3 at the request level (FlexTemplatesService, JobsV1Beta3), on tests.cloud_apis.GrpcApi.

The official clients talk to it unchanged. It keeps jobs as Dataflow does: a launch starts a
running job; an update launch replaces the running job of the same name (which ends UPDATED);
a drain request makes the job DRAINING and, after `state["stop_polls"]` GetJob calls, DRAINED.
Each job remembers the graph (step names) its image had, `state["graph"]` at its launch; an
update's check (the graph_validate_only experiment) compares the two with the request's
transform name mapping, as Dataflow's compatibility check does, and refuses what does not match
(`state["validation"] == "refuse"`) or starts a validation job that ends FAILED (`"job"`).
"""

from __future__ import annotations

import itertools

import grpc

from dos_alert import steps
from glue.dataflow.launch_spec import GRAPH_VALIDATE_ONLY
from tests.cloud_apis import GrpcApi

JOBS, FLEX = "google.dataflow.v1beta3.JobsV1Beta3", "google.dataflow.v1beta3.FlexTemplatesService"
TERMINAL = {"JOB_STATE_DONE", "JOB_STATE_FAILED", "JOB_STATE_CANCELLED", "JOB_STATE_UPDATED", "JOB_STATE_DRAINED"}


def dataflow_api() -> tuple[GrpcApi, dict]:
    from google.cloud import dataflow_v1beta3 as df

    api = GrpcApi()
    state = {
        "jobs": {},  # id -> Job
        "graphs": {},  # id -> the step names its image had
        "graph": list(steps.RECORDED_STEPS),  # the graph the image being launched has
        "validation": "refuse",
        "stop_polls": 2,
        "polls": {},
    }
    ids = itertools.count(1)

    def active(project, location, name):
        return [
            job
            for job in state["jobs"].values()
            if (job.project_id, job.location, job.name) == (project, location, name)
            and job.current_state.name not in TERMINAL
        ]

    def new_job(request, state_name: str, prefix: str = "job") -> df.Job:
        parameter = request.launch_parameter
        job = df.Job(
            id=f"2025-01-01_00_00_00-{prefix}{next(ids)}",
            project_id=request.project_id,
            location=request.location,
            name=parameter.job_name,
            type_=df.JobType.JOB_TYPE_STREAMING,
            current_state=df.JobState[state_name],
            labels=dict(parameter.environment.additional_user_labels),
            transform_name_mapping=dict(parameter.transform_name_mappings),
        )
        state["jobs"][job.id] = job
        state["graphs"][job.id] = list(state["graph"])
        return job

    @api.method(FLEX, "LaunchFlexTemplate", df.LaunchFlexTemplateRequest, df.LaunchFlexTemplateResponse)
    def launch(request, context):
        parameter = request.launch_parameter
        running = active(request.project_id, request.location, parameter.job_name)
        if GRAPH_VALIDATE_ONLY in parameter.environment.additional_experiments:
            if not (parameter.update and running):
                context.abort(grpc.StatusCode.FAILED_PRECONDITION, "graph_validate_only needs a job to update")
            old = state["graphs"][running[0].id]
            problems = steps.update_problems(old, state["graph"], dict(parameter.transform_name_mappings))
            if problems and state["validation"] == "refuse":
                context.abort(
                    grpc.StatusCode.FAILED_PRECONDITION,
                    f"The new job is not compatible with {running[0].id}: {problems[0]}",
                )
            outcome = "JOB_STATE_FAILED" if problems else "JOB_STATE_DONE"
            return df.LaunchFlexTemplateResponse(job=new_job(request, outcome, prefix="validate"))
        if parameter.update:
            if not running:
                context.abort(grpc.StatusCode.NOT_FOUND, f"no running job named {parameter.job_name} to update")
            replacement = new_job(request, "JOB_STATE_RUNNING")
            running[0].current_state = df.JobState.JOB_STATE_UPDATED
            running[0].replaced_by_job_id = replacement.id
            replacement.replace_job_id = running[0].id
            return df.LaunchFlexTemplateResponse(job=replacement)
        if running:
            context.abort(grpc.StatusCode.ALREADY_EXISTS, f"There is already an active job named {parameter.job_name}")
        return df.LaunchFlexTemplateResponse(job=new_job(request, "JOB_STATE_RUNNING"))

    @api.method(JOBS, "ListJobs", df.ListJobsRequest, df.ListJobsResponse)
    def list_jobs(request, context):
        jobs = [
            job
            for job in state["jobs"].values()
            if (job.project_id, job.location) == (request.project_id, request.location)
            and (request.filter != df.ListJobsRequest.Filter.ACTIVE or job.current_state.name not in TERMINAL)
        ]
        # The summary view: no labels.
        return df.ListJobsResponse(
            jobs=[df.Job(id=j.id, name=j.name, current_state=j.current_state, location=j.location) for j in jobs]
        )

    @api.method(JOBS, "GetJob", df.GetJobRequest, df.Job)
    def get_job(request, context):
        job = state["jobs"].get(request.job_id)
        if job is None or job.project_id != request.project_id:
            context.abort(grpc.StatusCode.NOT_FOUND, f"job {request.job_id} not found")
        stopping = {"JOB_STATE_DRAINING": "JOB_STATE_DRAINED", "JOB_STATE_CANCELLING": "JOB_STATE_CANCELLED"}
        if job.current_state.name in stopping:
            state["polls"][job.id] = state["polls"].get(job.id, 0) + 1
            if state["polls"][job.id] >= state["stop_polls"]:
                job.current_state = df.JobState[stopping[job.current_state.name]]
        return job

    @api.method(JOBS, "UpdateJob", df.UpdateJobRequest, df.Job)
    def update_job(request, context):
        job = state["jobs"].get(request.job_id)
        if job is None:
            context.abort(grpc.StatusCode.NOT_FOUND, f"job {request.job_id} not found")
        wanted = request.job.requested_state.name
        transitions = {"JOB_STATE_DRAINED": "JOB_STATE_DRAINING", "JOB_STATE_CANCELLED": "JOB_STATE_CANCELLING"}
        if wanted not in transitions:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"cannot request {wanted}")
        job.requested_state = request.job.requested_state
        job.current_state = df.JobState[transitions[wanted]]
        return job

    return api, state


def dataflow_clients(channel):
    from google.cloud import dataflow_v1beta3 as df
    from google.cloud.dataflow_v1beta3.services.flex_templates_service.transports import (
        FlexTemplatesServiceGrpcTransport,
    )
    from google.cloud.dataflow_v1beta3.services.jobs_v1_beta3.transports import JobsV1Beta3GrpcTransport

    from glue.dataflow import DataflowClients

    return DataflowClients(
        df.FlexTemplatesServiceClient(transport=FlexTemplatesServiceGrpcTransport(channel=channel)),
        df.JobsV1Beta3Client(transport=JobsV1Beta3GrpcTransport(channel=channel)),
    )

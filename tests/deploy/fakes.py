"""Request-level stand-ins for the APIs `clickstream deploy` calls that have no emulator: IAM Admin
(service accounts), Resource Manager (the project's IAM policy) and Cloud Run Admin v2 (services
and their long-running operations). Each is a tests.cloud_apis.GrpcApi with its state in a dict;
the official clients talk to it over a channel, unchanged.

They answer as the real services do where it matters to a plan: NOT_FOUND for what does not
exist, ABORTED for a policy written with a stale etag, a new etag on every write, and a Cloud Run
service with the defaults the server fills in (probe port, port name, URL, generation, traffic).
"""

from __future__ import annotations

import grpc
from google.iam.v1 import iam_policy_pb2, policy_pb2
from google.longrunning import operations_pb2
from google.protobuf import any_pb2

from tests.cloud_apis import GrpcApi

IAM, PROJECTS = "google.iam.admin.v1.IAM", "google.cloud.resourcemanager.v3.Projects"
RUN, OPERATIONS = "google.cloud.run.v2.Services", "google.longrunning.Operations"


def iam_api(project_number: str = "123456789012") -> tuple[GrpcApi, dict]:
    """IAM Admin's service accounts and one project's IAM policy. `state["unknown_members"]`:
    members SetIamPolicy refuses as not existing yet (as IAM does just after an account is made)."""
    from google.cloud import iam_admin_v1 as iam

    api = GrpcApi()
    state = {"accounts": {}, "policies": {}, "unknown_members": set(), "etags": 0}

    @api.method(IAM, "GetServiceAccount", iam.GetServiceAccountRequest, iam.ServiceAccount)
    def get_account(request, context):
        if request.name not in state["accounts"]:
            context.abort(grpc.StatusCode.NOT_FOUND, f"Unknown service account: {request.name}")
        return state["accounts"][request.name]

    @api.method(IAM, "CreateServiceAccount", iam.CreateServiceAccountRequest, iam.ServiceAccount)
    def create_account(request, context):
        project = request.name.removeprefix("projects/")
        email = f"{request.account_id}@{project}.iam.gserviceaccount.com"
        name = f"{request.name}/serviceAccounts/{email}"
        if name in state["accounts"]:
            context.abort(grpc.StatusCode.ALREADY_EXISTS, f"Service account {request.account_id} already exists")
        account = iam.ServiceAccount(
            name=name,
            project_id=project,
            email=email,
            unique_id=str(100000000000000000000 + len(state["accounts"])),
            display_name=request.service_account.display_name,
            etag=b"MDEwMjE5MjA=",
        )
        state["accounts"][name] = account
        return account

    @api.method(IAM, "PatchServiceAccount", iam.PatchServiceAccountRequest, iam.ServiceAccount)
    def patch_account(request, context):
        account = state["accounts"][request.service_account.name]
        assert list(request.update_mask.paths) == ["display_name"], request.update_mask
        account.display_name = request.service_account.display_name
        return account

    @api.method(PROJECTS, "GetIamPolicy", iam_policy_pb2.GetIamPolicyRequest, policy_pb2.Policy)
    def get_policy(request, context):
        if request.resource not in state["policies"]:
            state["policies"][request.resource] = policy_pb2.Policy(version=1, etag=b"BwYa0")
        return state["policies"][request.resource]

    @api.method(PROJECTS, "SetIamPolicy", iam_policy_pb2.SetIamPolicyRequest, policy_pb2.Policy)
    def set_policy(request, context):
        current = state["policies"].get(request.resource, policy_pb2.Policy(etag=b"BwYa0"))
        if request.policy.etag and request.policy.etag != current.etag:
            context.abort(grpc.StatusCode.ABORTED, "There were concurrent policy changes. Please retry.")
        for binding in request.policy.bindings:
            for member in binding.members:
                if member in state["unknown_members"]:
                    state["unknown_members"].discard(member)  # seen by the next attempt
                    context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"Service account {member} does not exist.")
        state["etags"] += 1
        stored = policy_pb2.Policy()
        stored.CopyFrom(request.policy)
        stored.etag = f"BwYa{state['etags']}".encode()
        state["policies"][request.resource] = stored
        return stored

    return api, state


def iam_clients(channel):
    from google.cloud import iam_admin_v1, resourcemanager_v3
    from google.cloud.iam_admin_v1.services.iam.transports import IAMGrpcTransport
    from google.cloud.resourcemanager_v3.services.projects.transports import ProjectsGrpcTransport

    from glue.deploy.clients import IamClients

    return IamClients(
        iam_admin_v1.IAMClient(transport=IAMGrpcTransport(channel=channel)),
        resourcemanager_v3.ProjectsClient(transport=ProjectsGrpcTransport(channel=channel)),
    )


def _operation(name: str, service=None) -> operations_pb2.Operation:
    """A Cloud Run operation: running, or done with the service as its response and metadata."""
    from google.cloud import run_v2

    if service is None:
        return operations_pb2.Operation(name=name, done=False)
    packed = any_pb2.Any()
    packed.Pack(run_v2.Service.pb(service))
    return operations_pb2.Operation(name=name, done=True, response=packed, metadata=packed)


def _served(service, name: str, generation: int):
    """The service as Cloud Run stores it: what was sent, plus what the server fills in."""
    from google.cloud import run_v2

    stored = run_v2.Service.deserialize(run_v2.Service.serialize(service))
    stored.name, stored.generation, stored.etag = name, generation, f'"gen-{generation}"'
    stored.uri = f"https://{name.rsplit('/', 1)[-1]}-abc123-uc.a.run.app"
    stored.traffic = [
        run_v2.TrafficTarget(
            type_=run_v2.TrafficTargetAllocationType.TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST, percent=100
        )
    ]
    stored.template.max_instance_request_concurrency = stored.template.max_instance_request_concurrency or 80
    for container in stored.template.containers:
        for port in container.ports:
            port.name = port.name or "http1"
        for probe in (container.startup_probe, container.liveness_probe):
            if probe.http_get.path and not probe.http_get.port:
                probe.http_get.port = container.ports[0].container_port if container.ports else 8080
        # Cloud Run answers a whole CPU in millicores.
        if container.resources.limits.get("cpu") == "1":
            container.resources.limits["cpu"] = "1000m"
    return stored


def run_api() -> tuple[GrpcApi, dict]:
    """Cloud Run Admin v2's services. Create and update answer a running operation; the service
    is there once GetOperation reports it done, as the client's `result()` polls for."""
    from google.cloud import run_v2

    api = GrpcApi()
    state = {"services": {}, "operations": {}}

    @api.method(RUN, "GetService", run_v2.GetServiceRequest, run_v2.Service)
    def get_service(request, context):
        if request.name not in state["services"]:
            context.abort(grpc.StatusCode.NOT_FOUND, f"Resource '{request.name}' was not found")
        return state["services"][request.name]

    def start(name: str, service) -> operations_pb2.Operation:
        operation = f"{name.rsplit('/services/', 1)[0]}/operations/{len(state['operations']) + 1}"
        state["operations"][operation] = (name, service)
        return _operation(operation)

    @api.method(RUN, "CreateService", run_v2.CreateServiceRequest, operations_pb2.Operation)
    def create_service(request, context):
        name = f"{request.parent}/services/{request.service_id}"
        if name in state["services"]:
            context.abort(grpc.StatusCode.ALREADY_EXISTS, f"Resource '{request.service_id}' already exists.")
        return start(name, _served(request.service, name, 1))

    @api.method(RUN, "UpdateService", run_v2.UpdateServiceRequest, operations_pb2.Operation)
    def update_service(request, context):
        name = request.service.name
        if name not in state["services"]:
            context.abort(grpc.StatusCode.NOT_FOUND, f"Resource '{name}' was not found")
        current = state["services"][name]
        if request.service.etag and request.service.etag != current.etag:
            context.abort(grpc.StatusCode.ABORTED, "the service was changed since it was read")
        return start(name, _served(request.service, name, current.generation + 1))

    @api.method(OPERATIONS, "GetOperation", operations_pb2.GetOperationRequest, operations_pb2.Operation)
    def get_operation(request, context):
        name, service = state["operations"][request.name]
        state["services"][name] = service  # rolled out
        return _operation(request.name, service)

    return api, state


def run_client(channel):
    from google.cloud import run_v2
    from google.cloud.run_v2.services.services.transports import ServicesGrpcTransport

    return run_v2.ServicesClient(transport=ServicesGrpcTransport(channel=channel))

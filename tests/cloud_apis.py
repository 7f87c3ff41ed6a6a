"""Request-level stand-ins for the two Google APIs with no emulator that provisioning calls.

The official clients are used unchanged: the BigQuery client gets an HTTP session (its `_http`
argument) and the Pub/Sub clients a gRPC channel to an in-process IAMPolicy server. Both record
every request so that tests assert what would be sent; both answer only the calls provisioning
is meant to make (dataset and table get/insert/patch, get/set IAM policy) and fail the test on
anything else.
"""

from __future__ import annotations

import copy
import datetime
import json
import re
from concurrent import futures
from urllib.parse import urlparse

import grpc
import requests
from google.iam.v1 import iam_policy_pb2_grpc, policy_pb2

DATASET = re.compile(r"^/bigquery/v2/projects/([^/]+)/datasets/([^/]+)$")
DATASETS = re.compile(r"^/bigquery/v2/projects/([^/]+)/datasets$")
TABLE = re.compile(r"^/bigquery/v2/projects/([^/]+)/datasets/([^/]+)/tables/([^/]+)$")
TABLES = re.compile(r"^/bigquery/v2/projects/([^/]+)/datasets/([^/]+)/tables$")


def _response(method: str, url: str, status: int, body: dict) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(body).encode()
    response.headers["content-type"] = "application/json"
    response.request = requests.Request(method, url).prepare()
    response.url = url
    return response


def _error(method: str, url: str, status: int, reason: str, message: str) -> requests.Response:
    return _response(
        method,
        url,
        status,
        {"error": {"code": status, "message": message, "errors": [{"reason": reason, "message": message}]}},
    )


class BigQueryApi:
    """BigQuery's datasets and tables REST resources, as far as provisioning uses them."""

    def __init__(self):
        self.datasets: dict[str, dict] = {}
        self.tables: dict[str, dict] = {}
        self.requests: list[tuple[str, str, dict | None]] = []
        self.deny: tuple[int, str, str] | None = None  # (status, reason, message) for every call

    is_mtls = False  # the requests.Session surface the client uses: this and request()

    def request(self, method, url, data=None, headers=None, timeout=None, **_):
        body = json.loads(data) if data else None
        path = urlparse(url).path
        self.requests.append((method, path, body))
        if self.deny:
            return _error(method, url, *self.deny)
        for pattern, handler in (
            (DATASETS, self._datasets),
            (DATASET, self._dataset),
            (TABLES, self._tables),
            (TABLE, self._table),
        ):
            match = pattern.match(path)
            if match:
                return handler(method, url, body, *match.groups())
        raise AssertionError(f"provisioning sent an unexpected BigQuery request: {method} {path}")

    def mutations(self) -> list[tuple[str, str, dict | None]]:
        return [r for r in self.requests if r[0] != "GET"]

    def _datasets(self, method, url, body, project):
        assert method == "POST", method
        key = f"{project}.{body['datasetReference']['datasetId']}"
        if key in self.datasets:
            return _error(method, url, 409, "duplicate", f"Already Exists: Dataset {key}")
        stored = {**copy.deepcopy(body), "id": f"{project}:{body['datasetReference']['datasetId']}", "etag": "1"}
        stored.setdefault("access", [{"role": "OWNER", "specialGroup": "projectOwners"}])
        self.datasets[key] = stored
        return _response(method, url, 200, stored)

    def _dataset(self, method, url, body, project, dataset):
        return self._existing(self.datasets, f"{project}.{dataset}", f"Dataset {project}:{dataset}", method, url, body)

    def _tables(self, method, url, body, project, dataset):
        assert method == "POST", method
        if f"{project}.{dataset}" not in self.datasets:
            return _error(method, url, 404, "notFound", f"Not found: Dataset {project}:{dataset}")
        key = f"{project}.{dataset}.{body['tableReference']['tableId']}"
        stored = {
            **copy.deepcopy(body),
            "type": "EXTERNAL" if "externalDataConfiguration" in body else "TABLE",
            "etag": "1",
        }
        self.tables[key] = stored
        return _response(method, url, 200, stored)

    def _table(self, method, url, body, project, dataset, table):
        return self._existing(
            self.tables, f"{project}.{dataset}.{table}", f"Table {project}:{dataset}.{table}", method, url, body
        )

    @staticmethod
    def _existing(store: dict, key: str, label: str, method, url, body):
        """GET or PATCH of a dataset or table: 404 when missing, as BigQuery answers."""
        if key not in store:
            return _error(method, url, 404, "notFound", f"Not found: {label}")
        if method == "PATCH":
            store[key].update(copy.deepcopy(body))
        else:
            assert method == "GET", method
        return _response(method, url, 200, store[key])


class IamPolicyServer(iam_policy_pb2_grpc.IAMPolicyServicer):
    """The google.iam.v1.IAMPolicy service Pub/Sub topics and subscriptions expose."""

    def __init__(self):
        self.policies: dict[str, policy_pb2.Policy] = {}
        self.requests: list[tuple[str, object]] = []
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        iam_policy_pb2_grpc.add_IAMPolicyServicer_to_server(self, self.server)
        self.port = self.server.add_insecure_port("127.0.0.1:0")

    def GetIamPolicy(self, request, context):
        self.requests.append(("GetIamPolicy", request))
        return self.policies.get(request.resource, policy_pb2.Policy(etag=b"\x00"))

    def SetIamPolicy(self, request, context):
        self.requests.append(("SetIamPolicy", request))
        self.policies[request.resource] = request.policy
        return request.policy

    def TestIamPermissions(self, request, context):
        raise AssertionError("provisioning should not test permissions")

    def __enter__(self):
        self.server.start()
        return self

    def __exit__(self, *exc):
        self.server.stop(grace=None)

    def clients(self):
        from google.cloud import pubsub_v1
        from google.pubsub_v1.services.publisher.transports import PublisherGrpcTransport
        from google.pubsub_v1.services.subscriber.transports import SubscriberGrpcTransport

        channel = grpc.insecure_channel(f"127.0.0.1:{self.port}")
        return (
            pubsub_v1.PublisherClient(transport=PublisherGrpcTransport(channel=channel)),
            pubsub_v1.SubscriberClient(transport=SubscriberGrpcTransport(channel=channel)),
        )


class GrpcApi:
    """An in-process gRPC server for APIs with no emulator: each method a handler over state the
    test can see; every request recorded. A method not registered answers UNIMPLEMENTED."""

    def __init__(self):
        self.requests: list[tuple[str, object]] = []
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        self.port = self.server.add_insecure_port("127.0.0.1:0")
        self._services: dict[str, dict] = {}

    def method(self, service: str, name: str, request_type, response_type):
        """Decorator: `handler(request, context) -> response` for /service/name (proto-plus types)."""

        def register(handler):
            # proto-plus types are wrapped and unwrapped; raw protobuf types (IAM, Operation) pass as they are.
            plus_request, plus_response = hasattr(request_type, "wrap"), hasattr(response_type, "wrap")

            def recorded(request, context):
                message = request_type.wrap(request) if plus_request else request
                self.requests.append((name, message))
                response = handler(message, context)
                return response_type.pb(response) if plus_response else response

            self._services.setdefault(service, {})[name] = grpc.unary_unary_rpc_method_handler(
                recorded,
                request_deserializer=(request_type.pb() if plus_request else request_type).FromString,
                response_serializer=lambda response: response.SerializeToString(),
            )
            return handler

        return register

    def start(self):
        for service, handlers in self._services.items():
            self.server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(service, handlers),))
        self.server.start()
        return grpc.insecure_channel(f"127.0.0.1:{self.port}")

    def stop(self):
        self.server.stop(grace=None)

    def calls(self) -> list[str]:
        return [name for name, _ in self.requests]


def logging_and_monitoring_api() -> tuple[GrpcApi, dict]:
    """Cloud Logging's metrics and Cloud Monitoring's channels and policies, with their state."""
    from google.cloud import monitoring_v3
    from google.cloud.logging_v2 import types as logging_types

    api, state = GrpcApi(), {"metrics": {}, "channels": {}, "policies": {}}
    metrics, channels, policies = (
        "google.logging.v2.MetricsServiceV2",
        "google.monitoring.v3.NotificationChannelService",
        "google.monitoring.v3.AlertPolicyService",
    )

    @api.method(metrics, "GetLogMetric", logging_types.GetLogMetricRequest, logging_types.LogMetric)
    def get_metric(request, context):
        if request.metric_name not in state["metrics"]:
            context.abort(grpc.StatusCode.NOT_FOUND, f"Metric {request.metric_name} does not exist")
        return state["metrics"][request.metric_name]

    @api.method(metrics, "CreateLogMetric", logging_types.CreateLogMetricRequest, logging_types.LogMetric)
    def create_metric(request, context):
        state["metrics"][f"{request.parent}/metrics/{request.metric.name}"] = request.metric
        return request.metric

    @api.method(metrics, "UpdateLogMetric", logging_types.UpdateLogMetricRequest, logging_types.LogMetric)
    def update_metric(request, context):
        state["metrics"][request.metric_name] = request.metric
        return request.metric

    @api.method(
        channels,
        "ListNotificationChannels",
        monitoring_v3.ListNotificationChannelsRequest,
        monitoring_v3.ListNotificationChannelsResponse,
    )
    def list_channels(request, context):
        assert request.filter == 'type="email"', request.filter
        return monitoring_v3.ListNotificationChannelsResponse(notification_channels=list(state["channels"].values()))

    @api.method(
        channels,
        "CreateNotificationChannel",
        monitoring_v3.CreateNotificationChannelRequest,
        monitoring_v3.NotificationChannel,
    )
    def create_channel(request, context):
        channel = monitoring_v3.NotificationChannel(request.notification_channel)
        channel.name = f"{request.name}/notificationChannels/{len(state['channels']) + 1}"
        state["channels"][channel.name] = channel
        return channel

    @api.method(
        policies, "ListAlertPolicies", monitoring_v3.ListAlertPoliciesRequest, monitoring_v3.ListAlertPoliciesResponse
    )
    def list_policies(request, context):
        wanted = re.fullmatch(r'display_name="(.*)"', request.filter).group(1)
        return monitoring_v3.ListAlertPoliciesResponse(
            alert_policies=[p for p in state["policies"].values() if p.display_name == wanted]
        )

    @api.method(policies, "CreateAlertPolicy", monitoring_v3.CreateAlertPolicyRequest, monitoring_v3.AlertPolicy)
    def create_policy(request, context):
        policy = monitoring_v3.AlertPolicy(request.alert_policy)
        policy.name = f"{request.name}/alertPolicies/{len(state['policies']) + 1}"
        state["policies"][policy.name] = policy
        return policy

    @api.method(policies, "UpdateAlertPolicy", monitoring_v3.UpdateAlertPolicyRequest, monitoring_v3.AlertPolicy)
    def update_policy(request, context):
        state["policies"][request.alert_policy.name] = request.alert_policy
        return request.alert_policy

    return api, state


def logging_and_monitoring_clients(channel):
    from google.cloud import monitoring_v3
    from google.cloud.logging_v2.services.metrics_service_v2 import MetricsServiceV2Client
    from google.cloud.logging_v2.services.metrics_service_v2.transports import MetricsServiceV2GrpcTransport
    from google.cloud.monitoring_v3.services.alert_policy_service.transports import AlertPolicyServiceGrpcTransport
    from google.cloud.monitoring_v3.services.notification_channel_service.transports import (
        NotificationChannelServiceGrpcTransport,
    )

    return (
        MetricsServiceV2Client(transport=MetricsServiceV2GrpcTransport(channel=channel)),
        monitoring_v3.NotificationChannelServiceClient(
            transport=NotificationChannelServiceGrpcTransport(channel=channel)
        ),
        monitoring_v3.AlertPolicyServiceClient(transport=AlertPolicyServiceGrpcTransport(channel=channel)),
    )


def connection_api() -> tuple[GrpcApi, dict]:
    """BigQuery Connection v1, as provisioning uses it: get and create. A created Cloud resource
    connection gets its service account, as the real service gives it one."""
    from google.cloud import bigquery_connection_v1 as bc

    api, state = GrpcApi(), {"connections": {}}
    service = "google.cloud.bigquery.connection.v1.ConnectionService"

    @api.method(service, "GetConnection", bc.GetConnectionRequest, bc.Connection)
    def get_connection(request, context):
        if request.name not in state["connections"]:
            context.abort(grpc.StatusCode.NOT_FOUND, f"Not found: Connection {request.name}")
        return state["connections"][request.name]

    @api.method(service, "CreateConnection", bc.CreateConnectionRequest, bc.Connection)
    def create_connection(request, context):
        name = f"{request.parent}/connections/{request.connection_id}"
        if name in state["connections"]:
            context.abort(grpc.StatusCode.ALREADY_EXISTS, f"Already exists: {name}")
        connection = bc.Connection(request.connection)
        connection.name = name
        if "cloud_resource" in connection:
            connection.cloud_resource.service_account_id = (
                f"bqcx-123456789012-{request.connection_id[:4]}@gcp-sa-bigquery-condel.iam.gserviceaccount.com"
            )
        state["connections"][name] = connection
        return connection

    return api, state


def landing_clients(project: str, bigquery_api: BigQueryApi, connections):
    """The landing side's clients: Cloud Storage and Pub/Sub on their emulators (their hosts set by
    the emulator fixtures), BigQuery into `bigquery_api`, and the Connection API client given."""
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import bigquery, pubsub_v1, storage

    from glue.provision.landing import Clients

    return Clients(
        storage=storage.Client(project=project, credentials=AnonymousCredentials()),
        bigquery=bigquery.Client(
            project=project, credentials=AnonymousCredentials(), _http=bigquery_api, location="US"
        ),
        publisher=pubsub_v1.PublisherClient(),
        subscriber=pubsub_v1.SubscriberClient(),
        schemas=pubsub_v1.SchemaServiceClient(),
        connections=connections,
    )


def connection_client(channel):
    from google.cloud import bigquery_connection_v1
    from google.cloud.bigquery_connection_v1.services.connection_service.transports import (
        ConnectionServiceGrpcTransport,
    )

    return bigquery_connection_v1.ConnectionServiceClient(transport=ConnectionServiceGrpcTransport(channel=channel))


def dataform_api() -> tuple[GrpcApi, dict]:
    """Dataform v1's repository resources as `clickstream dataform` uses them. `state["script"]`
    sets what a run does: the states GetWorkflowInvocation reports in turn, and its actions."""
    from google.cloud import dataform_v1 as df

    api = GrpcApi()
    state = {
        "compilations": {},
        "repositories": {},
        "invocations": {},
        "release_configs": {},
        "workflow_configs": {},
        "compile_errors": [],
        "script": {"states": ["RUNNING", "SUCCEEDED"], "actions": []},
        "polls": {},
    }
    service = "google.cloud.dataform.v1.Dataform"

    def method(name, request_type, response_type):
        return api.method(service, name, request_type, response_type)

    @method("CreateCompilationResult", df.CreateCompilationResultRequest, df.CompilationResult)
    def create_compilation(request, context):
        # A ref that is a commit resolves to itself; a release configuration compiles its own ref.
        result = df.CompilationResult(request.compilation_result)
        ref = result.git_commitish
        if result.release_config:
            ref = state["release_configs"][result.release_config].git_commitish
        result.name = f"{request.parent}/compilationResults/{len(state['compilations']) + 1}"
        result.resolved_git_commit_sha = ref if re.fullmatch(r"[0-9a-f]{7,40}", ref) else "0123abc"
        result.create_time = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(
            minutes=len(state["compilations"])
        )
        result.compilation_errors = [
            df.CompilationResult.CompilationError(path=p, message=m) for p, m in state["compile_errors"]
        ]
        state["compilations"][result.name] = result
        return result

    @method("GetCompilationResult", df.GetCompilationResultRequest, df.CompilationResult)
    def get_compilation(request, context):
        if request.name not in state["compilations"]:
            context.abort(grpc.StatusCode.NOT_FOUND, f"{request.name} not found")
        return state["compilations"][request.name]

    @method("ListCompilationResults", df.ListCompilationResultsRequest, df.ListCompilationResultsResponse)
    def list_compilations(request, context):
        own = [r for name, r in state["compilations"].items() if name.startswith(request.parent + "/")]
        return df.ListCompilationResultsResponse(compilation_results=own)

    @method("GetRepository", df.GetRepositoryRequest, df.Repository)
    def get_repository(request, context):
        if request.name not in state["repositories"]:
            context.abort(grpc.StatusCode.NOT_FOUND, f"{request.name} not found")
        return state["repositories"][request.name]

    @method("CreateRepository", df.CreateRepositoryRequest, df.Repository)
    def create_repository(request, context):
        repository = df.Repository(request.repository)
        repository.name = f"{request.parent}/repositories/{request.repository_id}"
        state["repositories"][repository.name] = repository
        return repository

    @method("UpdateRepository", df.UpdateRepositoryRequest, df.Repository)
    def update_repository(request, context):
        state["repositories"][request.repository.name] = request.repository
        return request.repository

    @method("CreateWorkflowInvocation", df.CreateWorkflowInvocationRequest, df.WorkflowInvocation)
    def create_invocation(request, context):
        invocation = df.WorkflowInvocation(request.workflow_invocation)
        invocation.name = f"{request.parent}/workflowInvocations/{len(state['invocations']) + 1}"
        invocation.state = df.WorkflowInvocation.State.RUNNING
        state["invocations"][invocation.name] = invocation
        return invocation

    @method("GetWorkflowInvocation", df.GetWorkflowInvocationRequest, df.WorkflowInvocation)
    def get_invocation(request, context):
        states = state["script"]["states"]
        poll = state["polls"][request.name] = state["polls"].get(request.name, -1) + 1
        invocation = state["invocations"][request.name]
        invocation.state = df.WorkflowInvocation.State[states[min(poll, len(states) - 1)]]
        return invocation

    @method(
        "QueryWorkflowInvocationActions",
        df.QueryWorkflowInvocationActionsRequest,
        df.QueryWorkflowInvocationActionsResponse,
    )
    def query_actions(request, context):
        poll = state["polls"].get(request.name, 0)
        actions = [
            df.WorkflowInvocationAction(
                target=df.Target(database="acme", schema=schema, name=name),
                state=df.WorkflowInvocationAction.State[states[min(poll, len(states) - 1)]],
                bigquery_action=df.WorkflowInvocationAction.BigQueryAction(job_id=job),
                failure_reason=reason,
            )
            for schema, name, states, job, reason in state["script"]["actions"]
        ]
        return df.QueryWorkflowInvocationActionsResponse(workflow_invocation_actions=actions)

    @method("ListWorkflowInvocations", df.ListWorkflowInvocationsRequest, df.ListWorkflowInvocationsResponse)
    def list_invocations(request, context):
        return df.ListWorkflowInvocationsResponse(workflow_invocations=list(state["invocations"].values())[::-1])

    for kind, singular, message in (
        ("release_configs", "ReleaseConfig", df.ReleaseConfig),
        ("workflow_configs", "WorkflowConfig", df.WorkflowConfig),
    ):
        field = kind[:-1]
        plural = f"{singular}s"

        def getter(request, context, kind=kind):
            if request.name not in state[kind]:
                context.abort(grpc.StatusCode.NOT_FOUND, f"{request.name} not found")
            return state[kind][request.name]

        def creator(request, context, kind=kind, field=field, message=message, plural=plural):
            config = message(getattr(request, field))
            config.name = f"{request.parent}/{plural[0].lower() + plural[1:]}/{getattr(request, field + '_id')}"
            state[kind][config.name] = config
            return config

        def updater(request, context, kind=kind, field=field):
            config = getattr(request, field)
            state[kind][config.name] = config
            return config

        def lister(request, context, kind=kind, plural=plural):
            response_type = getattr(df, f"List{plural}Response")
            return response_type(**{kind: list(state[kind].values())})

        method(f"Get{singular}", getattr(df, f"Get{singular}Request"), message)(getter)
        method(f"Create{singular}", getattr(df, f"Create{singular}Request"), message)(creator)
        method(f"Update{singular}", getattr(df, f"Update{singular}Request"), message)(updater)
        method(f"List{plural}", getattr(df, f"List{plural}Request"), getattr(df, f"List{plural}Response"))(lister)
    return api, state


def dataform_client(channel):
    from google.cloud import dataform_v1
    from google.cloud.dataform_v1.services.dataform.transports import DataformGrpcTransport

    return dataform_v1.DataformClient(transport=DataformGrpcTransport(channel=channel))


def governance_api() -> tuple[GrpcApi, dict]:
    """Dataplex (lakes, zones, assets, zone IAM), its catalog (aspect types, entries) and Service
    Usage, as `clickstream governance apply` uses them. Creations answer with finished operations.
    The policy tags and data policies of `privacy_api` are served on the same channel."""
    from google.cloud import dataplex_v1 as dp
    from google.cloud import service_usage_v1 as su
    from google.iam.v1 import iam_policy_pb2
    from google.longrunning import operations_pb2
    from google.protobuf import any_pb2

    api = GrpcApi()
    state = {"lakes": {}, "zones": {}, "assets": {}, "aspect_types": {}, "entries": {}, "policies": {}, "services": {}}

    def done(message) -> operations_pb2.Operation:
        response = any_pb2.Any()
        response.Pack(type(message).pb(message))
        return operations_pb2.Operation(name="operations/done", done=True, response=response)

    def get(kind):
        def handler(request, context):
            if request.name not in state[kind]:
                context.abort(grpc.StatusCode.NOT_FOUND, f"{request.name} not found")
            return state[kind][request.name]

        return handler

    def create(kind, field, plural):
        def handler(request, context):
            resource = type(getattr(request, field))(getattr(request, field))
            resource.name = f"{request.parent}/{plural}/{getattr(request, field + '_id')}"
            state[kind][resource.name] = resource
            return done(resource)

        return handler

    dataplex, catalog = "google.cloud.dataplex.v1.DataplexService", "google.cloud.dataplex.v1.CatalogService"
    for kind, field, plural, singular in (
        ("lakes", "lake", "lakes", "Lake"),
        ("zones", "zone", "zones", "Zone"),
        ("assets", "asset", "assets", "Asset"),
    ):
        api.method(dataplex, f"Get{singular}", getattr(dp, f"Get{singular}Request"), getattr(dp, singular))(get(kind))
        api.method(dataplex, f"Create{singular}", getattr(dp, f"Create{singular}Request"), operations_pb2.Operation)(
            create(kind, field, plural)
        )
    api.method(catalog, "GetAspectType", dp.GetAspectTypeRequest, dp.AspectType)(get("aspect_types"))
    api.method(catalog, "CreateAspectType", dp.CreateAspectTypeRequest, operations_pb2.Operation)(
        create("aspect_types", "aspect_type", "aspectTypes")
    )

    @api.method(catalog, "GetEntry", dp.GetEntryRequest, dp.Entry)
    def get_entry(request, context):
        # BigQuery tables are catalogued automatically: an entry exists with no aspects of ours.
        entry = state["entries"].get(request.name, dp.Entry(name=request.name))
        return dp.Entry(
            name=entry.name, aspects={k: v for k, v in entry.aspects.items() if v.aspect_type in request.aspect_types}
        )

    @api.method(catalog, "UpdateEntry", dp.UpdateEntryRequest, dp.Entry)
    def update_entry(request, context):
        entry = state["entries"].setdefault(request.entry.name, dp.Entry(name=request.entry.name))
        for key in request.aspect_keys:
            entry.aspects[key] = request.entry.aspects[key]
        return entry

    @api.method("google.iam.v1.IAMPolicy", "GetIamPolicy", iam_policy_pb2.GetIamPolicyRequest, policy_pb2.Policy)
    def get_policy(request, context):
        if request.resource not in state["zones"]:
            context.abort(grpc.StatusCode.NOT_FOUND, f"{request.resource} not found")
        return state["policies"].get(request.resource, policy_pb2.Policy(etag=b"\x00"))

    @api.method("google.iam.v1.IAMPolicy", "SetIamPolicy", iam_policy_pb2.SetIamPolicyRequest, policy_pb2.Policy)
    def set_policy(request, context):
        state["policies"][request.resource] = request.policy
        return request.policy

    usage = "google.api.serviceusage.v1.ServiceUsage"

    @api.method(usage, "GetService", su.GetServiceRequest, su.Service)
    def get_service(request, context):
        return su.Service(name=request.name, state=state["services"].get(request.name, su.State.DISABLED))

    @api.method(usage, "EnableService", su.EnableServiceRequest, operations_pb2.Operation)
    def enable_service(request, context):
        state["services"][request.name] = su.State.ENABLED
        response = any_pb2.Any()
        response.Pack(su.EnableServiceResponse.pb(su.EnableServiceResponse(service=su.Service(name=request.name))))
        return operations_pb2.Operation(name="operations/enable", done=True, response=response)

    privacy_api(api, state)
    return api, state


def governance_clients(channel):
    from google.cloud import bigquery_datapolicies_v1, datacatalog_v1, dataplex_v1, service_usage_v1
    from google.cloud.bigquery_datapolicies_v1.services.data_policy_service.transports import (
        DataPolicyServiceGrpcTransport,
    )
    from google.cloud.datacatalog_v1.services.policy_tag_manager.transports import PolicyTagManagerGrpcTransport
    from google.cloud.dataplex_v1.services.catalog_service.transports import CatalogServiceGrpcTransport
    from google.cloud.dataplex_v1.services.dataplex_service.transports import DataplexServiceGrpcTransport
    from google.cloud.service_usage_v1.services.service_usage.transports import ServiceUsageGrpcTransport

    from glue.governance.declared import GovernanceClients

    return GovernanceClients(
        dataplex_v1.DataplexServiceClient(transport=DataplexServiceGrpcTransport(channel=channel)),
        dataplex_v1.CatalogServiceClient(transport=CatalogServiceGrpcTransport(channel=channel)),
        service_usage_v1.ServiceUsageClient(transport=ServiceUsageGrpcTransport(channel=channel)),
        datacatalog_v1.PolicyTagManagerClient(transport=PolicyTagManagerGrpcTransport(channel=channel)),
        bigquery_datapolicies_v1.DataPolicyServiceClient(transport=DataPolicyServiceGrpcTransport(channel=channel)),
    )


def command_lines(args: list[str]) -> list[str]:
    """The lines a `clickstream` command printed, each with its runs of spaces made one; fails
    the test when the command does not exit 0."""
    from click.testing import CliRunner

    from glue.cli import main

    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return [" ".join(line.split()) for line in result.output.splitlines()]


def privacy_api(api: GrpcApi | None = None, state: dict | None = None) -> tuple[GrpcApi, dict]:
    """Data Catalog's PolicyTagManager (taxonomies, policy tags, their IAM) and BigQuery's
    DataPolicyService (data masking policies, their IAM), added to `api` and `state` when given.

    As the real services do, the server names taxonomies (projects/P/locations/L/taxonomies/<n>)
    and policy tags (<taxonomy>/policyTags/<n>), refuses a second one of the same display name, a
    data policy on a policy tag that does not exist and an update of a field it cannot change, and
    answers lists a page at a time (three items) so that the clients' pagers are used."""
    from google.cloud import bigquery_datapolicies_v1 as bd
    from google.cloud import datacatalog_v1 as dc
    from google.iam.v1 import iam_policy_pb2

    api = api or GrpcApi()
    state = {} if state is None else state
    state.update(taxonomies={}, policy_tags={}, data_policies={}, privacy_policies={})
    ids = iter(range(7001, 1_000_000))
    tags, policies = (
        "google.cloud.datacatalog.v1.PolicyTagManager",
        "google.cloud.bigquery.datapolicies.v1.DataPolicyService",
    )

    def page(request, items: list, response_type, field: str):
        start = int(request.page_token or 0)
        size = request.page_size or 3
        rest = items[start + size :]
        return response_type(**{field: items[start : start + size]}, next_page_token=str(start + size) if rest else "")

    def stored(kind: str, name: str, context):
        if name not in state[kind]:
            context.abort(grpc.StatusCode.NOT_FOUND, f"{name} not found")
        return state[kind][name]

    def updated(kind: str, resource, mask, updatable: set[str], context):
        current = stored(kind, resource.name, context)
        paths = list(mask.paths) or sorted(updatable)
        if set(paths) - updatable:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"cannot update {sorted(set(paths) - updatable)}")
        for path in paths:
            setattr(current, path, getattr(resource, path))
        return current

    @api.method(tags, "CreateTaxonomy", dc.CreateTaxonomyRequest, dc.Taxonomy)
    def create_taxonomy(request, context):
        siblings = [t for t in state["taxonomies"].values() if t.name.startswith(request.parent + "/")]
        if any(t.display_name == request.taxonomy.display_name for t in siblings):
            context.abort(grpc.StatusCode.ALREADY_EXISTS, f"taxonomy {request.taxonomy.display_name} already exists")
        taxonomy = dc.Taxonomy(request.taxonomy)
        taxonomy.name = f"{request.parent}/taxonomies/{next(ids)}"
        state["taxonomies"][taxonomy.name] = taxonomy
        return taxonomy

    @api.method(tags, "GetTaxonomy", dc.GetTaxonomyRequest, dc.Taxonomy)
    def get_taxonomy(request, context):
        return stored("taxonomies", request.name, context)

    @api.method(tags, "ListTaxonomies", dc.ListTaxonomiesRequest, dc.ListTaxonomiesResponse)
    def list_taxonomies(request, context):
        own = [t for t in state["taxonomies"].values() if t.name.startswith(request.parent + "/taxonomies/")]
        return page(request, own, dc.ListTaxonomiesResponse, "taxonomies")

    @api.method(tags, "UpdateTaxonomy", dc.UpdateTaxonomyRequest, dc.Taxonomy)
    def update_taxonomy(request, context):
        updatable = {"display_name", "description", "activated_policy_types"}
        return updated("taxonomies", request.taxonomy, request.update_mask, updatable, context)

    @api.method(tags, "CreatePolicyTag", dc.CreatePolicyTagRequest, dc.PolicyTag)
    def create_policy_tag(request, context):
        stored("taxonomies", request.parent, context)
        siblings = [t for t in state["policy_tags"].values() if t.name.startswith(request.parent + "/")]
        if any(t.display_name == request.policy_tag.display_name for t in siblings):
            context.abort(
                grpc.StatusCode.ALREADY_EXISTS, f"policy tag {request.policy_tag.display_name} already exists"
            )
        tag = dc.PolicyTag(request.policy_tag)
        tag.name = f"{request.parent}/policyTags/{next(ids)}"
        state["policy_tags"][tag.name] = tag
        return tag

    @api.method(tags, "GetPolicyTag", dc.GetPolicyTagRequest, dc.PolicyTag)
    def get_policy_tag(request, context):
        return stored("policy_tags", request.name, context)

    @api.method(tags, "ListPolicyTags", dc.ListPolicyTagsRequest, dc.ListPolicyTagsResponse)
    def list_policy_tags(request, context):
        stored("taxonomies", request.parent, context)
        own = [t for t in state["policy_tags"].values() if t.name.startswith(request.parent + "/policyTags/")]
        return page(request, own, dc.ListPolicyTagsResponse, "policy_tags")

    @api.method(tags, "UpdatePolicyTag", dc.UpdatePolicyTagRequest, dc.PolicyTag)
    def update_policy_tag(request, context):
        updatable = {"display_name", "description", "parent_policy_tag"}
        return updated("policy_tags", request.policy_tag, request.update_mask, updatable, context)

    def tag_exists(name: str, context):
        if name not in state["policy_tags"]:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"policy tag {name!r} does not exist")

    @api.method(policies, "CreateDataPolicy", bd.CreateDataPolicyRequest, bd.DataPolicy)
    def create_data_policy(request, context):
        policy_id = request.data_policy.data_policy_id
        if not re.fullmatch(r"[A-Za-z0-9_]+", policy_id):
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"invalid data policy id {policy_id!r}")
        name = f"{request.parent}/dataPolicies/{policy_id}"
        if name in state["data_policies"]:
            context.abort(grpc.StatusCode.ALREADY_EXISTS, f"{name} already exists")
        tag_exists(request.data_policy.policy_tag, context)
        data_policy = bd.DataPolicy(request.data_policy)
        data_policy.name = name
        state["data_policies"][name] = data_policy
        return data_policy

    @api.method(policies, "GetDataPolicy", bd.GetDataPolicyRequest, bd.DataPolicy)
    def get_data_policy(request, context):
        return stored("data_policies", request.name, context)

    @api.method(policies, "ListDataPolicies", bd.ListDataPoliciesRequest, bd.ListDataPoliciesResponse)
    def list_data_policies(request, context):
        own = [p for p in state["data_policies"].values() if p.name.startswith(request.parent + "/dataPolicies/")]
        return page(request, own, bd.ListDataPoliciesResponse, "data_policies")

    @api.method(policies, "UpdateDataPolicy", bd.UpdateDataPolicyRequest, bd.DataPolicy)
    def update_data_policy(request, context):
        if "policy_tag" in request.update_mask.paths or not request.update_mask.paths:
            tag_exists(request.data_policy.policy_tag, context)
        updatable = {"policy_tag", "data_masking_policy", "data_policy_type"}
        return updated("data_policies", request.data_policy, request.update_mask, updatable, context)

    for service, kinds in ((tags, ("taxonomies", "policy_tags")), (policies, ("data_policies",))):

        def get_iam(request, context, kinds=kinds):
            if not any(request.resource in state[kind] for kind in kinds):
                context.abort(grpc.StatusCode.NOT_FOUND, f"{request.resource} not found")
            return state["privacy_policies"].get(request.resource, policy_pb2.Policy(etag=b"\x00"))

        def set_iam(request, context, kinds=kinds):
            if not any(request.resource in state[kind] for kind in kinds):
                context.abort(grpc.StatusCode.NOT_FOUND, f"{request.resource} not found")
            state["privacy_policies"][request.resource] = request.policy
            return request.policy

        api.method(service, "GetIamPolicy", iam_policy_pb2.GetIamPolicyRequest, policy_pb2.Policy)(get_iam)
        api.method(service, "SetIamPolicy", iam_policy_pb2.SetIamPolicyRequest, policy_pb2.Policy)(set_iam)
    return api, state

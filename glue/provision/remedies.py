"""What to do about a failed call: the role to grant or the API to enable, by resource kind."""

from __future__ import annotations

from google.api_core import exceptions

from glue.provision.plan import ResourceError

# The narrowest predefined role that lets `provision` read and create each kind of resource.
ROLES = {
    "storage bucket": "roles/storage.admin",
    "bigquery dataset": "roles/bigquery.dataOwner (or roles/bigquery.admin to create datasets)",
    "bigquery table": "roles/bigquery.dataOwner",
    "bigquery external table": "roles/bigquery.dataOwner",
    "bigquery dataset grant": "roles/bigquery.dataOwner",
    "bigquery connection": "roles/bigquery.connectionAdmin",
    "bigquery object table": "roles/bigquery.dataOwner and roles/bigquery.connectionAdmin (to delegate the connection)",
    "storage bucket grant": "roles/storage.admin",
    "pubsub schema": "roles/pubsub.editor",
    "pubsub topic": "roles/pubsub.editor",
    "pubsub subscription": "roles/pubsub.editor",
    "pubsub bq subscription": "roles/pubsub.editor",
    "pubsub iam grant": "roles/pubsub.admin",
    "logging metric": "roles/logging.configWriter",
    "monitoring email channel": "roles/monitoring.notificationChannelEditor",
    "monitoring alert policy": "roles/monitoring.alertPolicyEditor",
    "dataform release config": "roles/dataform.editor",
    "dataform workflow config": "roles/dataform.editor",
    "dataplex lake": "roles/dataplex.admin",
    "dataplex zone": "roles/dataplex.admin",
    "dataplex asset": "roles/dataplex.admin",
    "dataplex zone readers": "roles/dataplex.admin",
    "dataplex aspect type": "roles/dataplex.catalogAdmin",
    "dataplex table aspect": "roles/dataplex.catalogEditor",
    "service": "roles/serviceusage.serviceUsageAdmin",
    "policy tag taxonomy": "roles/datacatalog.categoryAdmin",
    "policy tag": "roles/datacatalog.categoryAdmin",
    "policy tag readers": "roles/datacatalog.categoryAdmin",
    "bigquery data policy": "roles/bigquerydatapolicy.admin",
    "data policy readers": "roles/bigquerydatapolicy.admin",
}

APIS = {
    "bigquery connection": "bigqueryconnection.googleapis.com",
    "storage": "storage.googleapis.com",
    "bigquery": "bigquery.googleapis.com",
    "pubsub": "pubsub.googleapis.com",
    "logging": "logging.googleapis.com",
    "monitoring": "monitoring.googleapis.com",
    "dataform": "dataform.googleapis.com",
    "dataplex": "dataplex.googleapis.com",
    "service": "serviceusage.googleapis.com",
    "policy": "datacatalog.googleapis.com",
    "bigquery data policy": "bigquerydatapolicy.googleapis.com",
    "data policy readers": "bigquerydatapolicy.googleapis.com",
}

_DISABLED_MARKERS = ("SERVICE_DISABLED", "has not been used in project", "it is disabled")


def api_disabled(error: Exception) -> bool:
    """Whether a refusal means the API is off in the project, rather than a missing permission."""
    return any(marker in str(error) for marker in _DISABLED_MARKERS)


def explain(failure: ResourceError, project: str) -> str:
    error, kind = failure.error, failure.resource.kind
    text = str(error)
    api = APIS.get(kind) or APIS[kind.split()[0]]
    if api_disabled(error):
        return (
            f"{kind} {failure.resource.name}: the {api} API is not enabled.\n"
            f"  enable it: gcloud services enable {api} --project {project}"
        )
    if isinstance(error, (exceptions.Forbidden, exceptions.PermissionDenied)):
        return (
            f"{kind} {failure.resource.name}: permission denied.\n"
            f"  grant the caller {ROLES[kind]} on project {project}\n  ({text.splitlines()[0]})"
        )
    return f"{kind} {failure.resource.name}: {text}"


def explain_project_lookup(error: Exception, project: str) -> str:
    text = str(error)
    if api_disabled(error):
        return (
            "looking up the project number: the cloudresourcemanager.googleapis.com API is not enabled.\n"
            f"  enable it: gcloud services enable cloudresourcemanager.googleapis.com --project {project}\n"
            "  or pass --project-number"
        )
    return (
        f"looking up the project number of {project}: {text.splitlines()[0] if text else error!r}\n"
        "  the caller needs resourcemanager.projects.get (roles/browser), or pass --project-number"
    )

"""The official clients `clickstream deploy` reads and changes service accounts, project roles
and the Cloud Run service through, and their stand-ins for a dry run without credentials.

The Google client libraries are imported inside the factories: the rest of the CLI starts
without them.
"""

from __future__ import annotations

from typing import Any, NamedTuple


class IamClients(NamedTuple):
    """IAM Admin (service accounts) and Resource Manager (the project's IAM policy)."""

    iam: Any
    projects: Any


def real_iam_clients() -> IamClients:
    """The official IAM Admin and Resource Manager clients, with application default credentials;
    NetworkUnreachable when their endpoints cannot be reached."""
    from google.cloud import iam_admin_v1, resourcemanager_v3

    from glue.provision.network import ensure_reachable

    clients = IamClients(iam_admin_v1.IAMClient(), resourcemanager_v3.ProjectsClient())
    ensure_reachable(["iam.googleapis.com", "cloudresourcemanager.googleapis.com"])
    return clients


def offline_iam_clients() -> IamClients:
    """Stand-ins for `real_iam_clients` without credentials: the plan is declared, not read."""
    from google.cloud import iam_admin_v1, resourcemanager_v3

    from glue.provision.plan import OfflineClient

    return IamClients(OfflineClient(iam_admin_v1.IAMClient), OfflineClient(resourcemanager_v3.ProjectsClient))


def real_run_client(region: str | None = None):
    """The official Cloud Run Admin API v2 client. The v2 API is served from one global endpoint
    (run.googleapis.com) for every region: `region` is the service's, named in each request
    (projects/P/locations/REGION/services/S), and is accepted here so that every factory of
    `clickstream deploy` is called alike."""
    from google.cloud import run_v2

    from glue.provision.network import ensure_reachable

    client = run_v2.ServicesClient()
    ensure_reachable(["run.googleapis.com"])
    return client


def offline_run_client(region: str | None = None):
    """A stand-in for `real_run_client` without credentials."""
    from google.cloud import run_v2

    from glue.provision.plan import OfflineClient

    return OfflineClient(run_v2.ServicesClient)

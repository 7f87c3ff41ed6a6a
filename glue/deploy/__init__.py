"""`clickstream deploy`: an environment's service accounts, landing side, alerting, governance,
Dataform repository and schedules, DoS-alert job and predictions service, as one ordered plan.

Service accounts and their roles are in service_accounts.py, the predictions service on Cloud
Run in cloud_run.py, their clients in clients.py; deployment.py puts every part in order.
"""

from glue.deploy.clients import IamClients, offline_iam_clients, offline_run_client, real_iam_clients, real_run_client
from glue.deploy.cloud_run import cloud_run_resources, image_uri
from glue.deploy.deployment import (
    SECTIONS,
    DeployClients,
    DeployPlan,
    deploy_sections,
    offline_deploy_clients,
    real_deploy_clients,
)
from glue.deploy.service_accounts import service_account_resources

__all__ = [
    "SECTIONS",
    "DeployClients",
    "DeployPlan",
    "IamClients",
    "cloud_run_resources",
    "deploy_sections",
    "image_uri",
    "offline_deploy_clients",
    "offline_iam_clients",
    "offline_run_client",
    "real_deploy_clients",
    "real_iam_clients",
    "real_run_client",
    "service_account_resources",
]

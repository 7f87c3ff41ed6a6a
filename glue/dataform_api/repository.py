"""The Dataform repository as a plan resource: connected to this project's git remote, its token
read from Secret Manager, its workflows run as the pipeline service account, and a developer's
workspaces compiled into their own datasets (the dev environment's suffix and prefix)."""

from __future__ import annotations

from google.cloud import dataform_v1
from google.protobuf import field_mask_pb2

from glue.provision.plan import get_or_none
from glue.settings import Environment


def pipeline_service_account(project: str) -> str:
    """The identity Dataform runs workflows as (deploy.service_accounts: clickstream-pipeline)."""
    return f"clickstream-pipeline@{project}.iam.gserviceaccount.com"


class Repository:
    kind = "dataform repository"

    def __init__(self, client, env: Environment, repository_id: str, git: dict):
        self.client, self.env, self.repository_id, self.git = client, env, repository_id, git
        self.parent = f"projects/{env.project}/locations/{env.region}"
        self.name = f"{self.parent}/repositories/{repository_id}"

    def _wanted(self) -> dataform_v1.Repository:
        project = self.env.project
        return dataform_v1.Repository(
            name=self.name,
            git_remote_settings=dataform_v1.Repository.GitRemoteSettings(
                url=self.git["url"],
                default_branch=self.git.get("default_branch", "main"),
                authentication_token_secret_version=f"projects/{project}/secrets/{self.git['token_secret']}/versions/latest",
            ),
            # Each developer's workspace compiles into datasets suffixed with the workspace name.
            workspace_compilation_overrides=dataform_v1.Repository.WorkspaceCompilationOverrides(
                default_database=project, schema_suffix="${workspaceName}"
            ),
            service_account=pipeline_service_account(project),
        )

    def read(self):
        return get_or_none(self.client.get_repository, name=self.name)

    def differences(self, current) -> list[str]:
        wanted, found = self._wanted(), []
        have_git, want_git = current.git_remote_settings, wanted.git_remote_settings
        for field, label in (
            ("url", "git remote"),
            ("default_branch", "default branch"),
            ("authentication_token_secret_version", "token secret"),
        ):
            if getattr(have_git, field) != getattr(want_git, field):
                found.append(f"{label}: {getattr(have_git, field) or '-'} -> {getattr(want_git, field)}")
        if current.service_account != wanted.service_account:
            found.append(
                f"runs as: {current.service_account or 'the Dataform service agent'} -> {wanted.service_account}"
            )
        have_ws, want_ws = current.workspace_compilation_overrides, wanted.workspace_compilation_overrides
        if (have_ws.default_database, have_ws.schema_suffix) != (want_ws.default_database, want_ws.schema_suffix):
            found.append(f"workspace overrides -> database {want_ws.default_database}, suffix {want_ws.schema_suffix}")
        return found

    def create(self) -> None:
        self.client.create_repository(parent=self.parent, repository=self._wanted(), repository_id=self.repository_id)

    def update(self, current, differences) -> None:
        self.client.update_repository(
            repository=self._wanted(),
            update_mask=field_mask_pb2.FieldMask(
                paths=["git_remote_settings", "workspace_compilation_overrides", "service_account"]
            ),
        )

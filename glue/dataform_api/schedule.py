"""Release and workflow configurations as declared in clickstream.yaml, as plan resources.

An environment's release configurations compile with its overrides (`compilation_config`):
its project as the default database, its location, schema suffix, table prefix and vars.
An environment that is promoted into (prod) has no schedule of its own: its release
configurations are compiled by `clickstream dataform promote` at the commit the environment it
is promoted from ran, so their git ref and compilation result are the promotion's to set.
"""

from __future__ import annotations

from typing import Callable

from google.cloud import dataform_v1
from google.protobuf import field_mask_pb2

from glue.provision.plan import get_or_none
from glue.settings import Environment


def _changed(current, wanted, fields: tuple[tuple[str, str], ...]) -> list[str]:
    """`label: old -> new` for each (field, label) whose value differs."""
    return [
        f"{label}: {getattr(current, field) or '-'} -> {getattr(wanted, field) or '-'}"
        for field, label in fields
        if getattr(current, field) != getattr(wanted, field)
    ]


def repository_path(project: str, region: str, repository: str) -> str:
    return f"projects/{project}/locations/{region}/repositories/{repository}"


def compilation_config(env: Environment | None, variables: dict | None = None) -> dataform_v1.CodeCompilationConfig:
    """What a compilation in `env` overrides: its project, location, schema suffix, table
    prefix, and its vars with `variables` over them. No environment: only `variables`."""
    merged = {**(env.vars if env else {}), **{k: str(v) for k, v in (variables or {}).items()}}
    if env is None:
        return dataform_v1.CodeCompilationConfig(vars=merged)
    return dataform_v1.CodeCompilationConfig(
        default_database=env.project,
        default_location=env.location,
        schema_suffix=env.schema_suffix,
        table_prefix=env.table_prefix,
        vars=merged,
    )


class ReleaseConfig:
    kind = "dataform release config"

    def __init__(
        self,
        client,
        repository: str,
        config_id: str,
        spec: dict,
        env: Environment | None = None,
        found_vars: Callable[[], dict] | None = None,
    ):
        """`found_vars`: compilation vars read from the project each time the configuration is
        compared or written (the policy tags' names, which the governance section creates first)."""
        self.client, self.repository, self.config_id, self.spec, self.env = client, repository, config_id, spec, env
        self.found_vars = found_vars
        self.name = f"{repository}/releaseConfigs/{config_id}"

    @property
    def promoted(self) -> bool:
        """Compiled by `dataform promote`, not on a schedule: git ref and result are the promotion's."""
        return bool(self.env and self.env.promote_from)

    def _wanted(self, current=None) -> dataform_v1.ReleaseConfig:
        git_commitish = self.env.git_commitish if self.env else self.spec["git_commitish"]
        if self.promoted and current is not None:
            git_commitish = current.git_commitish
        return dataform_v1.ReleaseConfig(
            name=self.name,
            git_commitish=git_commitish,
            cron_schedule="" if self.promoted else self.spec.get("cron", ""),
            time_zone=self.spec.get("time_zone", "Etc/UTC"),
            code_compilation_config=compilation_config(
                self.env, {**(self.spec.get("vars") or {}), **(self.found_vars() if self.found_vars else {})}
            ),
        )

    def read(self):
        return get_or_none(self.client.get_release_config, name=self.name)

    def differences(self, current) -> list[str]:
        wanted = self._wanted(current)
        found = _changed(
            current, wanted, (("git_commitish", "git ref"), ("cron_schedule", "schedule"), ("time_zone", "time zone"))
        )
        have, want = current.code_compilation_config, wanted.code_compilation_config
        for field, label in (
            ("default_database", "project"),
            ("default_location", "location"),
            ("schema_suffix", "schema suffix"),
            ("table_prefix", "table prefix"),
        ):
            if getattr(have, field) != getattr(want, field):
                found.append(f"{label}: {getattr(have, field) or '-'} -> {getattr(want, field) or '-'}")
        if dict(have.vars) != dict(want.vars):
            found.append(f"vars -> {dict(want.vars)}")
        return found

    def create(self) -> None:
        self.client.create_release_config(
            parent=self.repository, release_config=self._wanted(), release_config_id=self.config_id
        )

    def update(self, current, differences) -> None:
        self.client.update_release_config(
            release_config=self._wanted(current),
            update_mask=field_mask_pb2.FieldMask(
                paths=["git_commitish", "cron_schedule", "time_zone", "code_compilation_config"]
            ),
        )


class WorkflowConfig:
    kind = "dataform workflow config"

    def __init__(self, client, repository: str, config_id: str, spec: dict):
        self.client, self.repository, self.config_id, self.spec = client, repository, config_id, spec
        self.name = f"{repository}/workflowConfigs/{config_id}"

    def _wanted(self) -> dataform_v1.WorkflowConfig:
        return dataform_v1.WorkflowConfig(
            name=self.name,
            release_config=f"{self.repository}/releaseConfigs/{self.spec['release_config']}",
            cron_schedule=self.spec.get("cron", ""),
            time_zone=self.spec.get("time_zone", "Etc/UTC"),
            invocation_config=dataform_v1.InvocationConfig(
                included_tags=list(self.spec.get("tags") or []),
                # The audit runs its assertions alone, against the tables as the hourly runs left them.
                transitive_dependencies_included=bool(self.spec.get("include_dependencies", True)),
                fully_refresh_incremental_tables_enabled=bool(self.spec.get("full_refresh")),
            ),
        )

    def read(self):
        return get_or_none(self.client.get_workflow_config, name=self.name)

    def differences(self, current) -> list[str]:
        wanted = self._wanted()
        found = _changed(
            current, wanted, (("release_config", "release"), ("cron_schedule", "schedule"), ("time_zone", "time zone"))
        )
        have, want = current.invocation_config, wanted.invocation_config
        if list(have.included_tags) != list(want.included_tags):
            found.append(f"tags: {list(have.included_tags) or 'all'} -> {list(want.included_tags) or 'all'}")
        if have.transitive_dependencies_included != want.transitive_dependencies_included:
            found.append(f"dependencies included -> {want.transitive_dependencies_included}")
        if have.fully_refresh_incremental_tables_enabled != want.fully_refresh_incremental_tables_enabled:
            found.append(f"full refresh -> {want.fully_refresh_incremental_tables_enabled}")
        return found

    def create(self) -> None:
        self.client.create_workflow_config(
            parent=self.repository, workflow_config=self._wanted(), workflow_config_id=self.config_id
        )

    def update(self, current, differences) -> None:
        self.client.update_workflow_config(
            workflow_config=self._wanted(),
            update_mask=field_mask_pb2.FieldMask(
                paths=["release_config", "cron_schedule", "time_zone", "invocation_config"]
            ),
        )


def schedule_resources(
    client, repository: str, declared: dict, env: Environment | None = None, found_vars=None
) -> list:
    releases = [
        ReleaseConfig(client, repository, name, spec, env, found_vars)
        for name, spec in (declared.get("release_configs") or {}).items()
    ]
    workflows = [
        WorkflowConfig(client, repository, name, spec)
        for name, spec in (declared.get("workflow_configs") or {}).items()
    ]
    return releases + workflows


def undeclared(client, repository: str, declared: dict) -> list[str]:
    """Configurations in the repository that clickstream.yaml does not declare (reported, not removed)."""
    wanted = {f"{repository}/releaseConfigs/{n}" for n in declared.get("release_configs") or {}}
    wanted |= {f"{repository}/workflowConfigs/{n}" for n in declared.get("workflow_configs") or {}}
    found = [c.name for c in client.list_release_configs(parent=repository)]
    found += [c.name for c in client.list_workflow_configs(parent=repository)]
    return sorted(name for name in found if name not in wanted)

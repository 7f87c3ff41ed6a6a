"""Promotion and rollback between environments' Dataform repositories.

A compilation result belongs to one repository, and each environment has its own project and
repository. So promoting staging to prod releases in prod exactly the commit staging's release
configuration last compiled: prod's release configuration is pointed at that commit, compiled
once with prod's own overrides, and set to that compilation result, which every scheduled
workflow of prod then runs. A rollback points it back at the previous compilation result.
"""

from __future__ import annotations

from dataclasses import dataclass

from google.cloud import dataform_v1
from google.protobuf import field_mask_pb2

from glue.dataform_api.invocations import CompilationFailed


class PromotionError(RuntimeError):
    """Nothing to promote or roll back to; the message says what to do."""


@dataclass(frozen=True)
class Release:
    release_config: str
    git_commit: str
    compilation_result: str


def _point(client, config: dataform_v1.ReleaseConfig, git_commitish: str, result: str) -> None:
    config.git_commitish = git_commitish
    config.release_compilation_result = result
    client.update_release_config(
        release_config=config,
        update_mask=field_mask_pb2.FieldMask(paths=["git_commitish", "release_compilation_result"]),
    )


def released_commit(client, release_config: str) -> str:
    """The commit a release configuration's current compilation result was compiled from."""
    config = client.get_release_config(name=release_config)
    if not config.release_compilation_result:
        raise PromotionError(
            f"{release_config} has not compiled anything yet: deploy that environment and let its schedule "
            "(or `clickstream dataform run`) compile it first"
        )
    result = client.get_compilation_result(name=config.release_compilation_result)
    return result.resolved_git_commit_sha


def promote(client, source_repository: str, target_repository: str, config_ids: list[str]) -> list[Release]:
    """Release in the target what the source runs, one release configuration at a time."""
    releases = []
    for config_id in config_ids:
        commit = released_commit(client, f"{source_repository}/releaseConfigs/{config_id}")
        name = f"{target_repository}/releaseConfigs/{config_id}"
        config = client.get_release_config(name=name)
        _point(client, config, commit, config.release_compilation_result)
        result = client.create_compilation_result(
            parent=target_repository, compilation_result=dataform_v1.CompilationResult(release_config=name)
        )
        if result.compilation_errors:
            raise CompilationFailed(result)
        _point(client, config, commit, result.name)
        releases.append(Release(name, result.resolved_git_commit_sha or commit, result.name))
    return releases


def rollback(client, target_repository: str, config_ids: list[str]) -> list[Release]:
    """Point each release configuration back at its previous successful compilation result."""
    results = sorted(
        client.list_compilation_results(request={"parent": target_repository}),
        key=lambda r: (r.create_time.timestamp() if r.create_time else 0, r.name),
    )
    releases = []
    for config_id in config_ids:
        name = f"{target_repository}/releaseConfigs/{config_id}"
        config = client.get_release_config(name=name)
        own = [r for r in results if r.release_config == name and not r.compilation_errors]
        names = [r.name for r in own]
        if config.release_compilation_result not in names or names.index(config.release_compilation_result) == 0:
            raise PromotionError(f"{name}: no earlier compilation result to roll back to")
        previous = own[names.index(config.release_compilation_result) - 1]
        _point(client, config, previous.resolved_git_commit_sha, previous.name)
        releases.append(Release(name, previous.resolved_git_commit_sha, previous.name))
    return releases

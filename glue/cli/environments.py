"""`--env`, `--project` and `--region` for every cloud command: which environment it acts on.

The environment (clickstream.yaml, `environments:`) gives the project and region; flags
override it. Without --env (or $CLICKSTREAM_ENV), the flags and $GOOGLE_CLOUD_PROJECT /
$CLICKSTREAM_REGION name the project as they always have. The command is handed the resolved
`target` (a glue.settings.Environment) and prints it before it does anything.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import subprocess

import click

from glue.settings import Environment, get_settings


def resolve_target(
    env: str | None,
    project: str | None,
    region: str | None,
    *,
    need_region: bool = True,
    region_is_location: bool = False,
) -> Environment:
    """The environment a command acts on; click.UsageError when nothing names a project or region.
    With `region_is_location`, --region overrides the BigQuery location instead (provision)."""
    settings = get_settings()
    env = env or os.environ.get("CLICKSTREAM_ENV") or None
    location = None
    if region_is_location:
        location, region = region or os.environ.get("CLICKSTREAM_REGION") or None, None
    if env:
        target = settings.environment(env, project=project, region=region)
        if target.is_local:
            raise click.UsageError(f"--env {env} is the local warehouse; cloud commands need dev, staging or prod")
    else:
        project = project or os.environ.get("GOOGLE_CLOUD_PROJECT")
        if not project:
            names = ", ".join(n for n in settings.environment_names if n != "local")
            raise click.UsageError(f"name an environment with --env ({names}) or a project with --project")
        target = Environment(
            name="(from flags)",
            project=project,
            region=region or (None if region_is_location else os.environ.get("CLICKSTREAM_REGION")) or None,
            location=settings.region,
        )
    if location:
        target = dataclasses.replace(target, location=location)
    if need_region and not target.region:
        raise click.UsageError("name a region with --region (e.g. us-central1), or use --env")
    return target


def cloud_target(
    need_region: bool = True, region_help: str = "The region, e.g. us-central1.", region_is_location: bool = False
):
    """Decorator: adds --env/--project/--region and calls the command with `target=`."""

    def decorate(command):
        @click.option(
            "--env",
            "env_name",
            metavar="ENV",
            help="The environment in clickstream.yaml: dev, staging or prod (default: $CLICKSTREAM_ENV).",
        )
        @click.option(
            "--project", help="Override the environment's project (default without --env: $GOOGLE_CLOUD_PROJECT)."
        )
        @click.option("--region", help=f"{region_help} Overrides the environment's (default: $CLICKSTREAM_REGION).")
        @functools.wraps(command)
        def wrapper(env_name, project, region, **kwargs):
            target = resolve_target(
                env_name, project, region, need_region=need_region, region_is_location=region_is_location
            )
            click.secho(target.describe(), bold=True, err=True)
            return command(target=target, **kwargs)

        return wrapper

    return decorate


def image_tag(given: str | None) -> str:
    """The images' tag: `given`, else the commit checked out (CI tags both images with it)."""
    if given:
        return given
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True, cwd=get_settings().root
        )
    except (OSError, subprocess.CalledProcessError):
        raise click.UsageError("--image-tag: no git commit to default to") from None
    return done.stdout.strip()

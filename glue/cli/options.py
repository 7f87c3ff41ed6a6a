"""What the commands share: parameter types (durations, timestamps, key=value pairs, a range of loads
to reprocess) and how a command fails on the user's error."""

from __future__ import annotations

import re
import sys
from datetime import datetime, timedelta, timezone

import click

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, None: 1}


def parse_duration(text: str) -> timedelta:
    """'90s', '1m', '2h', '1d', '1.5h' or plain seconds."""
    match = _DURATION.match(text.strip())
    if not match:
        raise ValueError(f"not a duration: {text!r} (try 90s, 1m, 2h, 1d)")
    return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])


class Duration(click.ParamType):
    name = "DURATION"

    def convert(self, value, param, ctx):
        if isinstance(value, timedelta):
            return value
        try:
            return parse_duration(value)
        except ValueError as error:
            self.fail(str(error), param, ctx)


class Timestamp(click.ParamType):
    """ISO-8601; no offset means UTC, as in the visit data."""

    name = "TIMESTAMP"

    def convert(self, value, param, ctx):
        if isinstance(value, datetime):
            return value
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            self.fail(f"not an ISO-8601 time: {value!r}", param, ctx)
        return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def parse_vars(pairs: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"expected key=value, got {pair!r}", param_hint="--vars")
        out[key.strip()] = value
    return out


def cloud_clients(factory, offline=None):
    """`factory()`'s official clients. Without credentials: `offline()`'s stand-ins when given
    (a dry run plans from the declarations alone), else a clear message and exit 2; the same
    exit when the factory finds Google Cloud unreachable."""
    import sys

    from google.auth.exceptions import DefaultCredentialsError

    from glue.provision.network import NetworkUnreachable

    try:
        return factory()
    except NetworkUnreachable as error:  # said at once, not after a minute of the clients' retries
        click.secho(str(error), fg="red", err=True)
        sys.exit(2)
    except DefaultCredentialsError:
        if offline is not None:
            click.secho(
                "no Google Cloud credentials: the plan below is what is declared, not compared with the live project",
                fg="yellow",
                err=True,
            )
            return offline()
        click.secho(
            "no Google Cloud credentials: run `gcloud auth application-default login` "
            "(or set GOOGLE_APPLICATION_CREDENTIALS)",
            fg="red",
            err=True,
        )
        sys.exit(2)


def plan_clients(factory, stand_ins, dry_run: bool):
    """(clients, offline): the official clients, or for a dry run without credentials the
    stand-ins that let the plan be printed from the declarations alone."""
    used = []

    def offline():
        used.append(True)
        return stand_ins()

    clients = cloud_clients(factory, offline if dry_run else None)
    return clients, bool(used)


def reprocess_plan(text: str, actions: list[str], variables: dict | None = None):
    """A reprocessing run from `--reprocess FROM..UNTIL`: (its range, its vars, the graph compiled
    with them, the names of the actions it runs). `actions`, when given, are the only ones (to
    finish a run that failed after its curated step; docs/reprocessing.md). Exits 2 with what to
    fix when the range, the project or an action is wrong."""
    from glue.dataform import CliMissing, CompilationError
    from glue.runner import compile_graph, parse_range, reprocess_selection
    from glue.settings import get_settings

    settings = get_settings()
    try:
        load_range = parse_range(text)
        merged = {**(variables or {}), **load_range.variables()}
        graph = compile_graph(settings, merged)
        names = [graph.find(name).name for name in actions] or reprocess_selection(graph, settings.separate_tags)
    except (ValueError, KeyError) as error:
        _exit(f"--reprocess: {error.args[0]}")
    except (CompilationError, CliMissing) as error:
        _exit(str(error))
    click.echo(f"reprocessing the loads of {load_range}: {len(names)} actions", err=True)
    return load_range, merged, graph, names


def _exit(message: str) -> None:
    click.secho(message, fg="red", err=True)
    sys.exit(2)


def fail(error: Exception | str) -> None:
    """The error's message in red on stderr, and exit code 2: the user's to fix, no traceback."""
    # A KeyError's str() is its repr, quotes and all.
    message = error.args[0] if isinstance(error, KeyError) and error.args else str(error)
    click.secho(message, fg="red", err=True)
    sys.exit(2)

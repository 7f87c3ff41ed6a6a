"""glue/provision/network.py and the cloud commands without a network or without credentials."""

import socket

from click.testing import CliRunner
from google.auth.exceptions import DefaultCredentialsError

from glue.cli import main
from glue.provision.network import NetworkUnreachable, unreachable


def test_a_name_that_does_not_resolve_is_named_as_such(monkeypatch):
    def no_dns(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.delenv("HTTPS_PROXY", raising=False)
    monkeypatch.delenv("https_proxy", raising=False)
    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    assert unreachable(["bigquery.googleapis.com"]) == (
        "cannot reach bigquery.googleapis.com: its name does not resolve (Name or service not known); "
        "check DNS and the network"
    )


def test_a_refused_connection_is_named_as_such(monkeypatch):
    # A port nothing listens on, on this machine.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()
    monkeypatch.delenv("HTTPS_PROXY", raising=False)
    monkeypatch.delenv("https_proxy", raising=False)
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", closed)])
    assert unreachable(["bigquery.googleapis.com"]).startswith(
        "cannot reach bigquery.googleapis.com (127.0.0.1:443): Connection refused"
    )


def test_behind_a_proxy_nothing_is_asked(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy:3128")
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: (_ for _ in ()).throw(AssertionError("asked")))
    assert unreachable(["bigquery.googleapis.com"]) is None


def _provision_failing_with(monkeypatch, error: Exception, *flags: str):
    """`clickstream provision` whose clients cannot be made, for `error`'s reason."""

    def failing(*args):
        raise error

    monkeypatch.setattr("glue.cli.provision.real_clients", failing)
    monkeypatch.delenv("PUBSUB_EMULATOR_HOST", raising=False)
    monkeypatch.delenv("STORAGE_EMULATOR_HOST", raising=False)
    return CliRunner().invoke(main, ["provision", "--project", "acme", "--region", "US", *flags])


def test_an_unreachable_google_cloud_is_reported_at_once_not_as_a_missing_role(monkeypatch):
    unreachable = NetworkUnreachable("cannot reach oauth2.googleapis.com: its name does not resolve")
    result = _provision_failing_with(monkeypatch, unreachable)
    assert result.exit_code == 2
    assert "cannot reach oauth2.googleapis.com" in result.output and "roles/" not in result.output


def test_a_dry_run_without_credentials_prints_the_declared_plan(monkeypatch):
    result = _provision_failing_with(monkeypatch, DefaultCredentialsError("no credentials"), "--dry-run")
    assert result.exit_code == 0, result.output
    lines = [" ".join(line.split()) for line in result.output.splitlines()]
    assert "? declare storage bucket acme-clickstream-landing" in lines
    assert "? declare pubsub topic projects/acme/topics/visits" in lines
    assert (
        "no Google Cloud credentials: the plan below is what is declared, not compared with the live project" in lines
    )
    assert any(
        line.endswith(
            "none compared with the live project (no credentials): with credentials, "
            "the same --dry-run says what would change"
        )
        for line in lines
    )

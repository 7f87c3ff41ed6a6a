"""Whether Google Cloud's endpoints can be reached at all, asked before any call.

The client libraries retry a failed connection for a minute or more and then report it as the
API's own error, which reads like a missing role. A name lookup and a TCP connection, each with a
short timeout, tell the difference within seconds.
"""

from __future__ import annotations

import os
import socket

# Every call first fetches an access token here.
TOKEN_HOST = "oauth2.googleapis.com"


def unreachable(hosts: list[str], timeout: float = 3.0) -> str | None:
    """Why the first of `hosts` cannot be reached on port 443, or None when all can. Behind a
    proxy (HTTPS_PROXY) the proxy resolves names, so nothing is asked here."""
    if os.environ.get("HTTPS_PROXY") or os.environ.get("https_proxy"):
        return None
    for host in hosts:
        try:
            addresses = socket.getaddrinfo(host, 443, type=socket.SOCK_STREAM)
        except socket.gaierror as error:
            return f"cannot reach {host}: its name does not resolve ({error.strerror}); check DNS and the network"
        family, kind, protocol, _, address = addresses[0]
        try:
            with socket.socket(family, kind, protocol) as connection:
                connection.settimeout(timeout)
                connection.connect(address)
        except OSError as error:
            return f"cannot reach {host} ({address[0]}:443): {error.strerror or error}; check the network and firewall"
    return None


class NetworkUnreachable(RuntimeError):
    """Google Cloud's endpoints cannot be reached from here; the message says which and why."""


def ensure_reachable(hosts: list[str]) -> None:
    """Raise NetworkUnreachable unless the token endpoint and every one of `hosts` answer."""
    problem = unreachable([TOKEN_HOST, *hosts])
    if problem:
        raise NetworkUnreachable(problem)

"""The governance APIs' fakes, started for a test: (server, state, clients)."""

import pytest

from tests.cloud_apis import governance_api, governance_clients


@pytest.fixture
def api():
    server, state = governance_api()
    clients = governance_clients(server.start())
    yield server, state, clients
    server.stop()

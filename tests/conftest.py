"""Shared fixtures: the compiled Dataform graph (compiled once per session) and visit builders."""

from __future__ import annotations

import copy
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

from glue.dataform import Graph
from glue.runner import compile_graph
from glue.settings import get_settings
from glue.sql_tests import Harness

REAL_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "challenge-lab-visits"


@pytest.fixture(scope="session")
def settings():
    return get_settings()


@pytest.fixture(scope="session")
def graph(settings) -> Graph:
    return compile_graph(settings)


@pytest.fixture
def harness(graph, oracle) -> Harness:
    """The SQL test harness on both engines: the local runner and BigQuery's reference evaluator."""
    return Harness(graph, oracle)


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    """A fresh local directory (warehouse, landing bucket, caches) for a command under test."""
    monkeypatch.setenv("CLICKSTREAM_LOCAL_DIR", str(tmp_path / "local"))
    from glue import settings

    settings.get_settings.cache_clear()
    yield tmp_path
    settings.get_settings.cache_clear()


@pytest.fixture(scope="session")
def oracle(settings):
    """ZetaSQL's local service (BigQuery's analyzer and reference evaluator) for the whole session,
    on a free port; stopped by its PID at the end."""
    from glue.oracle import Oracle, ZetaSQL

    with ZetaSQL.start(settings.root) as server:
        yield Oracle(server)


def copy_project(settings, destination: Path) -> Path:
    """A copy of the Dataform project that the real CLI compiles, to edit in a test."""
    import shutil

    for name in ("definitions", "includes"):
        shutil.copytree(settings.root / name, destination / name)
    for name in ("workflow_settings.yaml", "package.json", "package-lock.json"):
        shutil.copy(settings.root / name, destination / name)
    # Dataform's sandbox loads @dataform/core only from inside the project: a copy, not a link.
    shutil.copytree(
        settings.root / "node_modules" / "@dataform" / "core", destination / "node_modules" / "@dataform" / "core"
    )
    return destination


def standalone_project(settings, destination: Path) -> Path:
    """copy_project, with clickstream.yaml and links to the installed node modules and ZetaSQL's
    protos: a project whose own settings (root = the copy) compile, check and run."""
    copy_project(settings, destination)
    shutil.copy(settings.root / "clickstream.yaml", destination / "clickstream.yaml")
    (destination / "node_modules" / "@dataform" / "cli").symlink_to(
        settings.root / "node_modules" / "@dataform" / "cli"
    )
    for module in (settings.root / "node_modules").iterdir():
        if module.name != "@dataform":
            (destination / "node_modules" / module.name).symlink_to(module)
    protos = settings.root / ".local" / "zetasql"
    protos.mkdir(parents=True, exist_ok=True)  # generated on ZetaSQL's first start
    (destination / ".local").mkdir()
    (destination / ".local" / "zetasql").symlink_to(protos)
    return destination


@pytest.fixture(scope="session")
def real_data_dir() -> Path:
    if not REAL_DATA.is_dir() or not list(REAL_DATA.glob("*.jsonl")):
        pytest.skip(f"real sample data not found at {REAL_DATA} (../shared/data/challenge-lab-visits)")
    return REAL_DATA


BASE_VISIT = {
    "session_id": "SID-1001",
    "user_id": "UID-2002",
    "device_type": "mobile",
    "geolocation": "37.774900,-122.419400",
    "user_agent": "Mozilla/5.0 (iPhone)",
    "events": [
        {
            "event": {
                "event_type": "page_view",
                "timestamp": "2024-07-01T09:00:00",
                "details": {"page_url": "https://example.com/home", "referrer_url": None},
            }
        },
        {
            "event": {
                "event_type": "page_view",
                "timestamp": "2024-07-01T09:00:20",
                "details": {"page_url": "https://example.com/products", "referrer_url": "https://example.com/home"},
            }
        },
        {
            "event": {
                "event_type": "add_item_to_cart",
                "timestamp": "2024-07-01T09:01:05",
                "details": {
                    "product_id": "PER-001",
                    "product_name": "Wireless Mouse",
                    "category": "peripherals",
                    "price": 29.99,
                    "quantity": 2,
                },
            }
        },
        {
            "event": {
                "event_type": "purchase",
                "timestamp": "2024-07-01T09:01:40",
                "details": {
                    "order_id": "ORD-1",
                    "amount": 59.98,
                    "currency": "USD",
                    "items": [
                        {
                            "product_id": "PER-001",
                            "product_name": "Wireless Mouse",
                            "category": "peripherals",
                            "price": 29.99,
                            "quantity": 2,
                        }
                    ],
                },
            }
        },
    ],
}


@pytest.fixture
def visit():
    """A fresh copy of a valid four-event visit (home, products, add to cart, purchase)."""
    return copy.deepcopy(BASE_VISIT)


@pytest.fixture(scope="session")
def pubsub_emulator():
    """Google's Pub/Sub emulator on a free port for the whole session (PUBSUB_EMULATOR_HOST set)."""
    from glue.stack import EmulatorUnavailable, PubSubEmulator

    try:
        with PubSubEmulator() as running:
            yield running
    except EmulatorUnavailable as reason:
        pytest.skip(f"Pub/Sub emulator unavailable: {reason}")


@pytest.fixture(scope="session")
def storage_emulator(tmp_path_factory):
    """gcp-storage-emulator on a free port (STORAGE_EMULATOR_HOST set); objects under .storage_root."""
    from glue.stack import EmulatorUnavailable, StorageEmulator

    try:
        with StorageEmulator(storage_root=tmp_path_factory.mktemp("gcs") / "landing") as running:
            yield running
    except EmulatorUnavailable as reason:
        pytest.skip(f"Cloud Storage emulator unavailable: {reason}")


@contextmanager
def using_local_dir(local: Path):
    """The settings' local dir (warehouse, landing, archive) is `local` until the block ends."""
    from glue import settings as settings_module

    saved = os.environ.get("CLICKSTREAM_LOCAL_DIR")
    os.environ["CLICKSTREAM_LOCAL_DIR"] = str(local)
    settings_module.get_settings.cache_clear()
    try:
        yield settings_module.get_settings()
    finally:
        if saved is None:
            os.environ.pop("CLICKSTREAM_LOCAL_DIR", None)
        else:
            os.environ["CLICKSTREAM_LOCAL_DIR"] = saved
        settings_module.get_settings.cache_clear()


@contextmanager
def demo_local_dir(local: Path, *args: str):
    """`clickstream demo` run into the local dir `local` (warehouse, landing, dashboard), which
    stays the settings' local dir until the block ends."""
    from click.testing import CliRunner

    from glue.cli import main

    with using_local_dir(local):
        result = CliRunner().invoke(main, ["demo", *args])
        assert result.exit_code == 0, result.output
        yield result


# `make test` runs the tests in parallel workers (pytest-xdist, --dist loadgroup). Each module's
# tests stay together, so its module-scoped fixtures (a demo warehouse, a compiled copy) are made
# once; the modules that start emulators all share one group, so that no two emulators race for
# ports or cores.
EMULATOR_MODULES = {
    "tests.deploy.test_deploy",
    "tests.dos_alert.test_dos_alert_e2e",
    "tests.provision.test_landing",
    "tests.simulator.test_targets",
    "tests.stack.test_lifecycle",
    "tests.stack.test_subscription_sink",
}


def pytest_collection_modifyitems(items):
    for item in items:
        module = item.module.__name__
        item.add_marker(pytest.mark.xdist_group("emulators" if module in EMULATOR_MODULES else module))

"""An in-memory warehouse per test, and BigQuery's evaluator for support.run to ask."""

import pytest

from glue.runner import connect
from tests.runner.translate.support import _ORACLE


@pytest.fixture
def db():
    return connect(":memory:")


@pytest.fixture(autouse=True)
def _the_oracle(oracle):
    _ORACLE["oracle"] = oracle
    yield
    _ORACLE.clear()

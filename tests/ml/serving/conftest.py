import pytest

from tests.ml.serving.helpers import export_model


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory):
    """The exported boosted tree of helpers.export_model, trained once for the session."""
    return export_model(tmp_path_factory.mktemp("model"))

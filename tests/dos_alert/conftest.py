"""Beam tests run on the Python direct runner, pinned: the default tries to download Prism."""

import pytest

beam = pytest.importorskip("apache_beam", reason="Apache Beam is not installed (pip install -e '.[beam]')")


@pytest.fixture
def streaming_pipeline():
    from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions

    def make():
        options = PipelineOptions(flags=[], runner="BundleBasedDirectRunner")
        options.view_as(StandardOptions).streaming = True
        return beam.Pipeline(options=options)

    return make

"""Lets Dataflow workers install this project (`--setup_file`); pyproject.toml holds the metadata."""

from setuptools import setup

setup()

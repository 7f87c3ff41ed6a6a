"""The job's step names stay what the running job has, or a mapping says what they became:
Dataflow's in-place update matches steps by name (dos_alert/steps.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dos_alert import steps

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def graph() -> list[str]:
    return steps.graph_step_names()


def test_the_printed_graph_is_the_one_built(graph):
    built = subprocess.run(
        [sys.executable, "-m", "dos_alert.steps", "--json"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert built.returncode == 0, built.stderr
    assert json.loads(built.stdout) == graph


def test_the_graph_has_the_recorded_step_names(graph):
    problems = steps.update_problems(list(steps.RECORDED_STEPS), graph, steps.TRANSFORM_NAME_MAPPING)
    assert problems == [], "\n".join(problems)
    assert graph == list(steps.RECORDED_STEPS), (
        "the job's graph changed: run `python -m dos_alert.steps` and paste RECORDED_STEPS into dos_alert/steps.py"
    )


def test_every_mapping_names_a_step_of_the_graph(graph):
    gone = {new for new in steps.TRANSFORM_NAME_MAPPING.values() if new and new not in graph}
    assert gone == set()


def renamed(names: list[str], old: str, new: str) -> list[str]:
    return [new + name[len(old) :] if name == old or name.startswith(old + "/") else name for name in names]


def test_a_renamed_step_without_a_mapping_is_named_with_what_to_do(graph):
    current = renamed(graph, "Detect bursts", "Find bursts")
    problems = steps.update_problems(graph, current, {})
    assert problems and all("'Detect bursts" in p for p in problems)
    assert "TRANSFORM_NAME_MAPPING['Detect bursts'] = '<new name>'" in problems[0]
    assert "dos_alert/steps.py" in problems[0]


def test_a_renamed_step_with_its_mapping_passes_and_covers_the_steps_inside(graph):
    current = renamed(graph, "Count page views", "Count views")
    assert steps.update_problems(graph, current, {"Count page views": "Count views"}) == []
    assert steps.mapped("Count page views/Count/GroupByKey", {"Count page views": "Count views"}) == (
        "Count views/Count/GroupByKey"
    )


def test_a_mapping_to_a_missing_step_or_a_removal(graph):
    current = renamed(graph, "Detect bursts", "Find bursts")
    wrong = steps.update_problems(graph, current, {"Detect bursts": "Spot bursts"})
    assert wrong and "'Spot bursts'" in wrong[0]
    removed = [n for n in graph if not n.startswith("Archive dead letters")]
    assert steps.update_problems(graph, removed, {"Archive dead letters": ""}) == []

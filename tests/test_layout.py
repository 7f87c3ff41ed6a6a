"""The layout's rules: the runner is used through its public API, and module names are unique."""

import ast
from collections import defaultdict
from pathlib import Path

import glue.runner

ROOT = Path(__file__).resolve().parents[1]
CODE = ("glue", "dos_alert", "bench", "tests")
# The runner's own tests test its modules one by one.
INSIDE_THE_RUNNER = ("glue/runner/", "tests/runner/")


def _python_files(*folders: str) -> list[Path]:
    return sorted(path for folder in folders for path in (ROOT / folder).rglob("*.py"))


def _imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in the file, including those inside functions."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def test_nothing_outside_the_runner_imports_its_private_modules():
    private = []
    for path in _python_files(*CODE):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith(INSIDE_THE_RUNNER):
            continue
        for line, module in _imported_modules(path):
            if module.startswith("glue.runner.") and module.removeprefix("glue.runner.") not in glue.runner.__all__:
                private.append(f"{relative}:{line} imports {module}: use `from glue.runner import ...`")
    assert private == []


def test_the_runners_public_api_is_what_its_init_exports():
    assert sorted(glue.runner.__all__) == sorted(set(glue.runner.__all__))
    assert all(hasattr(glue.runner, name) for name in glue.runner.__all__)


def test_no_two_modules_share_a_name():
    # __init__ and __main__ are Python's own names; a command module is named for its command.
    places = defaultdict(list)
    for path in _python_files("glue", "dos_alert"):
        if path.name not in ("__init__.py", "__main__.py"):
            places[path.name].append(path.relative_to(ROOT).as_posix())
    assert {name: where for name, where in places.items() if len(where) > 1} == {}


def test_the_check_sees_an_import_of_a_private_module(tmp_path):
    # The rule above cannot pass by not looking: a private import in a file is found.
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from glue.runner.executor import Executor\n")
    assert (2, "glue.runner.executor") in _imported_modules(sample)

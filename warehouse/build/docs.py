"""`pars docs`: dbt docs generated from a private copy of the published warehouse, served offline.

Why a copy: dbt opens its database for writing, and the published file must only ever be replaced
whole by a build. The copy is taken under the warehouse lock (a load must not be half-written into it)
and deleted once the catalog is generated.
"""

from __future__ import annotations

import functools
import http.server
from collections.abc import Callable
from pathlib import Path

from ..files import FileProblem, copy_like, make_folder
from ..locking import WarehouseBusy, exclusive
from .dbt_runner import ROOT, dbt_args, invoke
from .workcopy import BuildError, WorkPaths, wal_of


def generate_docs(
    db: Path | str, *, project_dir: Path | None = None, progress: Callable[[str], None] | None = None
) -> Path:
    """Generate dbt docs for the published warehouse `db`; returns the folder holding index.html.

    The folder also holds `static_index.html`, a single file with the catalog inlined (opens without a
    server). Raises BuildError when there is no warehouse or dbt fails.
    """
    paths = WorkPaths(Path(db).resolve())
    report = progress or (lambda _text: None)
    copy = paths.state / "docs-db" / paths.db.name  # same file name: same DuckDB catalog name as published
    try:
        with exclusive(paths.db, "docs copy"):
            if not paths.db.is_file():
                raise BuildError(f"there is no warehouse at {paths.db}: load and build first")
            make_folder(paths.state, paths.db)  # never more open than the warehouse; a link refused
            make_folder(copy.parent, paths.db)
            report(f"copying {paths.db.name}")
            _remove(copy)
            copy_like(paths.db, copy)
            if paths.wal.exists():
                copy_like(paths.wal, wal_of(copy))
    except (WarehouseBusy, FileProblem) as exc:
        _remove(copy)
        raise BuildError(str(exc)) from None
    try:
        report("dbt docs generate")
        args = dbt_args(["docs", "generate", "--static"], project_dir or ROOT, paths.docs, paths.logs)
        run = invoke(args, copy, project_dir or ROOT)
    finally:
        _remove(copy)
    if not run.success:
        raise BuildError(f"dbt docs generate failed: {run.exception or 'see ' + str(paths.logs / 'dbt.log')}")
    return paths.docs


def _remove(copy: Path) -> None:
    for path in (copy, wal_of(copy)):
        path.unlink(missing_ok=True)


def serve(folder: Path, port: int = 8080, host: str = "127.0.0.1") -> http.server.ThreadingHTTPServer:
    """An HTTP server for the docs folder (local files only: the docs page needs no network)."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's signature
            pass

    handler = functools.partial(Quiet, directory=str(folder))
    return http.server.ThreadingHTTPServer((host, port), handler)

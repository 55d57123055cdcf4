"""One warehouse path per worker for the dbt builds of the build test files, so dbt parses the project once.

dbt keeps its parse of the project beside the warehouse (`<db>.dbt/target/partial_parse.msgpack`) and hashes the
warehouse's path into it (warehouse/build/workcopy.py): a build at a path never built before parses the whole
project (about 6 s of CPU at the tiny scale), a build at the same path as an earlier one re-parses only the
files that changed (a copied project with a planted file included). The build test files each built at paths of
their own, so every file (and some tests) paid the full parse.

`dbt_work` is a module fixture: a folder whose `w.duckdb` is the path every dbt build of the module uses, the same
folder for every module of the worker that asks for it in turn (so only the first build of the worker parses in
full). A module gets it emptied but for dbt's state folder `w.duckdb.dbt`; what the module leaves there is the
next module's to remove. Should two modules hold it at once (tests of several files interleaved on one worker),
the second gets a folder of its own: slower, never shared.

`run_dbt(work, db, *args)` runs a dbt command (dbt's own, without `pars build`'s copy and publish) on any
warehouse file `db` as if it were `work/w.duckdb`: the path dbt sees is the link `pars build` gives it
(`w.duckdb.building`), pointed at `db` for the call, with the build's memory settings: a direct run and a
`pars build` at `work` share the parse.

`borrowed(tmp_path_factory, name)` lends the folder for one build outside a module's turn (the shared
`unchanged_rebuild`, tests/helpers/rebuild.py), when no module holds it.

A test file that uses it imports the fixture by name, `from tests.helpers.dbtwork import dbt_work  # noqa: F401`.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

#: The warehouse file name of the shared folder (a build there parses what the last build there parsed).
DB = "w.duckdb"

_holder: list[str] = []  # the module holding the worker's folder
_folder: list[Path] = []  # the worker's folder, made at the first request


def clear(folder: Path) -> Path:
    """Remove everything in `folder` but dbt's state folder of `folder/w.duckdb`; returns `folder/w.duckdb`."""
    for path in folder.iterdir():
        if path.name == f"{DB}.dbt":
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    return folder / DB


@contextmanager
def borrowed(tmp_path_factory, name: str) -> Iterator[Path | None]:
    """The worker's dbt folder (emptied but for dbt's state) for `name` (a module, or a session fixture's one build),
    or None while another holds it."""
    if _holder:
        yield None
        return
    if not _folder:
        _folder.append(tmp_path_factory.mktemp("dbt-work"))
    _holder.append(name)
    try:
        clear(_folder[0])
        yield _folder[0]
    finally:
        _holder.clear()


@pytest.fixture(scope="module")
def dbt_work(request, tmp_path_factory):
    """This module's turn of the worker's dbt folder (emptied but for dbt's state): build at `dbt_work / "w.duckdb"`
    (or run_dbt(dbt_work, db, ...)); read what it made before the module ends. While another module holds it, a
    folder of this module's own."""
    with borrowed(tmp_path_factory, request.module.__name__) as folder:
        yield folder or tmp_path_factory.mktemp("dbt-work-own")


def run_dbt(work: Path, db: Path, *args: str, project_dir: Path | None = None):
    """`dbt ARGS` on the warehouse file `db`, with the state (target, logs) and the profile of `work/w.duckdb`.

    Returns warehouse.build.dbt_runner.Invocation (success, result, exception); dbt-duckdb's connection is closed
    afterwards, so the test can open `db`.
    """
    from warehouse import resources
    from warehouse.build.dbt_runner import ROOT, dbt_args, invoke
    from warehouse.build.workcopy import WorkPaths

    paths = WorkPaths(work.resolve() / DB)
    settings = resources.settings(paths.db)
    settings["memory_limit"] = resources.build_share(settings["memory_limit"])
    paths.target.mkdir(parents=True, exist_ok=True)
    if paths.link.is_symlink() or paths.link.exists():
        paths.link.unlink()
    os.symlink(Path(db).resolve(), paths.link)
    try:
        project = project_dir or ROOT
        args = dbt_args(list(args), project, paths.target, paths.logs, threads=2)
        return invoke(args, paths.link, project, None, settings)
    finally:
        paths.link.unlink()
        shutil.rmtree(resources.spill_directory(paths.db), ignore_errors=True)

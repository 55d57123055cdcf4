"""`pars load`: validate an export and append it to the raw layer in one transaction."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from .. import resources
from ..contract import FILES
from ..db import scalar
from ..files import created_no_wider_than, move_into_place
from ..locking import WarehouseBusy, exclusive
from . import attempts, deletions, exportfile, raw, reader, references, validate
from .errors import LoadError
from .limits import Limits, limits
from .manifest import Manifest, read_manifest
from .results import LoadResult, _already_loaded, _content_hash
from .snapshot import Snapshot
from .writes import _create_empty_checked, _resolve, _stage_unreadable_rows, _write

Progress = Callable[[str, int, int], None]  # (step description, steps done, steps in all)


def load_export(
    export: Path | str,
    db: Path | str,
    progress: Progress | None = None,
    memory_limit: str | None = None,
    max_field_size: str | int | None = None,
    max_record_size: str | int | None = None,
    allow_deletions: str | None = None,
) -> LoadResult:
    """Validate `export` and load it into the DuckDB file `db` (created if missing).

    `memory_limit` caps DuckDB's memory (warehouse/resources.py: default 2GB or $PARS_MEMORY_LIMIT); what
    does not fit spills to a folder beside the warehouse. `allow_deletions` ("10%" of the live records of
    the export's years, or a count such as "500"; default 2%) is how many records one file of a full export
    may soft-delete (warehouse/load/deletions.py).

    `max_field_size` / `max_record_size` bound one value / one record (warehouse/load/limits.py): larger
    ones are quarantined (`field_size`, `record_size`) and never held whole in memory.

    Raises LoadError for a file-level problem, a file that changed during the load (warehouse/load/
    snapshot.py), a mass deletion beyond `allow_deletions`, or when a build or another load holds the
    warehouse (warehouse/locking.py: a build publishes a copy, so a load committed meanwhile would be
    lost); the warehouse is then exactly as before.

    Every attempt, loaded or not, is appended to `<db>.loads.jsonl` beside the warehouse
    (warehouse/load/attempts.py), a refused one with its rule, file, line and message.
    """
    db = Path(db)
    attempts.check(db)  # a symlink where the record goes: refused before anything, its target untouched
    seen: dict = {"export": str(Path(export).resolve())}
    try:
        result = _attempt(export, db, progress, memory_limit, max_field_size, max_record_size, allow_deletions, seen)
    except LoadError as exc:
        attempts.record(db, outcome="refused", rule=exc.rule, file=exc.file, line=exc.line, message=str(exc), **seen)
        raise
    except (Exception, KeyboardInterrupt) as exc:
        if interrupted(exc):  # Ctrl-C: in Python, or inside a DuckDB query (which reports it as its own error)
            attempts.record(db, outcome="interrupted", rule="interrupted", message="stopped by Ctrl-C", **seen)
            raise KeyboardInterrupt from None
        attempts.record(db, outcome="failed", rule=type(exc).__name__, message=_one_line(exc), **seen)
        raise
    quarantined = sum(sum(s.quarantined.values()) for s in result.files.values())
    attempts.record(
        db,
        outcome=result.status,
        load_id=result.load_id,
        quarantined=quarantined,
        seconds=round(result.seconds, 3),
        **seen,
    )
    return result


def interrupted(exc: BaseException) -> bool:
    """Whether `exc` is an interrupt: KeyboardInterrupt, or DuckDB's report of one arriving during a query."""
    if isinstance(exc, KeyboardInterrupt | duckdb.InterruptException):
        return True
    return isinstance(exc, RuntimeError) and str(exc).strip().lower() in ("query interrupted", "interrupted!")


def _one_line(exc: Exception) -> str:
    from ..files import FileProblem, cause, describe

    if isinstance(exc, FileProblem) or not cause(exc):
        text = " ".join(str(exc).split())
        return text or type(exc).__name__
    return describe(exc, "cannot write the warehouse")


def _attempt(
    export: Path | str,
    db: Path,
    progress: Progress | None,
    memory_limit: str | None,
    max_field_size: str | int | None,
    max_record_size: str | int | None,
    allow_deletions: str | None,
    seen: dict,
) -> LoadResult:
    try:
        limit = resources.memory_limit(memory_limit)
    except resources.MemoryLimitError as exc:
        raise LoadError(str(exc), file="--memory-limit", rule="memory_limit") from None
    sizes = limits(max_field_size, max_record_size)
    allowance = deletions.Allowance.parse(allow_deletions)
    try:
        with exclusive(db, "load"), resources.spilling(db), created_no_wider_than(db):
            return _load(Path(export), db, progress, limit, sizes, allowance, seen)
    except WarehouseBusy as exc:
        raise LoadError(str(exc), file=str(db), rule="locked") from None
    except (duckdb.OutOfMemoryException, MemoryError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise LoadError(
            f"out of memory under --memory-limit {limit} ({detail}); nothing was loaded: raise the limit or "
            "check the export for oversized content",
            file=str(export),
            rule="memory_limit",
        ) from None


def _load(
    export: Path,
    db: Path,
    progress: Progress | None,
    memory_limit: str,
    sizes: Limits,
    allowance: deletions.Allowance,
    seen: dict,
) -> LoadResult:
    started = time.perf_counter()
    step = _stepper(progress, 3 + 3 * len(FILES))
    manifest = read_manifest(export)
    seen.update(export_id=manifest.export_id, kind=manifest.kind)
    with Snapshot(exportfile.discover(export), manifest) as snap:
        files = snap.files
        for f in files:
            step(f"checking {f.name}")
            f.limits = sizes
            if f.fmt == "csv":
                exportfile.precheck_csv(f)
        snap.check_hashes()
        return _load_snapshot(export, db, step, memory_limit, sizes, allowance, manifest, snap, started)


def _load_snapshot(
    export: Path,
    db: Path,
    step: Callable[[str], None],
    memory_limit: str,
    sizes: Limits,
    allowance: deletions.Allowance,
    manifest: Manifest,
    snap: Snapshot,
    started: float,
) -> LoadResult:
    files = snap.files
    existed = db.exists()
    # A first load fills a file beside the warehouse's name and renames it once committed: a kill at any moment
    # leaves no warehouse (the next load, under the same lock, removes the file a killed one left).
    target = db if existed else first_load_path(db)
    if not existed:
        for leftover in (target, target.with_name(target.name + ".wal")):
            leftover.unlink(missing_ok=True)
    con = _connect(target)
    # DuckDB gets LOAD_SHARE of the cap: its reader's buffers and this process come on top of its limit
    resources.apply(con, db, resources.load_share(memory_limit))
    ok = False
    try:
        digest = _content_hash(files)
        if raw.schema_exists(con):
            done = _already_loaded(con, manifest, digest)
            if done is not None:
                snap.verify()
                ok = True
                return done
        for f in files:
            step(f"reading {f.name}")
            read_table = references.table("read", f.spec)
            bad_rows = reader.stage(con, f, read_table)
            _check_records(con, snap, f, read_table, bad_rows)
            _stage_unreadable_rows(con, f, bad_rows)
            step(f"validating {f.name}")
            validate.run(con, f.spec, references.table("read", f.spec), references.table("checked", f.spec), sizes)
        present = {f.spec.name: f for f in files}
        _create_empty_checked(con, present)

        def work() -> LoadResult:
            raw.create_schema(con)
            step("checking references")
            withheld = _resolve(con, manifest)
            deletions.check(con, manifest, {n: f.name for n, f in present.items()}, allowance)
            step("writing the warehouse")
            result = _write(con, manifest, files, digest, export, started, sizes, withheld)
            snap.verify()  # last: a change at any moment up to the commit fails the load
            return result

        result = with_tx(con, work)
        step("done")
        ok = True
        return result
    finally:
        con.close()
        if not existed:
            if ok:
                move_into_place(target, db)
            for leftover in (target, target.with_name(target.name + ".wal")):  # a failed first load: no warehouse
                leftover.unlink(missing_ok=True)


def first_load_path(db: Path) -> Path:
    """Where a first load builds the warehouse `db` before it is renamed into place."""
    return db.with_name(f".{db.name}.first-load")


def _check_records(
    con: duckdb.DuckDBPyConnection, snap: Snapshot, f: exportfile.ExportFile, stg: str, bad_rows: list
) -> None:
    """The record count against the manifest; without one, a last record cut mid-row is a truncation."""
    records = scalar(con, f"select count(*) from {stg}") + len(bad_rows)
    snap.check_rows(f, records)
    if (
        f.fmt == "csv"
        and not f.ends_with_newline
        and bad_rows
        and bad_rows[-1][0] == records
        and bad_rows[-1][2] == "field_count"
    ):
        line = bad_rows[-1][1]
        raise LoadError(
            f"truncated: the last record has fewer than the header's {len(f.header)} fields and no line end "
            "(the transfer was cut short?)",
            file=f.name,
            line=line,
            rule="truncated",
        )


def _stepper(progress: Progress | None, total: int) -> Callable[[str], None]:
    done = 0

    def step(text: str) -> None:
        nonlocal done
        if progress:
            progress(text, done, total)
        done += 1

    return step


def _connect(db: Path, wait: float = 5.0) -> duckdb.DuckDBPyConnection:
    db.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait
    while True:
        try:
            return duckdb.connect(str(db))
        except duckdb.IOException as exc:
            locked = "lock" in str(exc).lower()
            # Loads and builds exclude each other by warehouse/locking.py's lock, taken before this: a DuckDB lock
            # here is a reader's, such as a dashboard query, which holds the file for milliseconds: wait for it.
            if locked and time.monotonic() < deadline:
                time.sleep(0.05)
                continue
            if locked:
                raise LoadError(
                    f"the warehouse {db} is in use by another process (a running load or build): "
                    "try again when it finishes",
                    file=str(db),
                    rule="locked",
                ) from None
            raise LoadError(f"cannot open the warehouse {db}: {exc}", file=str(db), rule="warehouse") from None


def with_tx(con: duckdb.DuckDBPyConnection, work: Callable[[], object]) -> object:
    con.sql("begin transaction")
    try:
        out = work()
    except BaseException:
        con.sql("rollback")
        raise
    con.sql("commit")
    return out

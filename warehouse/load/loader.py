"""`pars load`: validate an export and append it to the raw layer in one transaction."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from .. import resources
from ..contract import FILES, FileSpec
from ..db import first, scalar
from ..files import created_no_wider_than
from ..locking import WarehouseBusy, exclusive
from . import attempts, deletions, raw, reader, references, validate
from .errors import LoadError
from .limits import KEEP_CHARS, Limits, limits
from .manifest import Manifest, read_manifest
from .snapshot import Snapshot

Progress = Callable[[str, int, int], None]  # (step description, steps done, steps in all)


@dataclass
class FileSummary:
    file: str
    read: int = 0
    loaded: int = 0
    quarantined: dict[str, int] = field(default_factory=dict)
    duplicates: int = 0
    new_versions: int = 0
    deleted: int = 0
    neutralized: int = 0

    def as_dict(self) -> dict:
        return {
            "read": self.read,
            "loaded": self.loaded,
            "quarantined": dict(sorted(self.quarantined.items())),
            "duplicates": self.duplicates,
            "new_versions": self.new_versions,
            "deleted": self.deleted,
            "neutralized": self.neutralized,
        }


@dataclass
class LoadResult:
    export_id: str
    status: str  # "loaded" or "already_loaded"
    load_id: int | None
    kind: str
    files: dict[str, FileSummary]
    seconds: float

    def as_dict(self) -> dict:
        return {
            "export_id": self.export_id,
            "status": self.status,
            "load_id": self.load_id,
            "kind": self.kind,
            "seconds": round(self.seconds, 3),
            "files": {n: s.as_dict() for n, s in self.files.items()},
        }


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
    except Exception as exc:
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
    with Snapshot(reader.discover(export), manifest) as snap:
        files = snap.files
        for f in files:
            step(f"checking {f.name}")
            f.limits = sizes
            if f.fmt == "csv":
                reader.precheck_csv(f)
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
    con = _connect(db)
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
            _resolve(con, manifest)
            deletions.check(con, manifest, {n: f.name for n, f in present.items()}, allowance)
            step("writing the warehouse")
            result = _write(con, manifest, files, digest, export, started, sizes)
            snap.verify()  # last: a change at any moment up to the commit fails the load
            return result

        result = with_tx(con, work)
        step("done")
        ok = True
        return result
    finally:
        con.close()
        if not ok and not existed:  # a failed first load leaves no empty warehouse behind
            for leftover in (db, db.with_name(db.name + ".wal")):
                leftover.unlink(missing_ok=True)


def _check_records(
    con: duckdb.DuckDBPyConnection, snap: Snapshot, f: reader.ExportFile, stg: str, bad_rows: list
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


def _content_hash(files: list[reader.ExportFile]) -> str:
    listing = sorted((f.name, f.sha256) for f in files)
    return hashlib.sha256(json.dumps(listing).encode()).hexdigest()


def _already_loaded(con: duckdb.DuckDBPyConnection, manifest: Manifest, digest: str) -> LoadResult | None:
    row = first(
        con,
        "select load_id, content_sha256, summary from raw.load_history where export_id = ?",
        params=[manifest.export_id],
    )
    if row is None:
        return None
    load_id, previous, summary = row
    if previous != digest:
        raise LoadError(
            f"export_id {manifest.export_id!r} was loaded before (load {load_id}) with different "
            "file contents: an export's files never change; give a corrected export a new id",
            file="manifest.json",
            rule="export_changed",
        )
    files = {name: FileSummary(name, **{k: v for k, v in s.items()}) for name, s in json.loads(summary).items()}
    for s in files.values():
        s.new_versions = s.deleted = 0
    return LoadResult(manifest.export_id, "already_loaded", load_id, manifest.kind, files, 0.0)


FC_COLUMNS = "(line bigint, rule varchar, raw_value varchar, record json)"


def _stage_unreadable_rows(con: duckdb.DuckDBPyConnection, f: reader.ExportFile, bad_rows: list) -> None:
    """Rows the reader could not stage (field_count, record_size), kept for the quarantine."""
    con.sql(f"create or replace temp table fc_{f.spec.name} {FC_COLUMNS}")
    if bad_rows:
        con.executemany(
            f"insert into fc_{f.spec.name} values (?, ?, ?, ?)",
            [(line, rule, value, record) for _, line, rule, value, record in bad_rows],
        )


def _create_empty_checked(con: duckdb.DuckDBPyConnection, present: dict[str, reader.ExportFile]) -> None:
    """Absent optional files behave as files with a header and no rows."""
    for spec in FILES:
        if spec.name in present:
            continue
        cols = ", ".join(f"null::varchar as {c}" for c in spec.column_names)
        con.sql(
            f"create or replace temp table read_{spec.name} as "
            f"select {cols}, 0::bigint as _row, 0::bigint as _line where false"
        )
        validate.run(con, spec, f"read_{spec.name}", f"checked_{spec.name}")
        con.sql(f"create or replace temp table fc_{spec.name} {FC_COLUMNS}")


def _resolve(con: duckdb.DuckDBPyConnection, manifest: Manifest) -> None:
    full = manifest.kind == "full"
    for spec in FILES:
        if spec.year_via == "activity" and spec.name != "activities" and not _has_act_info(con):
            references.activity_years(con)
        references.plan_deletions(con, spec, manifest.reporting_years, full)
        references.check_references(con, spec)


def _has_act_info(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(first(con, "select count(*) from duckdb_tables() where temporary and table_name = 'act_info'")[0])


def _write(
    con: duckdb.DuckDBPyConnection,
    manifest: Manifest,
    files: list[reader.ExportFile],
    digest: str,
    export: Path,
    started: float,
    sizes: Limits,
) -> LoadResult:
    names = {f.spec.name: f.name for f in files}
    load_id = scalar(con, "select coalesce(max(load_id), 0) + 1 from raw.load_history")
    summaries = {}
    for spec in FILES:
        file_name = names.get(spec.name, f"{spec.name}.csv")
        summary = _summarize(con, spec, file_name)
        summary.new_versions = raw.insert_versions(con, spec, f"checked_{spec.name}", load_id, manifest.export_id)
        summary.deleted = raw.insert_tombstones(con, spec, f"del_{spec.name}", load_id, manifest.export_id)
        _insert_quarantine(con, spec, file_name, load_id, manifest.export_id, sizes.field)
        if spec.name in names or summary.read or summary.deleted:
            summaries[file_name] = summary
    seconds = time.perf_counter() - started
    con.sql(
        """insert into raw.load_history values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        params=[
            load_id,
            manifest.export_id,
            manifest.kind,
            manifest.exported_at.replace(tzinfo=None),
            list(manifest.reporting_years),
            digest,
            str(export.resolve()),
            datetime.now(UTC).replace(tzinfo=None),
            seconds,
            json.dumps({n: s.as_dict() for n, s in summaries.items()}),
        ],
    )
    return LoadResult(manifest.export_id, "loaded", load_id, manifest.kind, summaries, time.perf_counter() - started)


def _summarize(con: duckdb.DuckDBPyConnection, spec: FileSpec, file_name: str) -> FileSummary:
    chk = f"checked_{spec.name}"
    s = FileSummary(file_name)
    counts = first(
        con,
        f"""select count(*) filter (where _copy = 1 and _rule is null),
                                count(*) filter (where _copy > 1), count(*) from {chk}""",
    )
    s.loaded, s.duplicates, s.read = counts
    s.quarantined = dict(con.sql(f"select _rule, count(*) from {chk} where _rule is not null group by 1").fetchall())
    for rule, n in con.sql(f"select rule, count(*) from fc_{spec.name} group by 1").fetchall():
        s.quarantined[rule] = n
        s.read += n
    s.neutralized = scalar(con, f"select coalesce(sum(_neutralized), 0) from {chk} where _copy = 1 and _rule is null")
    return s


def _insert_quarantine(
    con: duckdb.DuckDBPyConnection,
    spec: FileSpec,
    file_name: str,
    load_id: int,
    export_id: str,
    field_limit: int,
) -> None:
    def kept(col: str) -> str:  # a value over the field limit is kept as its first KEEP_CHARS characters
        v = f's."{col}"'
        return f"case when strlen({v}) > {int(field_limit)} then left({v}, {KEEP_CHARS}) else {v} end"

    raw_value = "case c._column " + " ".join(f"when '{col}' then {kept(col)}" for col in spec.column_names) + " end"
    record = "json_object(" + ", ".join(f"'{col}', {kept(col)}" for col in spec.column_names) + ")"
    con.sql(
        f"""
        insert into raw.quarantine
        select {load_id}, ?, ?, c._line, c._column, c._rule, {raw_value}, {record}
        from checked_{spec.name} c join read_{spec.name} s using (_row)
        where c._rule is not null
        order by c._line
    """,
        params=[export_id, file_name],
    )
    con.sql(
        f"""
        insert into raw.quarantine
        select {load_id}, ?, ?, line, null, rule, raw_value, record from fc_{spec.name} order by line
    """,
        params=[export_id, file_name],
    )

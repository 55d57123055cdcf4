"""What a load reports: per-file summaries and the load's result, and the result of an export loaded before."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

import duckdb

from ..contract import FileSpec
from ..db import first, scalar
from . import exportfile
from .errors import LoadError
from .manifest import Manifest


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
    #: live records a full export no longer holds, not deleted: a quarantined row's key could not be read
    deletions_withheld: int = 0

    def as_dict(self) -> dict:
        return {
            "read": self.read,
            "loaded": self.loaded,
            "quarantined": dict(sorted(self.quarantined.items())),
            "duplicates": self.duplicates,
            "new_versions": self.new_versions,
            "deleted": self.deleted,
            "neutralized": self.neutralized,
            "deletions_withheld": self.deletions_withheld,
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


def _content_hash(files: list[exportfile.ExportFile]) -> str:
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
        s.new_versions = s.deleted = s.deletions_withheld = 0
    return LoadResult(manifest.export_id, "already_loaded", load_id, manifest.kind, files, 0.0)


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

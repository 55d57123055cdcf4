"""Reading and checking `manifest.json` (docs/export-format.md, "The manifest")."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..contract import FILES_BY_NAME, MAX_YEAR, MIN_YEAR
from .errors import LoadError
from .regular import open_regular

MANIFEST = "manifest.json"
KINDS = ("full", "incremental")
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class FileEntry:
    """What the exporter says one file holds (`files` in the manifest); each part is optional."""

    sha256: str | None = None
    rows: int | None = None  # data records, the header not counted
    bytes: int | None = None

    def as_dict(self) -> dict:
        return {k: v for k, v in (("sha256", self.sha256), ("rows", self.rows), ("bytes", self.bytes)) if v is not None}


@dataclass(frozen=True)
class Manifest:
    format_version: int
    export_id: str
    exported_at: datetime
    kind: str
    reporting_years: tuple[int, ...]
    #: file name -> entry; empty when the manifest has no `files` (then nothing is checked against it)
    files: dict[str, FileEntry] = field(default_factory=dict)

    def as_dict(self) -> dict:
        out = {
            "format_version": self.format_version,
            "export_id": self.export_id,
            "exported_at": self.exported_at.isoformat().replace("+00:00", "Z"),
            "kind": self.kind,
            "reporting_years": list(self.reporting_years),
        }
        if self.files:
            out["files"] = {name: e.as_dict() for name, e in self.files.items()}
        return out


def _fail(message: str) -> LoadError:
    return LoadError(message, file=MANIFEST, rule="manifest")


#: A manifest is a few kilobytes (one entry per file of the export); anything this large is refused unread.
MAX_MANIFEST_BYTES = 1 << 20


def read_manifest(export: Path) -> Manifest:
    """Parse and check the manifest; every problem is a LoadError naming what is wrong."""
    try:  # a regular file in the export folder itself: a symlink, folder or FIFO is refused, never followed
        fd, _ = open_regular(export / MANIFEST, MANIFEST)
    except FileNotFoundError:
        raise _fail("missing: every export needs a manifest.json") from None
    with os.fdopen(fd, "rb") as fh:  # never read whole beyond the cap: a hostile manifest may be gigabytes
        raw = fh.read(MAX_MANIFEST_BYTES + 1)
    if len(raw) > MAX_MANIFEST_BYTES:
        raise _fail(
            f"larger than {MAX_MANIFEST_BYTES // (1 << 20)} MB: not a manifest (a manifest lists a few dozen fields)"
        )
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise _fail(f"not UTF-8 ({exc.reason} at byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise LoadError(
            f"not valid JSON: {exc.msg} (column {exc.colno})", file=MANIFEST, line=exc.lineno, rule="manifest"
        ) from None
    if not isinstance(data, dict):
        raise _fail("must be a JSON object")
    missing = [k for k in ("format_version", "export_id", "exported_at", "kind", "reporting_years") if k not in data]
    if missing:
        raise _fail(f"missing field(s): {', '.join(missing)}")
    if data["format_version"] != 1 or isinstance(data["format_version"], bool):
        raise _fail(f"format_version {data['format_version']!r} is not supported (only 1)")
    export_id = data["export_id"]
    if not isinstance(export_id, str) or not export_id.strip() or export_id != export_id.strip():
        raise _fail("export_id must be a non-empty string without surrounding whitespace")
    if len(export_id) > 200:
        raise _fail("export_id is longer than 200 characters")
    exported_at = _parse_timestamp(data["exported_at"])
    if data["kind"] not in KINDS:
        raise _fail(f"kind {data['kind']!r} must be 'full' or 'incremental'")
    years = data["reporting_years"]
    if (
        not isinstance(years, list)
        or not years
        or not all(isinstance(y, int) and not isinstance(y, bool) for y in years)
    ):
        raise _fail("reporting_years must be a non-empty list of years, e.g. [2023, 2024]")
    bad = [y for y in years if not MIN_YEAR <= y <= MAX_YEAR]
    if bad:
        raise _fail(f"reporting_years out of range {MIN_YEAR}-{MAX_YEAR}: {bad}")
    files = _parse_files(data.get("files"))
    return Manifest(1, export_id, exported_at, data["kind"], tuple(sorted(set(years))), files)


def _parse_files(value: object) -> dict[str, FileEntry]:
    """The optional `files` object: {"activities.csv": {"sha256": "<64 hex>", "rows": 920, "bytes": 1234}}."""
    if value is None:
        return {}
    if not isinstance(value, dict) or not value:
        raise _fail('files must be a non-empty object, e.g. {"activities.csv": {"sha256": "...", "rows": 920}}')
    out = {}
    for name, entry in value.items():
        stem, _, ext = name.partition(".")
        if stem not in FILES_BY_NAME or ext not in ("csv", "parquet"):
            raise _fail(f"files lists {name!r}, which is not a file of the export format")
        if not isinstance(entry, dict) or not entry:
            raise _fail(f"files[{name!r}] must be an object with sha256, rows and/or bytes")
        unknown = sorted(set(entry) - {"sha256", "rows", "bytes"})
        if unknown:
            raise _fail(f"files[{name!r}] has unknown field(s): {', '.join(map(repr, unknown))}")
        sha = entry.get("sha256")
        if sha is not None and not (isinstance(sha, str) and _SHA256.fullmatch(sha)):
            raise _fail(f"files[{name!r}].sha256 must be 64 lowercase hex digits")
        for key in ("rows", "bytes"):
            n = entry.get(key)
            if n is not None and (not isinstance(n, int) or isinstance(n, bool) or n < 0):
                raise _fail(f"files[{name!r}].{key} must be a whole number >= 0")
        out[name] = FileEntry(sha, entry.get("rows"), entry.get("bytes"))
    return out


def _parse_timestamp(value: object) -> datetime:
    if not isinstance(value, str):
        raise _fail("exported_at must be an ISO 8601 timestamp string")
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _fail(f"exported_at {value!r} is not an ISO 8601 timestamp") from None

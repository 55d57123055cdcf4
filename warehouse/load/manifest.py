"""Reading and checking `manifest.json` (docs/export-format.md, "The manifest")."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..contract import FILES_BY_NAME, MAX_YEAR, MIN_YEAR
from .errors import LoadError, shown
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


class _NotJSON(ValueError):
    """NaN, Infinity or -Infinity: Python's json module reads them, JSON has no such value."""


def _not_json(constant: str) -> object:
    raise _NotJSON(constant)


def _brief(value: object, width: int = 60) -> str:
    """A manifest value for a message: one safe line, cut (a 1 MB string or a deep list is never printed whole)."""
    if isinstance(value, (list, dict)):
        return "(a JSON " + ("array)" if isinstance(value, list) else "object)")
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    return shown(repr(value), width)  # repr escapes control and invisible characters: \x1b, \n, \u202e


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
        data = json.loads(raw.decode("utf-8-sig"), parse_constant=_not_json)
    except UnicodeDecodeError as exc:
        raise _fail(f"not UTF-8 ({exc.reason} at byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise LoadError(
            f"not valid JSON: {exc.msg} (column {exc.colno})", file=MANIFEST, line=exc.lineno, rule="manifest"
        ) from None
    except _NotJSON as exc:
        raise _fail(f"not valid JSON: {exc.args[0]} is not a JSON value") from None
    except RecursionError:  # Python's parser recurses per level: '[' * 100000 must not become a traceback
        raise _fail(
            "not a manifest: arrays or objects nested too deeply to parse (a manifest is an object of plain "
            "fields, three levels deep at most)"
        ) from None
    if not isinstance(data, dict):
        raise _fail("must be a JSON object")
    missing = [k for k in ("format_version", "export_id", "exported_at", "kind", "reporting_years") if k not in data]
    if missing:
        raise _fail(f"missing field(s): {', '.join(missing)}")
    if type(data["format_version"]) is not int or data["format_version"] != 1:  # not 1.0, "1" or true
        raise _fail(f"format_version {_brief(data['format_version'])} is not supported (only the integer 1)")
    export_id = _export_id(data["export_id"])
    exported_at = _parse_timestamp(data["exported_at"])
    if not isinstance(data["kind"], str) or data["kind"] not in KINDS:
        raise _fail(f'kind {_brief(data["kind"])} must be "full" or "incremental"')
    years = data["reporting_years"]
    if (
        not isinstance(years, list)
        or not years
        or not all(isinstance(y, int) and not isinstance(y, bool) for y in years)
    ):
        raise _fail("reporting_years must be a non-empty list of years, e.g. [2023, 2024]")
    bad = [y for y in years if not MIN_YEAR <= y <= MAX_YEAR]
    if bad:
        raise _fail(f"reporting_years out of range {MIN_YEAR}-{MAX_YEAR}: {_brief(bad[0])}" + _more(len(bad)))
    files = _parse_files(data["files"]) if "files" in data else {}  # absent is fine; null is not an object
    return Manifest(1, export_id, exported_at, data["kind"], tuple(sorted(set(years))), files)


def _more(count: int) -> str:
    return f" and {count - 1:,} more" if count > 1 else ""


def _export_id(value: object) -> str:
    """Non-empty printable text of at most 200 characters, no surrounding whitespace (export-format.md): it is
    printed in messages, the load summary and the dashboards, so no control, format or separator character."""
    if not isinstance(value, str) or not value.strip():
        raise _fail(f"export_id {_brief(value)} must be non-empty text")
    odd = next((i for i, c in enumerate(value) if not c.isprintable()), None)
    if odd is not None:
        char = value[odd].encode("unicode_escape").decode("ascii")
        raise _fail(
            f"export_id {_brief(value)} holds a control or invisible character ({char} at position {odd + 1}): "
            "an export_id is printable text on one line"
        )
    if value != value.strip():
        raise _fail(f"export_id {_brief(value)} has surrounding whitespace")
    if len(value) > 200:
        raise _fail(f"export_id {_brief(value)} is longer than 200 characters ({len(value):,})")
    return value


def _parse_files(value: object) -> dict[str, FileEntry]:
    """The optional `files` object: {"activities.csv": {"sha256": "<64 hex>", "rows": 920, "bytes": 1234}}."""
    if not isinstance(value, dict) or not value:
        raise _fail(
            f"files {_brief(value)} must be a non-empty object when present (leave it out instead), "
            'e.g. {"activities.csv": {"sha256": "...", "rows": 920}}'
        )
    out = {}
    for name, entry in value.items():
        stem, _, ext = name.partition(".")
        if stem not in FILES_BY_NAME or ext not in ("csv", "parquet"):
            raise _fail(f"files lists {_brief(name)}, which is not a file of the export format")
        if not isinstance(entry, dict) or not entry:
            raise _fail(f"files[{_brief(name)}] must be an object with sha256, rows and/or bytes")
        unknown = sorted(set(entry) - {"sha256", "rows", "bytes"})
        if unknown:
            raise _fail(f"files[{_brief(name)}] has unknown field(s): {', '.join(map(repr, unknown))}")
        sha = entry.get("sha256")
        if sha is not None and not (isinstance(sha, str) and _SHA256.fullmatch(sha)):
            raise _fail(f"files[{_brief(name)}].sha256 must be 64 lowercase hex digits")
        for key in ("rows", "bytes"):
            n = entry.get(key)
            if n is not None and (not isinstance(n, int) or isinstance(n, bool) or n < 0):
                raise _fail(f"files[{_brief(name)}].{key} must be a whole number >= 0")
        out[name] = FileEntry(sha, entry.get("rows"), entry.get("bytes"))
    return out


#: ISO 8601 date and time with `Z` or an offset (export-format.md): 2025-03-31T02:00:00Z, ...T02:00+02:00.
_TIMESTAMP = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]+)?)?(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)"
)


def _parse_timestamp(value: object) -> datetime:
    wanted = "an ISO 8601 timestamp with Z or an offset, e.g. 2025-03-31T02:00:00Z or 2025-03-31T04:00:00+02:00"
    if not isinstance(value, str) or not _TIMESTAMP.fullmatch(value):
        raise _fail(f"exported_at {_brief(value)} is not {wanted}")
    try:
        return datetime.fromisoformat(value)
    except ValueError as exc:
        raise _fail(f"exported_at {_brief(value)} is not a real date and time ({exc})") from None

"""Reading and checking `manifest.json` (spec §1)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..contract import MAX_YEAR, MIN_YEAR
from .errors import LoadError

MANIFEST = "manifest.json"
KINDS = ("full", "incremental")


@dataclass(frozen=True)
class Manifest:
    format_version: int
    export_id: str
    exported_at: datetime
    kind: str
    reporting_years: tuple[int, ...]

    def as_dict(self) -> dict:
        return {
            "format_version": self.format_version,
            "export_id": self.export_id,
            "exported_at": self.exported_at.isoformat().replace("+00:00", "Z"),
            "kind": self.kind,
            "reporting_years": list(self.reporting_years),
        }


def _fail(message: str) -> LoadError:
    return LoadError(message, file=MANIFEST, rule="manifest")


def read_manifest(export: Path) -> Manifest:
    """Parse and check the manifest; every problem is a LoadError naming what is wrong."""
    path = export / MANIFEST
    if not path.is_file():
        raise _fail("missing: every export needs a manifest.json")
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise _fail(f"not UTF-8 ({exc.reason} at byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise LoadError(
            f"not valid JSON: {exc.msg} (column {exc.colno})", file=MANIFEST, line=exc.lineno, rule="manifest"
        ) from None
    if not isinstance(data, dict):
        raise _fail("must be a JSON object")
    missing = [
        k for k in ("format_version", "export_id", "exported_at", "kind", "reporting_years") if k not in data
    ]
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
    return Manifest(1, export_id, exported_at, data["kind"], tuple(sorted(set(years))))


def _parse_timestamp(value: object) -> datetime:
    if not isinstance(value, str):
        raise _fail("exported_at must be an ISO 8601 timestamp string")
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _fail(f"exported_at {value!r} is not an ISO 8601 timestamp") from None

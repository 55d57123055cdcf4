"""Helpers for the snapshot and deletion tests: the CLI in-process, manifest file entries, one error line."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pyarrow.parquet as pq
from click.testing import CliRunner

from warehouse.cli import main


def run_load(export: Path, db: Path, *extra: str):
    """`pars load` through click (in-process, so a test can patch a seam between two steps of the loader)."""
    return CliRunner().invoke(main, ["load", str(export), "--db", str(db), *extra])


def error_line(out) -> str:
    """The load's single error line; fails if the output has a traceback or more than one error line."""
    assert "Traceback" not in out.output, out.output
    assert out.exception is None or isinstance(out.exception, SystemExit), repr(out.exception)
    lines = [line for line in out.output.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1, out.output
    return lines[0]


def file_entry(path: Path) -> dict:
    """What manifest.json's "files" says of one CSV file, computed independently of the code under test."""
    data = path.read_bytes()
    if path.suffix == ".parquet":
        rows = pq.ParquetFile(path).metadata.num_rows
    else:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            rows = sum(1 for record in csv.reader(fh) if record) - 1
    return {"sha256": hashlib.sha256(data).hexdigest(), "rows": rows, "bytes": len(data)}


def write_file_entries(export: Path, **override: dict) -> dict:
    """Set manifest.json's "files" to the export's current files (then apply `override` per file stem)."""
    manifest = json.loads((export / "manifest.json").read_text())
    files = {p.name: file_entry(p) for p in sorted([*export.glob("*.csv"), *export.glob("*.parquet")])}
    for stem, fields in override.items():
        files[f"{stem}.csv"].update(fields)
    manifest["files"] = files
    (export / "manifest.json").write_text(json.dumps(manifest))
    return files


def drop_file_entries(export: Path) -> None:
    manifest = json.loads((export / "manifest.json").read_text())
    manifest.pop("files", None)
    (export / "manifest.json").write_text(json.dumps(manifest))

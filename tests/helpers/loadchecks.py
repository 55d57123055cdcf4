"""Shared assertions of the malformed-input tests: a stop leaves the warehouse unchanged, a row gets its rule."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import fingerprint, query, read_manifest
from warehouse.load import LoadError, load_export


def assert_stops(export: Path, db: Path, file: str, *needles: str) -> LoadError:
    before = fingerprint(db)
    with pytest.raises(LoadError) as info:
        load_export(export, db)
    message = str(info.value)
    assert file in message
    for needle in needles:
        assert needle in message, message
    assert fingerprint(db) == before, "a stopped load changed the warehouse"
    return info.value


def quarantine(db: Path, export: Path) -> list[tuple]:
    export_id = read_manifest(export)["export_id"]
    return query(
        db,
        "select file, line, column_name, rule, raw_value from raw.quarantine where export_id = ? order by file, line",
        [export_id],
    )


def assert_identity(result) -> None:
    for name, s in result.files.items():
        assert s.read == s.loaded + sum(s.quarantined.values()) + s.duplicates, name


def load_expect(
    export: Path,
    db: Path,
    file: str,
    rule: str,
    column: str | None,
    line: int | None = None,
    raw_value: str | None = None,
) -> list[tuple]:
    """Load, then assert that `file` has exactly one row quarantined, for `rule` on `column`."""
    result = load_export(export, db)
    assert_identity(result)
    own = [q for q in quarantine(db, export) if q[0] == f"{file}.csv" and q[3] != "parent_rejected"]
    assert [(q[2], q[3]) for q in own] == [(column, rule)], own
    if line is not None:
        assert own[0][1] == line
    if raw_value is not None:
        assert own[0][4] == raw_value
    summary = result.files[f"{file}.csv"]
    assert summary.quarantined.get(rule) == 1
    return own


def assert_manifest_refused(export: Path, db: Path, *needles: str) -> LoadError:
    """The load stops on manifest.json (rule `manifest`) with a short, one-line, printable message."""
    err = assert_stops(export, db, "manifest.json", *needles)
    assert err.rule == "manifest" and err.file == "manifest.json", (err.rule, err.file, str(err))
    assert str(err).isprintable(), repr(str(err))  # one line, no control character from the manifest
    assert len(str(err)) < 400, str(err)
    return err


def pars_until(args: list[str], stage: str, cwd: Path) -> tuple[subprocess.Popen, list[str]]:
    """`python -m warehouse ARGS` started, its progress (stderr) read up to the first line holding `stage`: the
    process is left running inside that step (or ended, when no line held it), with the lines read so far."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "warehouse", *args],
        cwd=cwd,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if stage in line:
            break
    return proc, seen

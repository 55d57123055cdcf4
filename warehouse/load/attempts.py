"""The record of every `pars load` attempt: `<db>.loads.jsonl` beside the warehouse, one JSON object a line.

Why beside the warehouse and not a table in it: a refused load leaves the warehouse exactly as it was (the
security tests compare every table before and after), a failed first load leaves no warehouse at all, and a
load refused because a build holds the warehouse must not write into a file that the build is about to replace.
An append-only file records all of them. It is opened with O_APPEND|O_NOFOLLOW (a symlink planted at its name
is refused before the load starts, warehouse/files.py) and is never more open than the warehouse (0600 when no
warehouse exists yet). Each attempt is one write() of one line. Writing it is best effort: a full disk or a
read-only folder, which stop the load anyway, must not hide the load's own message.

The messages quote the export (file names, ids, escaped header names): the file is data, never markup. Readers
(the data operations page) take only the known fields and skip lines that are not a JSON object.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

from ..files import file_mode, refuse_symlink

#: The fields of one attempt, in display order.
FIELDS = (
    "when",
    "outcome",
    "export_id",
    "kind",
    "load_id",
    "rule",
    "file",
    "line",
    "message",
    "quarantined",
    "seconds",
    "export",
)
OUTCOMES = ("loaded", "already_loaded", "refused", "failed")
MAX_MESSAGE = 2000
_READ_TAIL = 4 * 1024 * 1024  # the page reads at most the last 4 MB (tens of thousands of attempts)


def log_path(db: Path | str) -> Path:
    db = Path(db)
    return db.with_name(db.name + ".loads.jsonl")


def check(db: Path | str) -> None:
    """Refuse (FileProblem) a symlink planted where the record goes, before a load starts."""
    refuse_symlink(log_path(db))


def record(db: Path | str, **fields: object) -> None:
    """Append one attempt (unknown fields are dropped; the time is added). Never raises."""
    entry = {name: fields.get(name) for name in FIELDS}
    entry["when"] = datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds")
    if isinstance(entry["message"], str) and len(entry["message"]) > MAX_MESSAGE:
        entry["message"] = entry["message"][:MAX_MESSAGE] + "…"
    line = (json.dumps(entry, ensure_ascii=True, default=str) + "\n").encode()
    path = log_path(db)
    mode = file_mode(Path(db))
    created = False
    try:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_NOFOLLOW | os.O_CLOEXEC)
        except FileNotFoundError:
            fd = os.open(
                path,
                os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                0o600 if mode is None else mode,
            )
            created = True
    except OSError:
        return
    try:
        os.write(fd, line)
    except OSError:
        if created:  # a full disk: leave no empty record behind
            path.unlink(missing_ok=True)
    finally:
        os.close(fd)


def read(db: Path | str, limit: int = 500) -> list[dict]:
    """The newest `limit` attempts, newest first; lines that are not an attempt are skipped."""
    path = log_path(db)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return []
    with os.fdopen(fd, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        handle.seek(max(0, size - _READ_TAIL))
        data = handle.read(_READ_TAIL)
    lines = data.split(b"\n")
    if size > _READ_TAIL:
        lines = lines[1:]  # the first one is cut
    out = []
    for raw in reversed(lines):
        entry = _parse(raw)
        if entry is not None:
            out.append(entry)
            if len(out) >= limit:
                break
    return out


def _parse(raw: bytes) -> dict | None:
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(value, dict) or value.get("outcome") not in OUTCOMES:
        return None
    entry = {}
    for name in FIELDS:
        item = value.get(name)
        if name in ("load_id", "line", "quarantined"):
            item = item if isinstance(item, int) and not isinstance(item, bool) else None
        elif name == "seconds":
            item = float(item) if isinstance(item, (int, float)) and not isinstance(item, bool) else None
        else:
            item = item if isinstance(item, str) else None
        entry[name] = item
    return entry

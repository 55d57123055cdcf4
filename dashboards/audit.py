"""The append-only audit log of downloads and sign-ins: one JSON object per line (JSONL).

Each line: {"when": ISO-8601 UTC, "user", "role", "action", "what", "file", "details"}. Lines are appended under
an exclusive lock (fcntl) with O_APPEND and fsync'ed, so concurrent sessions and processes never interleave; the
file is created 0600 and never truncated, rewritten or replaced.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from pathlib import Path


def ensure(path: Path) -> None:
    """Create the log (0600, by O_APPEND: never truncated) if missing; an existing one keeps its lines, and a mode
    that lets others read it is narrowed to 0600 (the log names users and what they downloaded)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        if os.fstat(fd).st_mode & 0o077:
            os.fchmod(fd, 0o600)
    finally:
        os.close(fd)


def record(
    path: Path, *, user: str, role: str, action: str, what: str, file: str | None = None, details: dict | None = None
) -> dict:
    entry = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "user": user,
        "role": role,
        "action": action,
        "what": what,
        "file": file,
        "details": details or {},
    }
    line = (json.dumps(entry, default=str, sort_keys=False) + "\n").encode()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, line)
        os.fsync(fd)
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
    return entry


def read(path: Path) -> list[dict]:
    path = Path(path)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

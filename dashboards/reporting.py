"""PDF and Excel reports for download, rendered by `reports.api` on click and cached per warehouse version."""

from __future__ import annotations

import hashlib
import tempfile
import threading
from pathlib import Path

from dashboards import data, settings

_lock = threading.Lock()


def available() -> bool:
    try:
        import reports.api  # noqa: F401
    except ImportError:
        return False
    return True


def _cache_dir(kind: str, key: str) -> Path:
    db = settings.warehouse()
    version = "-".join(str(v) for v in data.identity())
    tag = hashlib.sha256(f"{db.resolve()}|{version}".encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / "pars-dashboards" / tag / kind / key


def annual_report(year: int, kind: str = "pdf") -> bytes:
    """The annual report of `year` ("pdf" or "xlsx"), rendered once per warehouse version."""
    from reports.api import annual_report as render

    out = _cache_dir("annual_report", str(int(year)))
    with _lock:
        done = out / "paths.txt"
        if not done.exists():
            paths = render(settings.warehouse(), int(year), out)
            done.write_text("\n".join(f"{k}\t{v}" for k, v in paths.items()))
        paths = dict(line.split("\t", 1) for line in done.read_text().splitlines())
    return Path(paths[kind]).read_bytes()


def review_packet(provider_id: str) -> bytes:
    from reports.api import review_packet as render

    safe = hashlib.sha256(provider_id.encode()).hexdigest()[:16]
    out = _cache_dir("review_packet", safe)
    with _lock:
        done = out / "path.txt"
        if not done.exists():
            path = render(settings.warehouse(), provider_id, out)
            done.write_text(str(path))
    return Path(done.read_text()).read_bytes()

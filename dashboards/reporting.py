"""PDF and Excel reports for download, rendered by `reports.api` on click and cached per warehouse version.

A report is rendered at most once per (warehouse file version, report, year): into
<tmp>/pars-dashboards/<hash of the warehouse path and its identity>/<report>/<key>/, then served from there.
"""

from __future__ import annotations

import hashlib
import tempfile
import threading
from pathlib import Path

from dashboards import data, settings

_lock = threading.Lock()
KINDS = {"annual": "annual_report", "moc": "moc_report", "rems": "rems_report"}


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


def report(kind: str, year: int, fmt: str = "pdf") -> bytes:
    """The `kind` report (annual, moc, rems) of `year` as "pdf" or "xlsx", rendered once per warehouse version."""
    import reports.api

    render = getattr(reports.api, KINDS[kind])
    out = _cache_dir(kind, str(int(year)))
    done = out / "paths.tsv"
    with _lock:
        if not done.exists():
            paths = render(settings.warehouse(), int(year), out)
            done.write_text("".join(f"{k}\t{v}\n" for k, v in paths.items()))
    paths = dict(line.split("\t", 1) for line in done.read_text().splitlines())
    return Path(paths[fmt]).read_bytes()


def review_packet(provider_id: str) -> bytes:
    from reports.api import review_packet as render

    out = _cache_dir("review_packet", hashlib.sha256(provider_id.encode()).hexdigest()[:16])
    done = out / "path.txt"
    with _lock:
        if not done.exists():
            done.parent.mkdir(parents=True, exist_ok=True)
            path = render(settings.warehouse(), provider_id, out)
            done.write_text(str(path))
    return Path(done.read_text()).read_bytes()

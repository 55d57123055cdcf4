"""PDF and Excel reports for download, rendered by `reports.api` on click and cached per warehouse version.

A report is rendered at most once per (warehouse file version, report, year): into
<tmp>/pars-dashboards-<uid>/<hash of the warehouse path and its identity>/<report>/<key>/, then served from there.
The cache root is private to the user running the app (0700, owned by it): another local user can neither read the
rendered reports nor plant files in it. A marker file records the rendered files' names relative to their folder and
is read through `warehouse.paths.confined`: a marker naming anything outside the folder (a stale or planted one) is
ignored and the report rendered again.
"""

from __future__ import annotations

import hashlib
import io
import os
import stat
import tempfile
import threading
import zipfile
from collections.abc import Callable
from pathlib import Path

from dashboards import data, settings
from warehouse.paths import UnsafePath, confined

_lock = threading.Lock()
KINDS = {"annual": "annual_report", "moc": "moc_report", "rems": "rems_report"}


def available() -> bool:
    try:
        import reports.api  # noqa: F401
    except ImportError:
        return False
    return True


def _cache_root() -> Path:
    """<tmp>/pars-dashboards-<uid>, created 0700; refused if another user owns it (a planted folder)."""
    root = Path(tempfile.gettempdir()) / f"pars-dashboards-{os.getuid()}"
    root.mkdir(mode=0o700, exist_ok=True)
    info = os.lstat(root)
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        raise UnsafePath(f"the report cache {root} is not a folder of this user: refusing to use it")
    if stat.S_IMODE(info.st_mode) & 0o077:
        root.chmod(0o700)
    return root


def _cache_dir(kind: str, key: str) -> Path:
    db = settings.warehouse()
    version = "-".join(str(v) for v in data.identity())
    tag = hashlib.sha256(f"{db.resolve()}|{version}".encode()).hexdigest()[:16]
    return _cache_root() / tag / kind / key


def _cached(out: Path, render: Callable[[Path], dict[str, Path]]) -> dict[str, Path]:
    """The files of `out/files.tsv` (names relative to `out`, each confined to it), rendering them if the marker is
    missing, names a file outside `out` or a file that is gone."""
    marker = out / "files.tsv"
    with _lock:
        try:
            names = dict(line.split("\t", 1) for line in marker.read_text().splitlines())
            paths = {kind: confined(out, name) for kind, name in names.items()}
            if paths and all(p.exists() for p in paths.values()):
                return paths
        except (OSError, ValueError):
            pass
        out.mkdir(parents=True, exist_ok=True)
        root = out.resolve()
        paths = {kind: Path(p).resolve() for kind, p in render(out).items()}
        marker.write_text("".join(f"{kind}\t{p.relative_to(root).as_posix()}\n" for kind, p in paths.items()))
        return paths


def report(kind: str, year: int, fmt: str = "pdf") -> bytes:
    """The `kind` report (annual, moc, rems) of `year` as "pdf" or "xlsx", rendered once per warehouse version."""
    import reports.api

    render = getattr(reports.api, KINDS[kind])
    out = _cache_dir(kind, str(int(year)))
    paths = _cached(out, lambda folder: render(settings.warehouse(), int(year), folder))
    return paths[fmt].read_bytes()


def _packet_files(provider_id: str) -> dict[str, Path]:
    """The packet's PDF and, when its lists are longer than the PDF shows, the folder of their full CSVs."""
    from reports.api import review_packet as render

    out = _cache_dir("review_packet", hashlib.sha256(provider_id.encode()).hexdigest()[:16])

    def produce(folder: Path) -> dict[str, Path]:
        pdf = render(settings.warehouse(), provider_id, folder)
        csv_dir = pdf.with_name(pdf.stem + "-csv")
        if not csv_dir.is_dir():  # the lists fit in the PDF: their CSVs all the same, for the zip
            _write_packet_lists(provider_id, csv_dir)
        return {"pdf": pdf, "csv_dir": csv_dir}

    return _cached(out, produce)


def _write_packet_lists(provider_id: str, csv_dir: Path) -> None:
    """The packet's lists (the term's activities, the flagged activities) as the packet writes them when long."""
    from reports.data import Warehouse
    from reports.excel import write_csvs
    from reports.review import packet_context

    with Warehouse(settings.warehouse()) as w:
        tables = packet_context(w, provider_id)["tables"]
    write_csvs([t for t in tables if t.id in ("t-activities", "t-problems")], csv_dir)


def review_packet(provider_id: str) -> bytes:
    return _packet_files(provider_id)["pdf"].read_bytes()


def review_packet_zip(provider_id: str) -> bytes:
    """The packet as one zip: the PDF and the CSVs it points to ("the full list is in review-<id>-csv/")."""
    return zip_folder(_packet_files(provider_id))


def zip_folder(paths: dict[str, Path]) -> bytes:
    """A zip of a report's files: the PDF at the top, a CSV folder's files under the folder's name."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for kind, path in paths.items():
            path = Path(path)
            if kind == "csv_dir":
                for csv_file in sorted(path.glob("*.csv")):
                    if csv_file.is_file() and not csv_file.is_symlink():
                        z.write(csv_file, f"{path.name}/{csv_file.name}")
            elif path.is_file():
                z.write(path, path.name)
    return buffer.getvalue()

"""One copy of each shared mechanism (issue 15, item 3): the atomic file write, the staged folder, the PDF set-up
and the number formatter live in one place each, and every writer goes through them."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("anonymize", "dashboards", "reports", "warehouse", "benchmarks")


def _sources() -> dict[str, str]:
    return {
        p.relative_to(ROOT).as_posix(): p.read_text(encoding="utf-8")
        for package in PACKAGES
        for p in sorted((ROOT / package).rglob("*.py"))
    }


def _where(pattern: str) -> list[str]:
    found = re.compile(pattern, re.MULTILINE)
    return sorted(path for path, text in _sources().items() if found.search(text))


def test_files_are_published_by_the_one_atomic_helper():
    # warehouse/files.py holds the helper; workcopy.py publishes a built warehouse copy (checkpoint, fsync, replace:
    # a copy made by dbt, not a file written here)
    assert _where(r"os\.(replace|rename)\([^)]|\.rename\(\s*(out|target|path|staging)\b") == [
        "warehouse/build/workcopy.py",
        "warehouse/files.py",
    ]
    assert _where(r"tempfile\.mk(s|d)temp\([^)]*dir=")  # a temporary beside a target == ["warehouse/files.py"]


def test_pdfs_are_written_by_the_one_weasyprint_setup():
    assert _where(r"^\s*(from weasyprint import|import weasyprint)") == ["warehouse/pdf.py"]


def _fsynced(monkeypatch) -> list[str]:
    seen: list[str] = []
    real = os.fsync

    def fsync(fd: int) -> None:
        seen.append(os.readlink(f"/proc/self/fd/{fd}"))
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    return seen


def test_a_report_workbook_is_made_durable_before_it_replaces_the_old_one(tmp_path, monkeypatch):
    from reports.excel import write_workbook
    from reports.tables import Column, Table

    seen = _fsynced(monkeypatch)
    table = Table("t-1", "Table 1. Things, 2023", [Column("n", "Count", "int")], [{"n": 3}])
    path = write_workbook([table], tmp_path / "book.xlsx")
    # the temporary file was fsynced before the rename, then the folder (the rename itself)
    assert any(Path(s).parent == tmp_path and Path(s).name.startswith(".book.xlsx.") for s in seen), seen
    assert str(tmp_path) in seen, seen
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # as mkstemp made it: no wider than the owner
    assert [p.name for p in tmp_path.iterdir()] == ["book.xlsx"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    from warehouse.files import atomic_write

    path = tmp_path / "report.pdf"
    path.write_text("old")

    def broken(tmp: Path) -> None:
        tmp.write_text("half")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        atomic_write(path, broken)
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.pdf"]


def test_a_staged_folder_appears_whole_or_not_at_all(tmp_path):
    from warehouse.files import atomic_folder

    out = tmp_path / "release"
    with pytest.raises(RuntimeError), atomic_folder(out) as staging:
        (staging / "data.csv").write_text("a,b\n")
        raise RuntimeError("a guarantee not met")
    assert list(tmp_path.iterdir()) == []
    with atomic_folder(out, mode=0o750) as staging:
        (staging / "data.csv").write_text("a,b\n")
        assert not out.exists()
    assert (out / "data.csv").read_text() == "a,b\n"
    assert stat.S_IMODE(out.stat().st_mode) == 0o750
    assert [p.name for p in tmp_path.iterdir()] == ["release"]


@pytest.mark.parametrize(
    ("value", "pdf_kind", "kind", "text"),
    [
        (1234567, "int", "integer", "1,234,567"),
        (-1234.4, "money", "dollars", "-$1,234"),  # was "$-1,234" in the PDF tables
        (12.345, "num1", "hours", "12.3"),
        (0.1234, "share", "percent", "12.3%"),
        (2.5, "num", "decimal", "2.50"),
        (float("nan"), "int", "integer", "–"),  # a NaN from a frame: missing, as the dashboards show it
        (["C10", "C2", "C1"], "list", "list", "C1, C2, C10"),  # natural order everywhere
    ],
)
def test_the_pdf_tables_format_a_number_as_the_dashboards_do(value, pdf_kind, kind, text):
    from reports.formats import format_value
    from reports.tables import fmt

    assert format_value(value, kind) == text
    assert fmt(value, pdf_kind) == text


def test_a_change_is_signed_and_excel_formats_are_the_labels_ones():
    from reports.formats import EXCEL
    from reports.tables import EXCEL_FORMATS, fmt

    assert [fmt(v, "pct") for v in (4.26, -0.04, 0)] == ["+4.3%", "-0.0%", "+0.0%"]
    assert EXCEL_FORMATS["money"] == EXCEL["dollars"] and EXCEL_FORMATS["num1"] == EXCEL["hours"]

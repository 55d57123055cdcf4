"""Items 7 and 11 (writers): control characters and formula look-alikes already in a warehouse, in every writer.

The loader quarantines control characters from now on; text that got past it (an older warehouse, a mart edited
behind its back) must still never crash a writer, reach the terminal as an escape sequence, split a CSV row or run as
a spreadsheet formula. The warehouse here is a copy of the built test warehouse with text UPDATEd in place.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import polars as pl
import pytest
from click.testing import CliRunner

from tests.helpers.reportchecks import mart, pdf_text
from warehouse.cli import main

YEAR = 2022
CONTROLS = "\x01\x1b[31m\x00\x7f\x9b"
# Formula starters as a spreadsheet might see them: after spaces and look-alike spaces, full-width and small forms.
HOSTILE_TEXT = [
    "x\x00y\x1b[31mz\x01",
    "a\r=1+1",
    " =1+1",
    '\uff1dHYPERLINK("http://x")',
    "=1+1",
    "\u00a0=1+1",
    "\u2007+1",
    "\u202f-1",
    "\u3000@SUM(A1)",
    "\ufeff=1",
    "\u200b=1",
    "\uff0b1",
    "\uff0d1",
    "\uff20A1",
    "\ufe66x",
    "\u2212 1",
    "\t=1",
    "\r=1",
    "b\n=1+1",
    "c\r\n@x",
]
STARTERS = "=+-@\uff1d\uff0b\uff0d\uff20\ufe62\ufe63\ufe66\ufe6b\u2212"


def _starts_like_formula(cell: str) -> bool:
    try:
        float(cell)
        return False  # a number cell (-3) is a number, not a formula
    except ValueError:
        pass
    stripped = cell.lstrip(" \t\r\n\u00a0\u2007\u202f\u3000\ufeff\u200b\x0b\x0c")
    return cell[:1] in "\t\r" and cell != "" or stripped[:1] in STARTERS and stripped != ""


@pytest.fixture(scope="module")
def noisy(built_warehouse, tmp_path_factory):
    """Provider names and activity titles carrying C0/C1 controls, ESC sequences, NUL, and formula text."""
    db = tmp_path_factory.mktemp("noisy") / "warehouse.duckdb"
    shutil.copy(built_warehouse, db)
    con = duckdb.connect(str(db))
    try:
        for table in ("moc.provider_follow_up", "moc.provider_reporting_timeliness", "review.current_term"):
            con.execute(f"update {table} set provider_name = provider_name || ?", [CONTROLS])
        # one REMS activity of the year per hostile title (copies of a real row, with ids of their own)
        con.execute(
            "create temp table seed as select * from rems.activity_list where report_year = ? "
            "order by activity_id limit 1",
            [YEAR],
        )
        for i, title in enumerate(HOSTILE_TEXT):
            con.execute(
                "insert into rems.activity_list select * replace (? as activity_id, ? as title) from seed",
                [f"9{YEAR}{i:07d}", title],
            )
    finally:
        con.close()
    return db


def _csv_rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def _check_csv(path: Path, expected_rows: int) -> None:
    rows = _csv_rows(path)
    assert len(rows) == expected_rows + 1, path  # header + one line per row: no cell split a row
    assert pl.read_csv(path, infer_schema=False).height == expected_rows
    for row in rows:
        for cell in row:
            assert not _starts_like_formula(cell), (path.name, cell)
            assert not any(ord(ch) < 32 and ch not in "\t\r\n" or 0x7F <= ord(ch) <= 0x9F for ch in cell), cell


def test_moc_report_writes_every_format_with_control_characters(noisy, tmp_path):
    r = CliRunner().invoke(main, ["report", "moc", "--year", str(YEAR), "--db", str(noisy), "--out", str(tmp_path)])
    assert r.exit_code == 0, (r.output, r.exc_info)
    book = openpyxl.load_workbook(tmp_path / f"moc-report-{YEAR}.xlsx")
    names = [c.value for c in book.worksheets[2]["B"][3:] if c.value]
    assert names and all(n.endswith("\ufffd[31m\ufffd\ufffd\ufffd") for n in names), names[:3]
    text = pdf_text(tmp_path / f"moc-report-{YEAR}.pdf")
    assert "\x1b" not in text and "\x00" not in text and "[31m" in text
    n = len(mart(noisy, "select 1 from moc.provider_reporting_timeliness where report_year = ?", [YEAR]))
    _check_csv(next((tmp_path / f"moc-report-{YEAR}-csv").glob("table_3_*.csv")), n)


def test_rems_report_guards_formula_look_alikes_in_every_format(noisy, tmp_path):
    r = CliRunner().invoke(main, ["report", "rems", "--year", str(YEAR), "--db", str(noisy), "--out", str(tmp_path)])
    assert r.exit_code == 0, (r.output, r.exc_info)
    n = len(mart(noisy, "select 1 from rems.activity_list where report_year = ?", [YEAR]))
    _check_csv(next((tmp_path / f"rems-report-{YEAR}-csv").glob("table_2_*.csv")), n)
    sheet = openpyxl.load_workbook(tmp_path / f"rems-report-{YEAR}.xlsx").worksheets[1]
    titles = [c.value for c in sheet["C"][3 : 3 + n]]
    assert len(titles) == n and all(c.data_type == "s" for c in sheet["C"][3 : 3 + n])
    assert all(not _starts_like_formula(t) for t in titles), titles
    assert "x\ufffdy\ufffd[31mz\ufffd" in titles
    text = pdf_text(tmp_path / f"rems-report-{YEAR}.pdf")
    assert "\x1b" not in text and "HYPERLINK" in text


def test_review_packet_with_control_characters_renders(noisy, tmp_path):
    pid = mart(noisy, "select provider_id from review.current_term order by 1 limit 1")[0]["provider_id"]
    r = CliRunner().invoke(main, ["report", "review", "--provider", pid, "--db", str(noisy), "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    text = pdf_text(next(tmp_path.glob("*.pdf")))
    assert "\x1b" not in text and "\x00" not in text and "[31m" in text


def test_dashboard_csv_quotes_bare_cr_and_guards_look_alikes():
    from dashboards import exports

    frame = pd.DataFrame(
        {"title": HOSTILE_TEXT, "count": list(range(-3, len(HOSTILE_TEXT) - 3)), "share": [0.5] * len(HOSTILE_TEXT)}
    )
    data = exports.to_csv(frame)
    rows = list(csv.reader(io.StringIO(data.decode(), newline="")))
    assert len(rows) == len(HOSTILE_TEXT) + 1  # the old writer left a bare CR unquoted: a row split in two
    back = pl.read_csv(io.BytesIO(data))
    assert back.height == len(HOSTILE_TEXT) and back["count"].to_list() == list(range(-3, len(HOSTILE_TEXT) - 3))
    assert back["share"].dtype == pl.Float64  # numbers stay numbers
    for row in rows:
        assert not any(_starts_like_formula(cell) for cell in row), row
    assert "\x00" not in data.decode() and "\x1b" not in data.decode()


def test_dashboard_excel_download_copes_with_control_characters():
    from dashboards import exports

    frame = pd.DataFrame({"name": ["ok", "x\x00y\x1b[31m\x01", " =1+1", "\uff1d1"], "n": [1, 2, 3, 4]})
    book = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx(frame, "t")))
    values = [c.value for c in book.active["A"][1:]]
    assert values[0] == "ok" and values[1] == "x\ufffdy\ufffd[31m\ufffd"
    assert not any(_starts_like_formula(v) for v in values)
    assert [c.value for c in book.active["B"][1:]] == [1, 2, 3, 4]


def test_one_formula_rule_for_reports_dashboards_and_releases():
    from anonymize.release.writer import guard_formulas
    from reports import safe_cell

    texts = HOSTILE_TEXT + ["plain", "a=b", "", "1-2", "e-mail"]
    frame = pl.DataFrame({"t": texts, "n": [-1] * len(texts)})
    guarded = guard_formulas(frame)
    assert guarded["t"].to_list() == [safe_cell(v) for v in frame["t"].to_list()]
    assert guarded["n"].to_list() == frame["n"].to_list()
    for original, value in zip(frame["t"].to_list(), guarded["t"].to_list(), strict=True):
        assert not _starts_like_formula(value), value
        assert value in (original, "'" + original)  # guarded by a leading apostrophe, text otherwise kept
    assert guarded["t"].to_list()[-5:] == ["plain", "a=b", "", "1-2", "e-mail"]
    assert safe_cell(-5) == -5 and safe_cell(2.5) == 2.5 and safe_cell(None) is None


def test_release_csv_quotes_cr_and_lf_and_replaces_controls(tmp_path):
    from anonymize.release.writer import write_csv

    frame = pl.DataFrame({"t": HOSTILE_TEXT, "n": list(range(len(HOSTILE_TEXT)))})
    write_csv(frame, tmp_path / "t.csv")
    _check_csv(tmp_path / "t.csv", len(HOSTILE_TEXT))
    assert pl.read_csv(tmp_path / "t.csv")["n"].to_list() == list(range(len(HOSTILE_TEXT)))


def test_build_summary_escapes_control_characters_for_the_terminal(capsys):
    from warehouse.build.results import BuildResult, NodeFailure
    from warehouse.console import print_build_summary, print_load_summary

    failure = NodeFailure(
        unique_id="test.x",
        resource_type="test",
        name="accepted_values_x\x1b]0;pwned\x07",
        path="models/x.yml",
        status="fail",
        message="Got 1 result\x1b[2J",
        failures=1,
        columns=["provider_name"],
        rows=[("Evil\x1b[31m Corp\x00\x9b1m\u202e",)],
    )
    print_build_summary(
        BuildResult(
            db=Path("w.duckdb"),
            ok=False,
            published=False,
            counts={"test": {"fail": 1}},
            failures=[failure],
            seconds=1.0,
            error="bad \x1b[5m thing",
        )
    )
    out = capsys.readouterr()
    text = out.out + out.err
    assert "\x1b" not in text and "\x00" not in text and "\x9b" not in text and "\u202e" not in text
    assert "\\x1b[31m" in text and "Evil" in text and "Corp" in text  # shown, visibly escaped
    assert callable(print_load_summary)


def test_load_output_escapes_an_export_id_with_escape_sequences(export_copy, tmp_path):
    """An export's manifest names itself: its id reaches the load summary (or an error), never as raw ESC."""
    from tests.helpers import set_manifest

    set_manifest(export_copy, export_id="evil\x1b[2J\x1b]0;owned\x07\u202eid")
    r = CliRunner().invoke(main, ["load", str(export_copy), "--db", str(tmp_path / "w.duckdb")])
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exc_info
    assert "evil" in r.output
    assert not any(ch in r.output for ch in "\x1b\x07\u202e"), repr(r.output[:400])
    assert "\\x1b[2J" in r.output


def test_blank_ranges_are_the_blank_rule():
    import sys

    from warehouse.text import BLANK_RANGES, blank

    listed = {cp for a, b in BLANK_RANGES for cp in range(a, b + 1)}
    assert listed == {cp for cp in range(sys.maxunicode + 1) if blank(chr(cp))}

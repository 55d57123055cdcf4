"""Excel workbook (one sheet per table, formatted header, numbers as numbers) and one CSV per table."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from warehouse.files import atomic_folder, atomic_write
from warehouse.paths import confined, remove_tree

from . import clean_text, safe_cell
from .tables import EXCEL_FORMATS, Table, cell_kind, excel_value, fmt

_HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_TITLE_FONT = Font(bold=True, size=12, color="1F4E79")


YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


def sheet_name(table: Table, used: set[str]) -> str:
    """A unique sheet name of at most 31 characters, without the characters Excel forbids, that keeps the table's
    number and its year: "T2 Activities by organizat 2022" (the title is cut, never the year; the provider group
    in parentheses is left to the sheet's own title in A1)."""
    label = table.title.split(".")[0].replace("Table ", "T")
    rest = table.title.split(". ", 1)[1] if ". " in table.title else ""
    years = list(dict.fromkeys(YEAR.findall(rest)))
    rest = re.sub(r"\s*\([^)]*\)\s*$", "", rest)  # "(All accredited providers)": in the sheet's title row
    rest = re.sub(r"[,\s]+$", "", YEAR.sub("", rest)).strip()
    text = re.sub(r"[\[\]:*?/\\]", " ", f"{label} {rest}")
    year = re.sub(r"[\[\]:*?/\\]", " ", " ".join(years))

    def make(counter: str) -> str:
        suffix = "".join(f" {x}" for x in (year, counter) if x)
        return text[: 31 - len(suffix)].rstrip(" ,-") + suffix

    name, i = make(""), 2
    while name in used:
        name, i = make(f"({i})"), i + 1
    used.add(name)
    return name


def _cell_kind(table: Table, row: dict, kind: str, key: str | None = None) -> str:
    return cell_kind(row, kind, key)


def write_workbook(tables: list[Table], path: Path) -> Path:
    """Write the workbook atomically. Row 1 is the title, row 3 the header, data from row 4."""
    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for t in tables:
        ws = wb.create_sheet(sheet_name(t, used))
        ws["A1"] = _cell(t.title)
        ws["A1"].font = _TITLE_FONT
        if t.empty:
            ws["A3"] = "No data"
            continue
        for j, col in enumerate(t.columns, start=1):
            c = ws.cell(row=3, column=j, value=_cell(col.label))
            c.fill, c.font = _HEADER_FILL, _HEADER_FONT
            c.alignment = Alignment(wrap_text=True, vertical="bottom")
            width = max(
                [len(col.label)] + [len(fmt(r.get(col.key), _cell_kind(t, r, col.kind, col.key))) for r in t.rows[:200]]
            )
            ws.column_dimensions[get_column_letter(j)].width = min(max(width + 2, 8), 60)
        rows = t.rows + ([t.total] if t.total else [])
        for i, r in enumerate(rows, start=4):
            for j, col in enumerate(t.columns, start=1):
                kind = _cell_kind(t, r, col.kind, col.key)
                c = ws.cell(row=i, column=j, value=_cell(excel_value(r.get(col.key), kind)))
                if kind in EXCEL_FORMATS and kind not in ("text", "code"):
                    c.number_format = EXCEL_FORMATS[kind]
                if r is t.total:
                    c.font = Font(bold=True)
        ws.freeze_panes = "B4"
        notes = [x for x in (t.note, f"Source: {t.source}" if t.source else "") if x]
        for k, note in enumerate(notes):
            ws.cell(row=len(rows) + 5 + k, column=1, value=_cell(note))
    return atomic_write(path, wb.save)


def csv_name(table: Table) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", table.title.lower()).strip("_")
    return slug[:80] + ".csv"


def write_csvs(tables: list[Table], folder: Path) -> Path:
    """One CSV per table (header = column labels, raw values, text guarded); replaces the folder atomically.

    The folder must stay inside its parent (`warehouse.paths.confined`): a folder that is a symlink, or resolves
    elsewhere, is refused before anything is written or deleted.
    """
    folder = Path(folder)
    target = confined(folder.parent, folder.name)
    with atomic_folder(target, mode=None, clear=lambda: remove_tree(folder.parent, folder.name)) as tmp:
        for t in tables:
            write_csv(
                tmp / csv_name(t),
                [_cell(c.label) for c in t.columns],
                (
                    [_csv_value(r.get(c.key), _cell_kind(t, r, c.kind, c.key)) for c in t.columns]
                    for r in t.rows + ([t.total] if t.total else [])
                ),
            )
    return folder


def write_csv(path: Path, header: list, rows) -> None:
    """A CSV file as every CSV of the reports is written: UTF-8, CRLF rows, and any field holding a CR, LF, comma or
    quote is quoted (csv.QUOTE_MINIMAL with the CRLF terminator quotes both CR and LF, so no cell splits a row)."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        out.writerow(header)
        out.writerows(rows)


def _cell(value):
    """A cell value for a workbook or CSV: control characters replaced, then the formula guard (text only)."""
    return safe_cell(clean_text(value))


def _csv_value(value, kind: str):
    value = excel_value(value, kind)
    return "" if value is None else _cell(value)

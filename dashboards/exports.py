"""Tables as CSV and Excel downloads, guarded against formula injection and control characters.

A text cell that would start a formula in a spreadsheet program (= + - @, tab or CR, also after leading spaces,
non-breaking or other Unicode spaces, and their full-width look-alikes) is written with a leading apostrophe instead
(OWASP's advice), so it shows as text. Control characters become U+FFFD. Numbers stay numbers. The rules are the
reports' own (`reports.safe_cell`, `reports.clean_text`, defined in `warehouse.text`), so a table downloaded here
and in a report is written alike. The CSV ends rows with CRLF (RFC 4180), so a CR or LF inside a cell is quoted and
can never start a row of its own.
"""

from __future__ import annotations

import csv
import io

import pandas as pd

from reports import clean_text, safe_cell


def _cell(value):
    return safe_cell(clean_text(value))


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(_cell)
    out.columns = [_cell(str(c)) for c in out.columns]
    return out


def to_csv(frame: pd.DataFrame) -> bytes:
    # pandas quotes only the characters of its line terminator: with "\r\n" both CR and LF are quoted
    return safe_frame(frame).to_csv(index=False, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL).encode("utf-8")


def to_xlsx(frame: pd.DataFrame, sheet: str = "data") -> bytes:
    safe = safe_frame(frame)
    for column in safe.columns:  # Excel has no time zones
        if isinstance(safe[column].dtype, pd.DatetimeTZDtype):
            safe[column] = safe[column].dt.tz_localize(None)
    buffer = io.BytesIO()
    sheet = _sheet_name(sheet)
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        safe.to_excel(writer, sheet_name=sheet, index=False)
        worksheet = writer.sheets[sheet]
        for cells in worksheet.columns:  # a readable width, and text cells stay text
            width = max(len(str(c.value)) if c.value is not None else 0 for c in cells)
            worksheet.column_dimensions[cells[0].column_letter].width = min(max(10, width + 2), 60)
            for cell in cells:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
    return buffer.getvalue()


def _sheet_name(name: str) -> str:
    """At most 31 characters, none of those Excel forbids in a sheet name (or a control character)."""
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in clean_text(str(name)).replace("\ufffd", " "))
    return cleaned.strip(" '")[:31] or "data"

"""Tables as CSV and Excel downloads, guarded against formula injection and control characters.

A text cell that would start a formula in a spreadsheet program (= + - @, tab or CR, also after leading spaces,
non-breaking or other Unicode spaces, and their full-width look-alikes) is written with a leading apostrophe instead
(OWASP's advice), so it shows as text. Control characters become U+FFFD. Numbers stay numbers. The rules are the
reports' own (`reports.safe_cell`, `reports.clean_text`, defined in `warehouse.text`), so a table downloaded here
and in a report is written alike. The CSV ends rows with CRLF (RFC 4180), so a CR or LF inside a cell is quoted and
can never start a row of its own.

Lists (a decision's criteria, a load's reporting years) are written as comma-separated text in natural order
("C1, C2, C10", "2020, 2021, 2022"). The CSV keeps the marts' column names (a stable header for scripts); the Excel
file is for people: its header holds the labels of `reports.labels` and every number cell the format of its column
(`reports.formats`: dollars, counts, hours, percent, dates), and its sheet name keeps the year when the name is cut to
31 characters.
"""

from __future__ import annotations

import csv
import io
import re

import pandas as pd

from reports import clean_text, formats, labels, safe_cell


def _cell(value):
    return safe_cell(clean_text(value))


def _list_or_cell(value):
    return _cell(formats.list_text(value)) if formats.is_list(value) else _cell(value)


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(_list_or_cell)
    out.columns = [_cell(str(c)) for c in out.columns]
    return out


def to_csv(frame: pd.DataFrame) -> bytes:
    # pandas quotes only the characters of its line terminator: with "\r\n" both CR and LF are quoted
    return safe_frame(frame).to_csv(index=False, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL).encode("utf-8")


def to_xlsx(frame: pd.DataFrame, sheet: str = "data") -> bytes:
    """An Excel file of the frame: labels for headers, each number cell formatted by its column's kind."""
    kinds = [formats.kind(str(c)) for c in frame.columns]
    safe = safe_frame(frame)
    safe.columns = [_cell(labels.label(str(c))) for c in frame.columns]
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
            number_format = _number_format(kinds[cells[0].column - 1], safe[safe.columns[cells[0].column - 1]])
            for cell in cells[1:]:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
                elif number_format and isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                    cell.number_format = number_format
                elif hasattr(cell.value, "year"):  # a date or time
                    cell.number_format = (
                        formats.EXCEL["date"]
                        if not hasattr(cell.value, "hour")
                        or (cell.value.hour, cell.value.minute, cell.value.second) == (0, 0, 0)
                        else "yyyy-mm-dd hh:mm:ss"
                    )
    return buffer.getvalue()


def _number_format(kind: str, column: pd.Series) -> str | None:
    """The Excel format of a column's numbers: its kind's, else counts for whole numbers and two decimals."""
    if kind in formats.EXCEL:
        return formats.EXCEL[kind]
    if pd.api.types.is_integer_dtype(column):
        return formats.EXCEL["integer"]
    if pd.api.types.is_float_dtype(column):
        return formats.EXCEL["decimal"]
    return None


YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


def _sheet_name(name: str) -> str:
    """At most 31 characters, none of those Excel forbids in a sheet name (or a control character).

    A longer name is cut in its words, never in its year: "income-by-organization-type-2022" becomes
    "income-by-organization-ty 2022" (the year moved to the end when it sat in the middle).
    """
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in clean_text(str(name)).replace("\ufffd", " "))
    cleaned = cleaned.strip(" '")
    if len(cleaned) > 31 and (years := YEAR.findall(cleaned)):
        suffix = " " + " ".join(dict.fromkeys(years))
        rest = re.sub(r"[-_ ]{2,}", "-", YEAR.sub("", cleaned)).strip(" -_'")
        cleaned = rest[: 31 - len(suffix)].rstrip(" -_'") + suffix
    return cleaned[:31] or "data"

"""Tables as CSV and Excel downloads, guarded against formula injection.

A text cell that starts with = + - @ (or a tab / carriage return) is taken for a formula by spreadsheet programs;
it is written with a leading apostrophe instead (OWASP's advice), so it shows as text. Numbers stay numbers. The
rule is the reports' own (`reports.safe_cell`), so a table downloaded here and in a report is written alike.
"""

from __future__ import annotations

import io

import pandas as pd

from reports import safe_cell


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(safe_cell)
    out.columns = [safe_cell(str(c)) for c in out.columns]
    return out


def to_csv(frame: pd.DataFrame) -> bytes:
    return safe_frame(frame).to_csv(index=False).encode("utf-8")


def to_xlsx(frame: pd.DataFrame, sheet: str = "data") -> bytes:
    safe = safe_frame(frame)
    for column in safe.columns:  # Excel has no time zones
        if isinstance(safe[column].dtype, pd.DatetimeTZDtype):
            safe[column] = safe[column].dt.tz_localize(None)
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        safe.to_excel(writer, sheet_name=sheet[:31], index=False)
        worksheet = writer.sheets[sheet[:31]]
        for cells in worksheet.columns:  # a readable width, and text cells stay text
            width = max(len(str(c.value)) if c.value is not None else 0 for c in cells)
            worksheet.column_dimensions[cells[0].column_letter].width = min(max(10, width + 2), 60)
            for cell in cells:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
    return buffer.getvalue()

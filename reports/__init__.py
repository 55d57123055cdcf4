"""PDF, Excel and CSV reports read from the warehouse's marts (the annual Data Report, review packets, MOC, REMS).

`reports.api` is the entry point for other code; `safe_cell` guards spreadsheet cells against formula injection.
"""

from __future__ import annotations

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Return value made inert for a spreadsheet: text starting with = + - @ tab or CR gets a leading '.

    Numbers, dates and None pass unchanged (a negative number is a number, not a formula); only text is guarded,
    because a spreadsheet evaluates text cells such as "=HYPERLINK(...)" when a user opens a CSV or workbook.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


__all__ = ["safe_cell"]

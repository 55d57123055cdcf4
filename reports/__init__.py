"""PDF, Excel and CSV reports read from the warehouse's marts (the annual Data Report, review packets, MOC, REMS).

`reports.api` is the entry point for other code; `safe_cell` guards spreadsheet cells against formula injection (the
project's one formula rule, defined in `warehouse.text` and shared with the dashboards and the releases).
"""

from __future__ import annotations

from warehouse.text import clean_text, safe_cell

__all__ = ["clean_text", "safe_cell"]

"""The table model shared by the PDF templates and the Excel/CSV writers, and the number formats.

A report is a list of `Table`s built from mart rows; the same object renders to HTML (formatted text) and to a
workbook sheet (numbers as numbers), so the PDF and the workbook cannot disagree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

# kind -> (Excel number format); the text format is in fmt()
EXCEL_FORMATS = {
    "int": "#,##0",
    "num": "#,##0.00",
    "num1": "#,##0.0",
    "money": '"$"#,##0',
    "share": "0.0%",
    "pct": '+0.0"%";-0.0"%";0.0"%"',
    "date": "yyyy-mm-dd",
    "text": "@",
    "code": "@",
}


@dataclass
class Column:
    key: str
    label: str
    kind: str = "int"  # int, num, num1, money, share (0..1), pct (already x100), date, text, bool, list


@dataclass
class Table:
    id: str
    title: str
    columns: list[Column]
    rows: list[dict]
    note: str = ""
    source: str = ""  # the mart(s) the numbers come from
    wide: bool = False  # render on a landscape page
    total: dict | None = None  # a total row (sum of the rows, shown last)
    small: bool = False  # smaller type for long lists
    extra: dict = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.rows

    @property
    def widths(self) -> list[float]:
        """Column widths in percent from the text the columns hold (a sample of rows), for a fixed table layout.

        WeasyPrint's automatic table layout measures every cell's text and dominated rendering time on long lists.
        """
        sample = self.rows[:60]
        weights = []
        for c in self.columns:
            longest_word = 1.25 * max((len(w) for w in c.label.split()), default=4)  # bold header
            texts = [fmt(r.get(c.key), cell_kind(r, c.kind)) for r in sample] or ["    "]
            values = [len(t) for t in texts]
            if c.kind in ("text", "list"):
                # text wraps between words: its longest word must fit, the rest may take a second line
                longest_value_word = max(len(w) for t in texts for w in (t.split() or [""]))
                typical = max(1.3 * longest_value_word, sorted(values)[int(0.8 * (len(values) - 1))])
            else:
                typical = 1.35 * max(values)  # digits and dates do not wrap: give them room
            weight = max(longest_word, typical, 5)
            weights.append(min(weight, 38 if c.kind in ("text", "list") else 16))
        total = sum(weights)
        return [round(100 * w / total, 2) for w in weights]


TEXT_KINDS = ("text", "code", "list", "date", "bool")


def cell_kind(row: dict, kind: str) -> str:
    """A row may override the number format of its numeric cells (Table 1 mixes counts and dollars)."""
    return kind if kind in TEXT_KINDS else row.get("_kind", kind)


def fmt(value, kind: str = "int") -> str:
    """Text of a value as the PDF shows it ('–' for missing)."""
    if value is None:
        return "–"
    if kind in ("text", "code"):
        return str(value)
    if kind == "bool":
        return "yes" if value else "no"
    if kind == "list":
        return ", ".join(value) if value else "–"
    if kind == "date":
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    if isinstance(value, Decimal):
        value = float(value)
    if kind == "int":
        return f"{round(value):,}"
    if kind == "num":
        return f"{value:,.2f}"
    if kind == "num1":
        return f"{value:,.1f}"
    if kind == "money":
        return f"${value:,.0f}"
    if kind == "share":
        return f"{100 * value:.1f}%"
    if kind == "pct":
        return f"{value:+.1f}%"
    return str(value)


def excel_value(value, kind: str):
    """The cell value for a workbook: numbers stay numbers (Decimal -> float), lists become text."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value)
    if kind == "list":
        return ", ".join(value)
    if kind == "bool":
        return "yes" if value else "no"
    return value


def with_total(table: Table, label_key: str, label: str = "Total") -> Table:
    """Add a total row: the column sums of the displayed rows (presentation only; the marts hold the figures)."""
    if not table.rows:
        return table
    total: dict = {label_key: label}
    for col in table.columns:
        if col.key != label_key and col.kind in ("int", "num", "num1", "money"):
            total[col.key] = sum((r.get(col.key) or 0) for r in table.rows)
    table.total = total
    return table

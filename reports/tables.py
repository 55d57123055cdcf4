"""The table model shared by the PDF templates and the Excel/CSV writers, and the number formats.

A report is a list of `Table`s built from mart rows; the same object renders to HTML (formatted text) and to a
workbook sheet (numbers as numbers), so the PDF and the workbook cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from . import formats, labels
from .formats import EXCEL, PDF_KINDS, TABLE_KINDS, format_value

#: kind -> Excel number format: the formats of reports/formats.py for the kinds they stand for (TABLE_KINDS)
EXCEL_FORMATS = {
    **{kind: EXCEL[same] for kind, same in TABLE_KINDS.items() if same in EXCEL},
    "text": "@",
    "code": "@",
}


@dataclass
class Column:
    key: str
    label: str
    kind: str = "int"  # int, num, num1, money, share (0..1), pct (already x100), date, text, bool, list


def col(key: str, heading: str | None = None, kind: str | None = None) -> Column:
    """A column of a mart: its heading from reports/labels.py and its format from reports/formats.py unless the table
    says otherwise (a short heading in a wide table, a share that formats.py does not know)."""
    return Column(key, heading or labels.label(key), kind or PDF_KINDS[formats.kind(key)])


@dataclass
class Table:
    id: str
    title: str
    columns: list[Column]
    rows: list[dict]
    note: str = ""
    source: str = ""  # where the numbers come from, in words (wording.source)
    lineage: str = ""  # the mart they are read from (printed in the methods appendix only)
    wide: bool = False  # render on a landscape page
    total: dict | None = None  # a total row (sum of the rows, shown last)
    small: bool = False  # smaller type for long lists
    extra: dict = field(default_factory=dict)
    change: dict | None = None  # a row under the total: percent change of the total against the previous year
    footnotes: list[str] = field(default_factory=list)  # printed under the table (e.g. why a cell shows "–")
    pdf_limit: int | None = None  # a long list: the PDF shows this many rows, the workbook and CSV all of them

    @property
    def empty(self) -> bool:
        return not self.rows

    @property
    def widths(self) -> list[float]:
        """Column widths in percent of the line, for a fixed table layout (WeasyPrint's automatic layout measures
        every cell's text and dominated rendering time on long lists).

        Every column first gets its minimum: its widest header word (bold 7.2 pt) and, for numbers, dates and codes
        (which do not wrap), its widest value, plus the cell padding; text columns then share what is left by how
        long their texts typically are. Headers sized from the values alone ran together ("TypeStart") when the
        values were short.
        """
        line = 720.0 if self.wide else 525.0  # points between the margins: Letter landscape / portrait
        body = 4.4 if self.small else 5.2  # points per character of the cells' type (DejaVu Sans 6.8 / 8 pt)
        head = 4.6 if self.small else 5.0  # points per character of a bold header word (6.5 / 7.2 pt)
        pad = 6.5
        sample = self.rows[:60] + ([self.total] if self.total else [])
        minimum, wish, floor = [], [], []
        for c in self.columns:
            header = head * max((len(w) for w in c.label.split()), default=1) + pad
            floor.append(max(header, 45))
            texts = [fmt(r.get(c.key), cell_kind(r, c.kind)) for r in sample] or [""]
            if c.kind in ("text", "list"):
                longest_word = max(len(w) for t in texts for w in (t.split() or [""]))
                typical = sorted(len(t) for t in texts)[int(0.8 * (len(texts) - 1))]
                minimum.append(max(header, body * min(longest_word, 24) + pad))
                wish.append(max(minimum[-1], body * min(typical, 60) + pad))
            else:
                minimum.append(max(header, body * max(len(t) for t in texts) + pad))
                wish.append(minimum[-1])
        spare = line - sum(minimum)
        grow = [w - m for w, m in zip(wish, minimum, strict=True)]
        if spare > 0 and sum(grow) > 0:
            widths = [m + g * min(1.0, spare / sum(grow)) for m, g in zip(minimum, grow, strict=True)]
        elif spare < 0:
            # too wide: text columns give up room first (their long words may break), numbers and dates keep theirs
            text = [i for i, c in enumerate(self.columns) if c.kind in ("text", "list")]
            give = sum(max(0.0, minimum[i] - floor[i]) for i in text)
            widths = list(minimum)
            for i in text:
                widths[i] -= max(0.0, minimum[i] - floor[i]) * min(1.0, -spare / give) if give else 0
        else:
            widths = minimum
        total = sum(widths)
        return [round(100 * w / total, 2) for w in widths]


TEXT_KINDS = ("text", "code", "list", "date", "bool")


def cell_kind(row: dict, kind: str, key: str | None = None) -> str:
    """A row may override the number format of its numeric cells (Table 1 mixes counts and dollars), or of one
    column (`_kinds`: the peer comparison's provider value is a count on the activities row, hours on another)."""
    if kind in TEXT_KINDS:
        return kind
    return row.get("_kinds", {}).get(key, row.get("_kind", kind))


def fmt(value, kind: str = "int") -> str:
    """Text of a value as the PDF shows it ('–' for missing): formats.format_value, the one number formatter, for
    every kind but text and codes (printed as they are)."""
    if kind in ("text", "code"):
        return "–" if value is None else str(value)
    return format_value(value, TABLE_KINDS.get(kind, "text"))


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


def change_row(label_key: str, year: int, pct: dict[str, float | None], columns: dict[str, str]) -> dict | None:
    """The row under a table's total: "Change vs <year - 1>" and, per column, the percent change of the measure
    that column's total is (columns: table column -> measure of `pct`)."""
    row = {k: pct.get(m) for k, m in columns.items() if pct.get(m) is not None}
    return {label_key: f"Change vs {year - 1}", **row} if row else None


@dataclass(frozen=True)
class TableSpec:
    """A table read from one mart, said once: the query of its rows, its columns, and how it prints.

    `query` selects the rows: `{mart}` stands for the mart's name, `?` for the parameters `read` is given (never
    text from data). The reports number and title the tables themselves (`read`'s id and title).
    """

    mart: str
    query: str
    columns: tuple[Column, ...]
    note: str = ""
    wide: bool = False
    small: bool = False

    def read(self, w, params: list, id: str, title: str, source: str) -> Table:
        return Table(
            id,
            title,
            list(self.columns),
            w.rows(self.query.format(mart=self.mart), params),
            note=self.note,
            source=source,
            lineage=self.mart,
            wide=self.wide,
            small=self.small,
        )

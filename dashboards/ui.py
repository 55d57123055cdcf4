"""Small building blocks shared by the pages: audited download buttons, number formatting and plain text.

Text from the data (names, titles, ids, file names, messages that quote them) is shown through `plain()`: Streamlit
renders the labels, captions, headings, tooltips and messages of its elements as Markdown (with its own extensions:
colored text, icons, LaTeX), so a provider named `![x](http://host/beacon)` would make every viewer's browser fetch
from that host, and `[click](http://host)` would show a live link.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboards import audit, auth, exports, settings

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"

# Every ASCII punctuation character: CommonMark lets any of them be backslash-escaped, and an escaped one is always
# shown as itself. That covers Markdown (links, images, emphasis, headings, lists, code, tables), raw HTML and
# entities (< and &), GFM autolinks (the ':' of a scheme, the '.' of "www.", the '@' of an address), LaTeX ($) and
# Streamlit's :color[...] and :material/icon: directives.
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
# Control characters and line or paragraph breaks: a new line could start a block (a heading, a list, a quote).
_BREAKS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
# Escapes do not stop what is found in the text after parsing: GFM's autolink literals (http://, https://, www.,
# e-mail addresses) and Streamlit's emoji and icon shortcodes (:name:) are matched in the parsed text. An invisible
# WORD JOINER after every ':' and '@' and inside "www." breaks those patterns and changes nothing on screen.
_AFTER = re.compile(r"([:@]|www(?=\.))", re.IGNORECASE)
JOINER = "\u2060"


def plain(value) -> str:
    """`value` as text that Streamlit's Markdown shows as written, on one line: never a link, image or format.

    Every ASCII punctuation character is backslash-escaped, line breaks and control characters become spaces,
    and a WORD JOINER (U+2060, invisible) follows each ':' and '@' and splits "www." (see _AFTER).
    """
    text = _BREAKS.sub(" ", "" if value is None else str(value))
    text = _AFTER.sub(lambda m: m.group(1) + JOINER, text)
    return _PUNCTUATION.sub(r"\\\1", text)


def audited(produce: Callable[[], bytes], user: dict, what: str, file_name: str,
            details: dict | None) -> Callable[[], bytes]:
    """`produce`, writing an audit line (who, what, which file, when) once the bytes exist, as they are served."""

    def serve() -> bytes:
        payload = produce()
        audit.record(settings.audit_log(), user=user["name"], role=user["role"], action="download", what=what,
                     file=file_name, details=details)
        return payload

    return serve


def download(label: str, data: Callable[[], bytes], file_name: str, mime: str, *, what: str, key: str,
             details: dict | None = None, icon: str | None = ":material/download:") -> None:
    """A download button; the file is made when clicked and every download is written to the audit log.

    The data is a callable (Streamlit's deferred download): it runs in the server when the user clicks, so the
    audit line is written exactly when a file is served, and nothing is built for buttons nobody clicks. No rerun
    follows the click (on_click="ignore").
    """
    user = auth.current_user() or {"name": "?", "role": "?"}
    st.download_button(label, data=audited(data, user, what, file_name, details), file_name=file_name, mime=mime,
                       key=key, icon=icon, on_click="ignore")


def table_downloads(frame: pd.DataFrame, base_name: str, *, what: str, key: str, details: dict | None = None) -> None:
    """CSV and Excel buttons for a table (formula-injection guarded), both audited; built only on click."""
    left, right, _ = st.columns([1, 1, 4])
    with left:
        download("CSV", lambda: exports.to_csv(frame), f"{base_name}.csv", CSV, what=what, key=f"{key}-csv",
                 details=details)
    with right:
        download("Excel", lambda: exports.to_xlsx(frame, base_name), f"{base_name}.xlsx", XLSX, what=what,
                 key=f"{key}-xlsx", details=details)


def report_downloads(kind: str, year: int, title: str, key: str) -> None:
    """PDF and Excel buttons for a report of `reports.api` (rendered on the first click, then cached)."""
    from dashboards import reporting

    if not reporting.available():
        st.caption("The reports need the reports package (reports.api), which this installation lacks.")
        return
    left, right, _ = st.columns([1, 1, 3])
    with left:
        download(f"PDF {year}", lambda: reporting.report(kind, year, "pdf"), f"{kind}-report-{year}.pdf", PDF,
                 what=f"{title} {year} (PDF)", key=f"{key}-pdf", details={"year": int(year)})
    with right:
        download(f"Excel {year}", lambda: reporting.report(kind, year, "xlsx"), f"{kind}-report-{year}.xlsx", XLSX,
                 what=f"{title} {year} (Excel)", key=f"{key}-xlsx", details={"year": int(year)})


def file_reader(path: Path) -> Callable[[], bytes]:
    return lambda: Path(path).read_bytes()


def metric_row(row, figures: list[tuple[str, str, Callable]]) -> None:
    """One row of st.metric: (label, column of `row`, formatter) each; "0" for every figure when `row` is None."""
    for col, (label, column, fmt) in zip(st.columns(len(figures)), figures, strict=True):
        col.metric(label, fmt(row[column]) if row is not None else "0")


def number(value, decimals: int = 0) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "–"
    return f"{float(value):,.{decimals}f}" if decimals else f"{int(round(float(value))):,}"


def money(value) -> str:
    """Dollars, shortened to thousands or millions so that a metric fits its column."""
    if value is None or pd.isna(value):
        return "–"
    v = float(value)
    if abs(v) >= 1e6:
        return f"${v / 1e6:,.1f} M"
    if abs(v) >= 1e4:
        return f"${v / 1e3:,.0f} k"
    return f"${v:,.0f}"


def by_year(frame: pd.DataFrame, column: str = "report_year") -> pd.DataFrame:
    """A copy whose year column is text, so that charts label it 2022 rather than 2,022."""
    out = frame.copy()
    out[column] = out[column].astype(str)
    return out


def warehouse_guard() -> None:
    """Stop the page with a clear message when the warehouse file is missing."""
    from dashboards import data

    try:
        data.identity()
    except data.WarehouseUnavailable as exc:
        st.error(f"No data: {plain(exc)}.")
        st.stop()

"""Small building blocks shared by the pages: audited download buttons and number formatting."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboards import audit, auth, exports, settings

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"


def _audit(what: str, file_name: str, details: dict | None) -> None:
    user = auth.current_user() or {"name": "?", "role": "?"}
    audit.record(settings.audit_log(), user=user["name"], role=user["role"], action="download", what=what,
                 file=file_name, details=details)


def download(label: str, data: bytes | Callable[[], bytes], file_name: str, mime: str, *, what: str, key: str,
             details: dict | None = None, icon: str | None = ":material/download:") -> None:
    """A download button whose click is written to the audit log (who, what, which file, when)."""
    st.download_button(label, data=data, file_name=file_name, mime=mime, key=key, icon=icon,
                       on_click=_audit, args=(what, file_name, details))


def table_downloads(frame: pd.DataFrame, base_name: str, *, what: str, key: str, details: dict | None = None) -> None:
    """CSV and Excel buttons for a table (formula-injection guarded), both audited; built only on click."""
    left, right, _ = st.columns([1, 1, 4])
    with left:
        download("CSV", lambda: exports.to_csv(frame), f"{base_name}.csv", CSV, what=what, key=f"{key}-csv",
                 details=details)
    with right:
        download("Excel", lambda: exports.to_xlsx(frame, base_name), f"{base_name}.xlsx", XLSX, what=what,
                 key=f"{key}-xlsx", details=details)


def file_reader(path: Path) -> Callable[[], bytes]:
    return lambda: Path(path).read_bytes()


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
        st.error(f"No data: {exc}.")
        st.stop()

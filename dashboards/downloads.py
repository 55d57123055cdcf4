"""The pages' download buttons: a file is made only when its button is clicked, and every download is written to the
audit log (who, what, which file, when) as it is served.

The pages offer files through these buttons alone, so no download bypasses the audit log, and tables are written by
`dashboards.exports` (formula injection guarded) whichever page offers them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboards import audit, auth, exports, settings

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"


def audited(
    produce: Callable[[], bytes], user: dict, what: str, file_name: str, details: dict | None
) -> Callable[[], bytes]:
    """`produce`, writing an audit line (who, what, which file, when) once the bytes exist, as they are served."""

    def serve() -> bytes:
        payload = produce()
        audit.record(
            settings.audit_log(),
            user=user["name"],
            role=user["role"],
            action="download",
            what=what,
            file=file_name,
            details=details,
        )
        return payload

    return serve


def download(
    label: str,
    data: Callable[[], bytes],
    file_name: str,
    mime: str,
    *,
    what: str,
    key: str,
    details: dict | None = None,
    icon: str | None = ":material/download:",
) -> None:
    """A download button; the file is made when clicked and every download is written to the audit log.

    The data is a callable (Streamlit's deferred download): it runs in the server when the user clicks, so the
    audit line is written exactly when a file is served, and nothing is built for buttons nobody clicks. No rerun
    follows the click (on_click="ignore").
    """
    user = auth.current_user() or {"name": "?", "role": "?"}
    st.download_button(
        label,
        data=audited(data, user, what, file_name, details),
        file_name=file_name,
        mime=mime,
        key=key,
        icon=icon,
        on_click="ignore",
    )


def table_downloads(frame: pd.DataFrame, base_name: str, *, what: str, key: str, details: dict | None = None) -> None:
    """CSV and Excel buttons for a table (formula-injection guarded), both audited; built only on click."""
    with st.container(horizontal=True):
        download(
            "CSV", lambda: exports.to_csv(frame), f"{base_name}.csv", CSV, what=what, key=f"{key}-csv", details=details
        )
        download(
            "Excel",
            lambda: exports.to_xlsx(frame, base_name),
            f"{base_name}.xlsx",
            XLSX,
            what=what,
            key=f"{key}-xlsx",
            details=details,
        )


def report_downloads(kind: str, year: int, title: str, key: str) -> None:
    """PDF and Excel buttons for a report of `reports.api` (rendered on the first click, then cached)."""
    from dashboards import reporting

    if not reporting.available():
        st.caption("The reports need the reports package (reports.api), which this installation lacks.")
        return
    with st.container(horizontal=True):
        download(
            f"PDF {year}",
            lambda: reporting.report(kind, year, "pdf"),
            f"{kind}-report-{year}.pdf",
            PDF,
            what=f"{title} {year} (PDF)",
            key=f"{key}-pdf",
            details={"year": int(year)},
        )
        download(
            f"Excel {year}",
            lambda: reporting.report(kind, year, "xlsx"),
            f"{kind}-report-{year}.xlsx",
            XLSX,
            what=f"{title} {year} (Excel)",
            key=f"{key}-xlsx",
            details={"year": int(year)},
        )


def file_reader(path: Path) -> Callable[[], bytes]:
    return lambda: Path(path).read_bytes()

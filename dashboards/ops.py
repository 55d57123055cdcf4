"""The data operations page's tables in words: load attempts (from `<db>.loads.jsonl`), the follow-up list.

The attempt record lives beside the warehouse, not in it (warehouse/load/attempts.py says why), so it is read
here from the file, by the loader's own reader, which keeps only the known fields of well-formed lines. Every other
table of the page is a mart; this module only renames columns and labels codes.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import streamlit as st

from warehouse.load import attempts

OUTCOMES = {
    "loaded": "Loaded",
    "already_loaded": "Already loaded (nothing changed)",
    "refused": "Refused",
    "failed": "Failed",
    "interrupted": "Interrupted (Ctrl-C; nothing changed)",
}
SEVERITIES = {"error": "Error", "warning": "Warning", "info": "Info"}

ATTEMPT_COLUMNS = {
    "when": "When (UTC)",
    "outcome": "Outcome",
    "export_id": "Export",
    "load_id": "Load",
    "rule": "Rule",
    "file": "File",
    "line": "Line",
    "message": "Message",
    "quarantined": "Rows quarantined",
    "seconds": "Seconds",
    "export": "Export folder",
}
# the columns that matter first: who, what, how many, what to do; then which activities and the details
FOLLOW_UP_COLUMNS = {
    "provider_id": "Provider",
    "provider_name": "Provider name",
    "severity": "Severity",
    "problem": "Problem",
    "activities_flagged": "Activities",
    "fix": "What to fix",
    "activities": "Activities concerned",
    "years": "Years",
    "affected_records": "Records",
    "state": "State",
}


def _version(path: Path) -> tuple[int, int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size)


@st.cache_data(show_spinner=False, max_entries=20, ttl=3600)
def _read(db: str, version: tuple | None) -> list[dict]:
    return attempts.read(db)


def load_attempts(db: Path) -> pd.DataFrame:
    """Every recorded load attempt, newest first, with readable columns (empty when none was recorded)."""
    rows = _read(str(db), _version(attempts.log_path(db)))
    frame = pd.DataFrame(rows, columns=list(attempts.FIELDS))
    frame["outcome"] = frame["outcome"].map(OUTCOMES)
    frame["when"] = frame["when"].str.replace("T", " ", regex=False)
    for column in ("load_id", "line", "quarantined"):
        frame[column] = frame[column].astype("Int64")
    return frame.rename(columns=ATTEMPT_COLUMNS)


def is_failure(outcome_label: str) -> bool:
    return outcome_label in (OUTCOMES["refused"], OUTCOMES["failed"])


def follow_up(frame: pd.DataFrame) -> pd.DataFrame:
    """ops.completeness_follow_up as the list sent to providers: errors first, words for every column."""
    out = frame.sort_values(["severity_order", "provider_id", "rule_order"], kind="stable").copy()
    out["severity"] = out["severity"].map(SEVERITIES)
    first, last = out["first_report_year"].astype("Int64"), out["last_report_year"].astype("Int64")
    out["years"] = [f"{a}" if a == b else f"{a}-{b}" for a, b in zip(first, last, strict=True)]
    return out[list(FOLLOW_UP_COLUMNS)].rename(columns=FOLLOW_UP_COLUMNS).reset_index(drop=True)

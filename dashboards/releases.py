"""The catalogue of research releases: reads only the releases directory, never the warehouse.

A release is a directory `<releases>/<name>/` holding manifest.json (written by `pars release`), risk_report.json,
risk_report.pdf, data_dictionary.json/.md and data/<table>.parquet|.csv. The reader is tolerant: a missing or
unreadable optional part is reported as such and never stops the page.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

NOT_REPORTED = "not reported"


@dataclass
class Release:
    name: str
    path: Path
    manifest: dict
    problems: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return str(self.manifest.get("title") or self.manifest.get("release") or self.name)

    @property
    def description(self) -> str:
        return str(self.manifest.get("description") or NOT_REPORTED)

    def row_counts(self) -> dict[str, int]:
        counts = self.manifest.get("row_counts")
        return counts if isinstance(counts, dict) else {}

    def files(self) -> list[dict]:
        """manifest.files that exist inside the release directory (paths escaping it are dropped)."""
        out = []
        for entry in self.manifest.get("files") or []:
            if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
                continue
            target = self.file(entry["path"])
            if target is not None:
                out.append({**entry, "full_path": target})
        return out

    def file(self, relative: str) -> Path | None:
        root = self.path.resolve()
        target = (self.path / relative).resolve()
        if not target.is_relative_to(root) or not target.is_file():
            return None
        return target

    def risk_report(self) -> dict | None:
        return _read_json(self.path / "risk_report.json")

    def dictionary(self) -> list[dict]:
        data = _read_json(self.path / "data_dictionary.json")
        if isinstance(data, dict):  # tolerate {"columns": [...]}
            data = data.get("columns")
        return [row for row in data or [] if isinstance(row, dict)]

    def risk_pdf(self) -> Path | None:
        return self.file("risk_report.pdf")

    def manifest_file(self) -> Path | None:
        return self.file("manifest.json")

    def manifest_sha256(self) -> str | None:
        """SHA-256 of manifest.json's exact bytes: what the researchers' guide says to cite (it fixes every file)."""
        path = self.manifest_file()
        try:
            return hashlib.sha256(path.read_bytes()).hexdigest() if path is not None else None
        except OSError:
            return None

    def citation(self) -> str:
        """The citation the researchers' guide asks for, from the manifest: title, release, profile and version,
        years, data as of, and the manifest's SHA-256."""
        m = self.manifest
        years = [y for y in m.get("years") or [] if isinstance(y, int)]
        span = (f"{min(years)}-{max(years)}" if len(years) > 1 else str(years[0])) if years else NOT_REPORTED
        profile = f"profile {m.get('profile', NOT_REPORTED)}"
        if m.get("profile_version") is not None:
            profile += f" version {m['profile_version']}"
        as_of = m.get("data_as_of") or NOT_REPORTED
        return (
            f"ACCME. {self.title} (release {m.get('release') or self.name}, {profile}, reporting years {span}, "
            f"data as of {as_of}). Accreditation Council for Continuing Medical Education, "
            f"{str(as_of)[:4] if as_of != NOT_REPORTED else NOT_REPORTED}. "
            f"manifest.json SHA-256 {self.manifest_sha256() or NOT_REPORTED}."
        )


#: Plain names of the released tables (the file name stays the table's name); others read from the name itself.
TABLE_LABELS = {
    "activities": "Activities",
    "learners": "Learners",
    "activities_by_type_organization_year": "Activities by type, organization type and year",
    "activities_by_state_year": "Activities by state and year",
    "completions_by_board_year": "Completions by board and year",
}


def table_label(table: str) -> str:
    return TABLE_LABELS.get(table) or str(table).replace("_", " ").capitalize()


def _read_json(path: Path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def catalogue(root: Path) -> list[Release]:
    """Every subdirectory of `root` holding a readable manifest.json, newest data first, then by name."""
    root = Path(root)
    if not root.is_dir():
        return []
    releases = []
    for child in sorted(root.iterdir()):
        manifest_path = child / "manifest.json"
        if not child.is_dir() or not manifest_path.is_file():
            continue
        manifest = _read_json(manifest_path)
        problems = []
        if not isinstance(manifest, dict):
            manifest, problems = {}, ["manifest.json cannot be read"]
        releases.append(Release(child.name, child, manifest, problems))
    releases.sort(key=lambda r: (str(r.manifest.get("data_as_of") or ""), r.name), reverse=True)
    return releases


#: One line per guarantee a release can state, by a pattern of its name: what it means in plain words, and whether
#: its figures are shares (shown as percentages). A name no pattern matches is shown as written.
GUARANTEE_NOTES = [
    (r"^k-anonymity", "Every row shares its released values with at least this many others (k).", False),
    (
        r"prosecutor risk",
        "Chance that someone who knows a person or provider is in the release picks their row: at most 1 in k.",
        True,
    ),
    (r"l-diversity", "Each group of look-alike rows holds at least this many different values (l).", False),
    (
        r"\(share\)",
        "Share of the units blanked out entirely ('*' everywhere) to reach k; at most the required share.",
        True,
    ),
    (r"linked to a provider", "Rows that carry a provider number or pseudonym: none.", False),
    (r"tables release suppresses", "Rows that would reveal a cell the tables release hides: none.", False),
    (r"dollar amounts", "Provider income or expense figures in the release: none.", False),
    (r"names, board IDs", "Identifying fields the release even read from the warehouse: none.", False),
    (
        r"^published cells in",
        "Published counts between 1 and 10 (small counts that could single someone out): none.",
        False,
    ),
    (
        r"LP interval",
        "Hidden cells whose value could be pinned to 1-10 by solving the published totals (a linear-program "
        "audit finds the range each hidden cell can take): none.",
        False,
    ),
    (
        r"p% rule",
        "Published sums dominated by one or two providers (the largest could be estimated to within p%, or fewer "
        "than 3 providers contribute): none.",
        False,
    ),
    (
        r"differential privacy",
        "Total privacy budget (epsilon) spent on the noisy tables; smaller is more private.",
        False,
    ),
]


def _note(name: str) -> tuple[str, bool]:
    for pattern, note, share in GUARANTEE_NOTES:
        if re.search(pattern, name, re.IGNORECASE):
            return note, share
    return "", False


def guarantees(risk: dict | None) -> list[dict]:
    rows = []
    for g in (risk or {}).get("guarantees") or []:
        if isinstance(g, dict):
            name = g.get("name", NOT_REPORTED)
            note, share = _note(str(name))
            shown = _share if share else _show
            rows.append(
                {
                    "guarantee": name,
                    "required": shown(g.get("required")),
                    "achieved": shown(g.get("achieved")),
                    "met": "yes" if g.get("ok") is True else ("no" if g.get("ok") is False else NOT_REPORTED),
                    "what it means": note,
                }
            )
    return rows


#: The risk figures of an anonymized table: (label in plain words, what it means, read from the report, a share?).
RISK_FIGURES = [
    ("Unit protected", "Whom k counts: providers or learners.", lambda t: t.get("unit"), False),
    ("k (smallest group)", "Every released row looks like at least k-1 others.", lambda t: t.get("k"), False),
    (
        "l (different values per group)",
        "Each group of look-alike rows holds at least l different values of the sensitive column.",
        lambda t: ", ".join(f"{a}: {v}" for a, v in t["l"].items()) if isinstance(t.get("l"), dict) else t.get("l"),
        False,
    ),
    ("Units counted", "Providers or learners the risk figures are computed over.", lambda t: t.get("records"), False),
    (
        "Units blanked out",
        "Providers or learners whose every released value is '*' (suppressed to reach k).",
        lambda t: t.get("suppressed_records"),
        False,
    ),
    (
        "Highest re-identification risk (prosecutor)",
        "Someone who knows a given person or provider is in the release, and their values, picks the right row "
        "with at most this chance (1 in the smallest group).",
        lambda t: _get(t, "prosecutor_risk", "max"),
        True,
    ),
    (
        "Average re-identification risk (prosecutor)",
        "The same chance, averaged over every unit.",
        lambda t: _first(_get(t, "prosecutor_risk", "avg"), _get(t, "prosecutor_risk", "average")),
        True,
    ),
    (
        "Highest risk, target not known to be included (journalist)",
        "The same chance for someone who does not know whether the target is in the release.",
        lambda t: _get(t, "journalist_risk", "max"),
        True,
    ),
    (
        "Share re-identified in a mass match (marketer)",
        "Expected share of units matched correctly by someone who tries to match every unit at once.",
        lambda t: (
            _get(t, "marketer_risk", "average") if isinstance(t.get("marketer_risk"), dict) else t.get("marketer_risk")
        ),
        True,
    ),
    (
        "Unique units before anonymization",
        "Share of units alone in their group on the released columns before generalization.",
        lambda t: _first(t.get("sample_uniques_before"), _get(t, "sample_uniques", "before")),
        True,
    ),
    (
        "Unique units after anonymization",
        "The same share in the release (0% when k holds).",
        lambda t: _first(t.get("sample_uniques_after"), _get(t, "sample_uniques", "after")),
        True,
    ),
]


def table_risks(risk: dict | None) -> list[dict]:
    """Key risk figures per anonymized table (k-anonymity profiles), one row per figure with its label in plain
    words and a one-line meaning, shares as percentages; tolerant of missing or renamed keys."""
    rows = []
    tables = (risk or {}).get("tables")
    if not isinstance(tables, dict):
        return rows
    for table, t in tables.items():
        if not isinstance(t, dict):
            continue
        for label, meaning, read, share in RISK_FIGURES:
            value = read(t)
            rows.append(
                {
                    "table": table,
                    "figure": label,
                    "value": _share(value) if share else _show(value),
                    "what it means": meaning,
                }
            )
    return rows


#: Terms of the risk report and the suppression audit, one line each (shown under the risk report).
GLOSSARY = [
    ("k-anonymity", "every released row shares its released values with at least k-1 other rows of other units."),
    ("l-diversity", "each group of look-alike rows holds at least l different values of a sensitive column."),
    ("Prosecutor risk", "chance of finding a known participant's row: 1 divided by the size of its group."),
    ("Journalist risk", "the same for someone who does not know whether the target is in the release."),
    ("Marketer risk", "expected share of rows re-identified when every row is matched at once."),
    ("Information loss", "how much detail generalization removed from a column: 0% = as collected, 100% = all '*'."),
    ("Primary suppression", "cells hidden because they count 1 to 10, or are dominated by one or two providers."),
    ("Secondary suppression", "further cells hidden so that the primary ones cannot be worked out from totals."),
    (
        "LP interval",
        "the range a hidden cell can take given every published number (found by linear programming); it must not "
        "lie inside 1 to 10.",
    ),
    (
        "p% rule (p = 10)",
        "a sum fails when the second-largest contributor could estimate the largest one's share to within 10%.",
    ),
    (
        "Epsilon",
        "the privacy budget of differentially private tables (noise added to counts); smaller is more private.",
    ),
]


def flag_summary(risk: dict | None) -> list[tuple[str, str]]:
    """The utility flags collapsed to one message per level: (level, text) naming each flagged column with its
    suppressed share, grouped by table."""
    out = []
    block = risk.get("utility") if isinstance(risk, dict) else None
    warnings = block.get("warnings") if isinstance(block, dict) else None
    warnings = [w for w in warnings if isinstance(w, dict)] if isinstance(warnings, list) else []
    for level, heading in (
        ("error", "Entirely suppressed (the column carries no information)"),
        ("warning", "Mostly suppressed (more than half of the rows or cells are '*' or empty)"),
    ):
        by_table: dict[str, list[str]] = {}
        for w in warnings:
            if w.get("level") == level:
                share = re.search(r"(\d+(?:\.\d+)?%)", str(w.get("message") or ""))
                column = _show(w.get("column") or str(w.get("message") or "").split(":")[0])
                by_table.setdefault(_show(w.get("table")), []).append(
                    f"{column} ({share.group(1)})" if share else column
                )
        if by_table:
            parts = "; ".join(f"{table}: {', '.join(columns)}" for table, columns in by_table.items())
            out.append((level, f"{heading}: {parts}. See Utility per column on the Risk report tab."))
    return out


FLAGS = {"error": "entirely suppressed", "warning": "mostly suppressed"}


def utility(risk: dict | None) -> list[dict] | None:
    """Per table and released column, the shares published at full detail, generalized and suppressed
    (risk_report.json `utility`, written by anonymize/release/utility.py); None when the release has none."""
    block = risk.get("utility") if isinstance(risk, dict) else None
    if not isinstance(block, dict) or not isinstance(block.get("tables"), dict):
        return None
    rows = []
    for table, t in block["tables"].items():
        columns = t.get("columns") if isinstance(t, dict) else None
        for c in columns if isinstance(columns, list) else []:
            if isinstance(c, dict):
                rows.append(
                    {
                        "table": table,
                        "column": _show(c.get("column")),
                        "unit": "cells" if t.get("unit") == "cell" else "rows",
                        "full detail": _percent(c.get("full")),
                        "generalized": _percent(c.get("generalized")),
                        "suppressed": _percent(c.get("suppressed")),
                        "flag": FLAGS.get(c.get("level"), ""),
                    }
                )
    return rows


def _percent(share) -> str:
    """One decimal, never showing a partial share as 0.0% or 100.0% (the rule of anonymize/release/utility.py)."""
    if not isinstance(share, (int, float)) or isinstance(share, bool):
        return NOT_REPORTED
    if 0 < share < 0.001:
        return "<0.1%"
    if 0.999 < share < 1:
        return ">99.9%"
    return f"{100 * share:.1f}%"


def loss_per_attribute(risk: dict | None) -> list[dict]:
    rows = []
    for table, t in ((risk or {}).get("tables") or {}).items():
        for attribute, loss in ((t or {}).get("loss_per_attribute") or {}).items():
            rows.append({"table": table, "column": attribute, "information loss": _share(loss)})
    return rows


def suppression_systems(risk: dict | None) -> list[dict]:
    """Cell-suppression audits (tables profiles): counts only, never the cells' values."""
    rows = []
    systems = (risk or {}).get("systems")
    if isinstance(systems, dict):
        for name, sys_ in systems.items():
            if not isinstance(sys_, dict):
                continue
            rows.append(
                {
                    "linked tables": name,
                    "tables": ", ".join(sys_.get("tables") or []) or NOT_REPORTED,
                    "cells": _show(sys_.get("cells")),
                    "hidden: small or dominated (primary)": _show(_count(sys_.get("primary_suppressed"))),
                    "hidden to protect them (secondary)": _show(_count(sys_.get("secondary_suppressed"))),
                    "hidden cells that can be worked out": _show(sys_.get("exposed")),
                    "every hidden cell protected": _show(sys_.get("all_protected")),
                }
            )
    audit = (risk or {}).get("audit")
    if isinstance(audit, dict):
        rows.append(
            {
                "linked tables": "audit",
                "tables": NOT_REPORTED,
                "cells": _show(audit.get("cells_audited")),
                "hidden: small or dominated (primary)": _show(audit.get("cells_suppressed")),
                "hidden to protect them (secondary)": NOT_REPORTED,
                "hidden cells that can be worked out": _show(audit.get("exposed")),
                "every hidden cell protected": _show(audit.get("ok")),
            }
        )
    return rows


def _share(value) -> str:
    """A share (0-1) as a percentage; 1/11 as 9.09%, never a partial share as 0% or 100%."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return _show(value)
    if value == 0 or value == 1:
        return f"{100 * value:.0f}%"
    if 0 < value < 0.0001:
        return "<0.01%"
    if 0.9999 < value < 1:
        return ">99.99%"
    return f"{100 * value:.3g}%" if value < 0.1 else f"{100 * value:.1f}%"


def _count(value):
    return len(value) if isinstance(value, (list, dict)) else value


def _first(*values):
    return next((v for v in values if v is not None), None)


def _get(d: dict, *keys):
    for key in keys:
        if not isinstance(d, dict):
            return None
        d = d.get(key)
    return d


def _show(value) -> str:
    if value is None:
        return NOT_REPORTED
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)

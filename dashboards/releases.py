"""The catalogue of research releases: reads only the releases directory, never the warehouse.

A release is a directory `<releases>/<name>/` holding manifest.json (written by `pars release`), risk_report.json,
risk_report.pdf, data_dictionary.json/.md and data/<table>.parquet|.csv. The reader is tolerant: a missing or
unreadable optional part is reported as such and never stops the page.
"""

from __future__ import annotations

import json
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


def guarantees(risk: dict | None) -> list[dict]:
    rows = []
    for g in (risk or {}).get("guarantees") or []:
        if isinstance(g, dict):
            rows.append(
                {
                    "guarantee": g.get("name", NOT_REPORTED),
                    "required": _show(g.get("required")),
                    "achieved": _show(g.get("achieved")),
                    "met": "yes" if g.get("ok") is True else ("no" if g.get("ok") is False else NOT_REPORTED),
                }
            )
    return rows


def table_risks(risk: dict | None) -> list[dict]:
    """Key risk figures per anonymized table (k-anonymity profiles); tolerant of missing or renamed keys."""
    rows = []
    tables = (risk or {}).get("tables")
    if not isinstance(tables, dict):
        return rows
    for table, t in tables.items():
        if not isinstance(t, dict):
            continue
        l_div = t.get("l")
        rows.append(
            {
                "table": table,
                "unit": _show(t.get("unit")),
                "k": _show(t.get("k")),
                "l": ", ".join(f"{a}: {v}" for a, v in l_div.items()) if isinstance(l_div, dict) else _show(l_div),
                "records": _show(t.get("records")),
                "suppressed records": _show(t.get("suppressed_records")),
                "prosecutor risk (max)": _show(_get(t, "prosecutor_risk", "max")),
                "prosecutor risk (avg)": _show(
                    _first(_get(t, "prosecutor_risk", "avg"), _get(t, "prosecutor_risk", "average"))
                ),
                "journalist risk (max)": _show(_get(t, "journalist_risk", "max")),
                "marketer risk": _show(
                    _get(t, "marketer_risk", "average")
                    if isinstance(t.get("marketer_risk"), dict)
                    else t.get("marketer_risk")
                ),
                "sample uniques before": _show(
                    _first(t.get("sample_uniques_before"), _get(t, "sample_uniques", "before"))
                ),
                "sample uniques after": _show(
                    _first(t.get("sample_uniques_after"), _get(t, "sample_uniques", "after"))
                ),
            }
        )
    return rows


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


def utility_flags(risk: dict | None) -> list[tuple[str, str]]:
    """(level, "table: message") of every column flagged mostly (warning) or entirely (error) suppressed."""
    flags = []
    block = risk.get("utility") if isinstance(risk, dict) else None
    warnings = block.get("warnings") if isinstance(block, dict) else None
    for w in warnings if isinstance(warnings, list) else []:
        if isinstance(w, dict) and w.get("level") in FLAGS:
            flags.append((w["level"], f"{_show(w.get('table'))}: {_show(w.get('message'))}"))
    return flags


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
            rows.append({"table": table, "attribute": attribute, "information loss": _show(loss)})
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
                    "system": name,
                    "tables": ", ".join(sys_.get("tables") or []) or NOT_REPORTED,
                    "cells": _show(sys_.get("cells")),
                    "primary suppressed": _show(_count(sys_.get("primary_suppressed"))),
                    "secondary suppressed": _show(_count(sys_.get("secondary_suppressed"))),
                    "exposed": _show(sys_.get("exposed")),
                    "all protected": _show(sys_.get("all_protected")),
                }
            )
    audit = (risk or {}).get("audit")
    if isinstance(audit, dict):
        rows.append(
            {
                "system": "audit",
                "tables": NOT_REPORTED,
                "cells": _show(audit.get("cells_audited")),
                "primary suppressed": _show(audit.get("cells_suppressed")),
                "secondary suppressed": NOT_REPORTED,
                "exposed": _show(audit.get("exposed")),
                "all protected": _show(audit.get("ok")),
            }
        )
    return rows


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

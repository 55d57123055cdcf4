"""Utility of a release, per released column: the share published at full detail, generalized and suppressed.

Generic over profiles: it reads only the released tables and the hierarchies of their columns (the profile policy's
hierarchy files, plus any hierarchy a profile builds from the data and hands over in `Content.hierarchies`), never
a profile's own code, so it measures whatever a profile releases. Counted per row (per cell for count tables), so a
column whose granularity differs from row to row (local recoding) is counted row by row.

- suppressed: the value is `*` (the root of every hierarchy), or, in a count table, the cell is empty;
- generalized: the value is a label above level 0 of the column's hierarchy (a group, a band, a count of groups);
- full: anything else (a leaf of the hierarchy, or a column without a hierarchy, which is published as it is; an
  empty value of a row table is the source's own "no value", not a suppression).

A policy's `intervals`, `dates` and `mask` hierarchies are built from the input column, which is not at hand here:
a profile that uses them hands them over in `Content.hierarchies` (as learners does with its derived ones), else
their generalized values count as full.

A column more than half suppressed gets a warning, an entirely suppressed one an error-level flag; neither stops
the release (its guarantees are met), they tell the operator and the researcher what the data can still show.
"""

from __future__ import annotations

import polars as pl

from anonymize.hierarchy import TOP, Hierarchy, from_file

#: a column with more than this share suppressed gets a warning (all of it suppressed: an error-level flag)
WARN_ABOVE = 0.5
KINDS = ("full", "generalized", "suppressed")


def percent(share: float) -> str:
    """A share as a percentage with one decimal that never shows a partial share as 0.0% or 100.0%."""
    if 0 < share < 0.001:
        return "<0.1%"
    if 0.999 < share < 1:
        return ">99.9%"
    return f"{100 * share:.1f}%"


def _counts(column: pl.Series, hierarchy: Hierarchy | None, unit: str) -> dict[str, int]:
    n = column.len()
    star = int((column == TOP).sum()) if column.dtype == pl.Utf8 else 0
    empty = int(column.null_count())
    suppressed = star + (empty if unit == "cell" else 0)
    generalized = 0
    if hierarchy is not None and column.dtype == pl.Utf8:
        above = pl.Series(
            sorted({label for level in hierarchy.labels[1:] for label in level} - {TOP} - set(hierarchy.labels[0])),
            dtype=pl.Utf8,
        )
        generalized = int(column.is_in(above.implode()).sum())
    return {"full": n - suppressed - generalized, "generalized": generalized, "suppressed": suppressed}


def _flag(name: str, share: float, n: int, unit: str) -> tuple[str, str | None]:
    what = "every cell is empty" if unit == "cell" else "every row is '*'"
    if n and share >= 1:
        return "error", f"{name}: 100% suppressed ({what}: the column carries no information)"
    if share > WARN_ABOVE:
        most = "cells are empty" if unit == "cell" else "rows are '*'"
        return "warning", f"{name}: {percent(share)} suppressed (more than half of the {most})"
    return "ok", None


def table_utility(frame: pl.DataFrame, hierarchies: dict[str, Hierarchy], unit: str) -> dict:
    """{unit, count, columns: [{column, full, generalized, suppressed (shares), counts, level, warning}]}."""
    columns = []
    for name in frame.columns:
        counts = _counts(frame[name], hierarchies.get(name), unit)
        shares = {k: round(v / frame.height, 6) if frame.height else 0.0 for k, v in counts.items()}
        level, warning = _flag(name, counts["suppressed"] / frame.height if frame.height else 0.0, frame.height, unit)
        columns.append({"column": name, **shares, "counts": counts, "level": level, "warning": warning})
    return {"unit": unit, "count": frame.height, "columns": columns}


def policy_hierarchies(profile) -> dict[str, Hierarchy]:
    """The hierarchy files of the profile's policy, by column (built-from-data kinds come from the profile)."""
    found = {}
    for qi in profile.policy.quasi_identifiers if profile.policy is not None else ():
        if qi.kind == "hierarchy":
            found[qi.name] = from_file(qi.name, qi.params["path"])
    return found


def measure(content, profile) -> dict:
    """The release's utility block (risk_report.json `utility`): per table, per column, and every flag."""
    unit = "cell" if profile.policy is None else "row"
    shared = policy_hierarchies(profile)
    given = getattr(content, "hierarchies", None) or {}
    tables = {
        name: table_utility(frame, {**shared, **given.get(name, {})}, unit)
        for name, frame in sorted(content.tables.items())
    }
    warnings = [
        {"table": t, "column": c["column"], "level": c["level"], "message": c["warning"]}
        for t, block in tables.items()
        for c in block["columns"]
        if c["level"] != "ok"
    ]
    return {"warn_above": WARN_ABOVE, "tables": tables, "warnings": warnings}


def describe(column: dict) -> str:
    """One line for the data dictionary: the shares, then the flag if any."""
    text = (
        f"full {percent(column['full'])}, generalized {percent(column['generalized'])}, "
        f"suppressed {percent(column['suppressed'])}"
    )
    if column["level"] == "error":
        return f"{text}: ENTIRELY SUPPRESSED"
    if column["level"] == "warning":
        return f"{text}: MOSTLY SUPPRESSED"
    return text


def summary(block: dict) -> list[str]:
    """What `pars release` prints: per table the columns not fully published (full / generalized / suppressed),
    then every flag."""
    lines = []
    for table, t in block.get("tables", {}).items():
        unit = "cells" if t["unit"] == "cell" else "rows"
        partial = [c for c in t["columns"] if c["counts"]["full"] != t["count"]]
        whole = [c["column"] for c in t["columns"] if c not in partial]
        lines.append(f"utility of {table} ({t['count']:,} {unit}; full / generalized / suppressed):")
        width = max((len(c["column"]) for c in partial), default=0)
        lines += [
            f"  {c['column']:<{width}}  {percent(c['full'])} / {percent(c['generalized'])} / {percent(c['suppressed'])}"
            for c in partial
        ]
        if whole:
            shown = ", ".join(whole[:6]) + (f" and {len(whole) - 6} more" if len(whole) > 6 else "")
            lines.append(f"  at full detail in every {unit[:-1]}: {shown}")
    lines += [f"{w['level'].upper()}: {w['message']}" for w in block.get("warnings", [])]
    return lines

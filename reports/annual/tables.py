"""The Data Report's tables built in Python: Table 1 (the size of the system), the matrices, designed/evaluated change,
MOC and REMS, and what every table shares (numbering, suppressed figures, changes). The tables read from one mart
each are specs: reports/annual/specs.py."""

from __future__ import annotations

from dataclasses import replace

from ..data import Warehouse
from ..moc_rems import BOARD_SUMMARY, board_table, rems_columns, rems_summary
from ..tables import Column, Table, change_row, with_total
from ..wording import source

GROUP_NAMES = {
    "All": "All accredited providers",
    "ACCME": "ACCME-accredited providers",
    "State": "State-accredited providers",
    "Joint": "Jointly accredited providers",
}
MATRIX_MEASURES = [
    ("activities", "Activities", "int"),
    ("hours_of_instruction", "Hours of instruction", "num1"),
    ("physician_interactions", "Physician interactions", "int"),
    ("other_learner_interactions", "Other learner interactions", "int"),
]


SUPPRESSED_NOTE = (
    '"-": suppressed because fewer than 3 providers contribute or one provider dominates, or withheld '
    "so that such a figure cannot be derived from the totals."
)


def suppressed(w: Warehouse, year: int, group: str, source_model: str) -> set[tuple[str, str]]:
    """The (row_key, measure) figures of one mart that the Data Report prints as "-" (the mart decides)."""
    return {
        (r["row_key"], r["measure"])
        for r in w.rows(
            "select row_key, measure from annual_report.suppressed_cells "
            "where report_year = ? and accreditor_group = ? and source_model = ?",
            [year, group, source_model],
        )
    }


def hide(t: Table, cells) -> Table:
    """Blank the figures `cells(row, column_key)` names: None in the row and "-" in print, with the footnote once.

    Called after `with_total`, so the totals are those of the true figures (they equal the marts' totals)."""
    hidden = 0
    for r in [*t.rows, *([t.total] if t.total else [])]:
        keys = {c.key for c in t.columns if c.kind not in ("text", "code") and cells(r, c.key)}
        if keys:
            r.update(dict.fromkeys(keys))
            r["_suppressed"] = keys
            hidden += len(keys)
    if hidden:
        t.note = f"{t.note} {SUPPRESSED_NOTE}".strip()
    if t.change and t.total:  # a change against last year would give a suppressed total back
        for key in t.total.get("_suppressed", ()):
            t.change.pop(key, None)
    return t


class Numbering:
    """Table numbers in reading order ("1", "2" ... or "S-ACCME.1" in the supplement)."""

    def __init__(self, prefix: str = ""):
        self.prefix, self.n = prefix, 0

    def next(self) -> tuple[str, str]:
        self.n += 1
        label = f"{self.prefix}{self.n}"
        return "t-" + label.replace(".", "-").replace(" ", "-"), label


def lookups(w: Warehouse) -> dict:
    return {
        "activity_types": w.rows(
            "select activity_type, activity_type_name from core.dim_activity_types order by sort_order"
        ),
        "organization_types": [
            r["organization_type"]
            for r in w.rows("select organization_type from core.dim_organization_types order by sort_order")
        ],
    }


def _src(mart: str, year: int) -> dict:
    """A table's source line in words and, for the methods appendix, the mart it reads."""
    return {"source": source(mart, year), "lineage": mart}


def changes(w: Warehouse, year: int, group: str) -> dict[str, float | None]:
    """Percent change against the previous year of each measure of annual_report.enterprise_size (the group's
    totals), from annual_report.year_over_year_changes: {measure: percent or None (no previous year, or 0 then)}."""
    return {
        r["measure"]: r["percent_change"]
        for r in w.rows(
            "select measure, percent_change from annual_report.year_over_year_changes where report_year = ? "
            "and accreditor_group = ? and source_model = 'enterprise_size' and breakdown = 'Total'",
            [year, group],
        )
    }


#: Table 1's measures (enterprise_size columns), with their labels and formats
SIZE_MEASURES = [
    ("providers_accredited", "Accredited providers (31 December)", "int"),
    ("providers_reporting", "Providers reporting activities", "int"),
    ("activities", "Activities", "int"),
    ("hours_of_instruction", "Hours of instruction", "num1"),
    ("physician_interactions", "Physician interactions", "int"),
    ("other_learner_interactions", "Other learner interactions", "int"),
    ("total_interactions", "Total interactions", "int"),
    ("activities_with_commercial_support", "Activities with commercial support", "int"),
    ("commercial_support_income", "Commercial support income", "money"),
    ("total_income", "Total income", "money"),
]


def size_table(w: Warehouse, year: int, num: Numbering, groups: list[str]) -> Table:
    """Table 1: the size of the system, measures as rows, accreditor groups (and last year's All) as columns."""
    rows = w.rows("select * from annual_report.enterprise_size where report_year in (?, ?)", [year, year - 1])
    by = {(r["report_year"], r["accreditor_group"]): r for r in rows}
    measures = SIZE_MEASURES
    table_rows = []
    pct = changes(w, year, groups[0])
    if any(by.get((year, g)) for g in groups):
        for key, label, kind in measures:
            row = {"measure": label, "_kind": kind, "_kinds": {"change": "pct"}}
            for g in groups:
                row[g] = by.get((year, g), {}).get(key)
            if len(groups) == 4:
                row["previous"] = by.get((year - 1, "All"), {}).get(key)
            row["change"] = pct.get(key)
            table_rows.append(row)
    tid, label = num.next()
    first = "All providers" if groups[0] == "All" else groups[0]
    cols = [Column("measure", "Measure", "text")]
    cols += [Column(g, "All providers" if g == "All" else g, "int") for g in groups]
    if len(groups) == 4:
        cols.append(Column("previous", f"All providers {year - 1}", "int"))
    cols.append(Column("change", f"{first}: change vs {year - 1}", "pct"))
    t = Table(
        tid,
        f"Table {label}. Size of the CME system, {year}",
        cols,
        table_rows,
        **_src("annual_report.enterprise_size", year),
        note="Income in US dollars. Interactions count a learner each time they take part.",
    )
    t.extra["row_kinds"] = True
    flags = {g: suppressed(w, year, g, "enterprise_size") for g in groups}
    flags["previous"] = suppressed(w, year - 1, "All", "enterprise_size")
    keys = {label: key for key, label, _ in measures}
    first_before = suppressed(w, year - 1, groups[0], "enterprise_size")

    def hidden(r: dict, c: str) -> bool:
        if c == "change":  # the change of a hidden figure, or against a hidden one, would give it back
            figure = ("Total", keys[r["measure"]])
            return figure in flags[groups[0]] or figure in first_before
        return ("Total", keys[r["measure"]]) in flags.get(c, ())

    return hide(t, hidden)


def matrix_tables(w: Warehouse, year: int, group: str, num: Numbering, lk: dict) -> list[Table]:
    """Tables 2-5: activities, hours, physician and other learner interactions by organization × activity type."""
    rows = w.rows(
        "select * from annual_report.activity_matrix where report_year = ? and accreditor_group = ?", [year, group]
    )
    cell = {(r["organization_type"], r["activity_type"]): r for r in rows}
    types = [a["activity_type"] for a in lk["activity_types"]]
    legend = "; ".join(f"{a['activity_type']} {a['activity_type_name']}" for a in lk["activity_types"])
    pct = changes(w, year, group)
    out = []
    for key, label, kind in MATRIX_MEASURES:
        table_rows = []
        if rows:
            for org in lk["organization_types"]:
                r = {"organization_type": org}
                for at in types:
                    r[at] = cell.get((org, at), {}).get(key)
                r["total"] = sum(float(r[at] or 0) for at in types)
                table_rows.append(r)
        tid, n = num.next()
        cols = [Column("organization_type", "Organization type", "text")]
        cols += [Column(at, at, kind) for at in types] + [Column("total", "Total", kind)]
        t = Table(
            tid,
            f"Table {n}. {label} by organization type and activity type, {year} ({GROUP_NAMES[group]})",
            cols,
            table_rows,
            note=f"Activity types: {legend}.",
            **_src("annual_report.activity_matrix", year),
            wide=True,
        )
        flags = suppressed(w, year, group, "activity_matrix")
        t = with_total(t, "organization_type")
        if t.total:
            t.change = change_row("organization_type", year, pct, {"total": key})
        out.append(
            hide(
                t,
                lambda r, c, key=key, flags=flags, total=t.total: (
                    (f"{'All' if r is total else r['organization_type']} | {'All' if c == 'total' else c}", key)
                    in flags
                ),
            )
        )
    return out


def change_table(w: Warehouse, year: int, group: str, num: Numbering) -> Table:
    r = w.one(
        "select * from annual_report.designed_and_evaluated_change where report_year = ? and accreditor_group = ?",
        [year, group],
    )
    rows = []
    if r:
        for key, label in (
            ("competence", "Competence"),
            ("performance", "Performance"),
            ("patient_outcomes", "Patient outcomes"),
        ):
            rows.append(
                {
                    "outcome": label,
                    "designed": r[f"designed_to_change_{key}"],
                    "designed_share": r[f"designed_to_change_{key}_share"],
                    "evaluated": r[f"evaluated_change_{key}"],
                    "evaluated_share": r[f"evaluated_change_{key}_share"],
                }
            )
    tid, n = num.next()
    return Table(
        tid,
        f"Table {n}. Activities designed for and evaluated for change, {year} ({GROUP_NAMES[group]})",
        [
            Column("outcome", "Change in", "text"),
            Column("designed", "Designed for change", "int"),
            Column("designed_share", "Share designed", "share"),
            Column("evaluated", "Evaluated change", "int"),
            Column("evaluated_share", "Share evaluated", "share"),
        ],
        rows,
        note=(f"Shares of the {r['activities']:,} counted activities." if r else ""),
        **_src("annual_report.designed_and_evaluated_change", year),
    )


#: the Data Report's MOC table: the MOC report's board table without the pending completions
MOC_BOARDS = replace(
    BOARD_SUMMARY,
    columns=tuple(c for c in BOARD_SUMMARY.columns if c.key != "completions_pending"),
    note="Completions by year of completion; late = reported more than 30 days after completion. "
    "The learner total adds the boards' learners (a learner of two boards counts twice).",
)


def moc_table(w: Warehouse, year: int, num: Numbering) -> Table:
    tid, n = num.next()
    return board_table(w, year, MOC_BOARDS, tid, f"Table {n}. CME that counts for MOC, by certifying board, {year}")


#: the REMS table's measures and their labels in the Data Report
REMS_MEASURES = [
    ("rems_activities", "REMS activities"),
    ("compliant_activities", "REMS-compliant activities"),
    ("related_activities", "REMS-related activities"),
    ("rpc_funded_activities", "Funded by the RPC"),
    ("rems_providers", "Providers"),
    ("physician_interactions", "Physician interactions"),
    ("other_learner_interactions", "Other learner interactions"),
    ("prescriber_learners", "Learners who prescribe opioid analgesics"),
    ("dea_registered_learners", "DEA-registered learners"),
    ("primary_care_learners", "Primary care learners"),
    ("pain_specialist_learners", "Pain specialist learners"),
    ("other_specialist_learners", "Other specialist learners"),
]


def rems_table(w: Warehouse, year: int, num: Numbering) -> Table:
    tid, n = num.next()
    return Table(
        tid,
        f"Table {n}. Opioid Analgesic REMS activities, {year}",
        rems_columns(year),
        rems_summary(w, year, REMS_MEASURES)[1],
        **_src("rems.summary", year),
    )

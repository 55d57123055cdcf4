"""The annual Data Report: tables, summary sentences and charts from the annual_report marts."""

from __future__ import annotations

from .charts import Chart, bars, trend_panels
from .data import Warehouse
from .tables import Column, Table, with_total
from .wording import plural, source

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


def _lookups(w: Warehouse) -> dict:
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


def change_row(label_key: str, year: int, pct: dict[str, float | None], columns: dict[str, str]) -> dict | None:
    """The row under a table's total: "Change vs <year - 1>" and, per column, the percent change of the measure
    that column's total is (columns: table column -> enterprise_size measure)."""
    row = {k: pct.get(m) for k, m in columns.items() if pct.get(m) is not None}
    return {label_key: f"Change vs {year - 1}", **row} if row else None


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


def income_tables(w: Warehouse, year: int, group: str, num: Numbering, lk: dict) -> list[Table]:
    src = w.rows(
        "select income_source, income, share_of_total_income from annual_report.income_by_source "
        "where report_year = ? and accreditor_group = ? order by source_order",
        [year, group],
    )
    tid, n = num.next()
    t1 = with_total(
        Table(
            tid,
            f"Table {n}. Income by source, {year} ({GROUP_NAMES[group]})",
            [
                Column("income_source", "Source", "text"),
                Column("income", "Income", "money"),
                Column("share_of_total_income", "Share of total income", "share"),
            ],
            src,
            **_src("annual_report.income_by_source", year),
        ),
        "income_source",
    )
    pct = changes(w, year, group)
    if t1.total:
        t1.total["share_of_total_income"] = None
        t1.change = change_row("income_source", year, pct, {"income": "total_income"})
    by_source = suppressed(w, year, group, "income_by_source")
    hide(t1, lambda r, c: ("All" if r is t1.total else r["income_source"], c) in by_source)
    org = w.rows(
        "select i.* from annual_report.income_by_organization_type i join core.dim_organization_types o "
        "using (organization_type) where report_year = ? and accreditor_group = ? order by o.sort_order",
        [year, group],
    )
    tid, n = num.next()
    t2 = with_total(
        Table(
            tid,
            f"Table {n}. Income by organization type, {year} ({GROUP_NAMES[group]})",
            [
                Column("organization_type", "Organization type", "text"),
                Column("providers_reporting", "Providers reporting", "int"),
                Column("commercial_support_income", "Commercial support", "money"),
                Column("advertising_exhibit_income", "Advertising and exhibits", "money"),
                Column("registration_fees", "Registration fees", "money"),
                Column("government_grants", "Government grants", "money"),
                Column("private_donations", "Private donations", "money"),
                Column("other_income", "Other", "money"),
                Column("total_income", "Total income", "money"),
            ],
            org,
            **_src("annual_report.income_by_organization_type", year),
            wide=True,
        ),
        "organization_type",
    )
    if t2.total:
        t2.change = change_row("organization_type", year, pct, {c.key: c.key for c in t2.columns[1:]})
    by_type = suppressed(w, year, group, "income_by_organization_type")
    hide(t2, lambda r, c: ("All" if r is t2.total else r["organization_type"], c) in by_type)
    return [t1, t2]


def commercial_support_table(w: Warehouse, year: int, group: str, num: Numbering) -> Table:
    rows = w.rows(
        "select c.* from annual_report.commercial_support_by_organization_type c "
        "join core.dim_organization_types o using (organization_type) "
        "where report_year = ? and accreditor_group = ? order by o.sort_order",
        [year, group],
    )
    tid, n = num.next()
    flags = suppressed(w, year, group, "commercial_support_by_organization_type")
    return hide(
        Table(
            tid,
            f"Table {n}. Commercial support by organization type, {year} ({GROUP_NAMES[group]})",
            [
                Column("organization_type", "Organization type", "text"),
                Column("activities", "Activities", "int"),
                Column("activities_with_commercial_support", "Activities with support", "int"),
                Column("share_of_activities_with_commercial_support", "Share of activities supported", "share"),
                Column("commercial_support_income", "Commercial support", "money"),
                Column("share_of_commercial_support_income", "Share of support income", "share"),
            ],
            rows,
            **_src("annual_report.commercial_support_by_organization_type", year),
        ),
        lambda r, c: (r["organization_type"], c) in flags,
    )


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


def competencies_table(w: Warehouse, year: int, group: str, num: Numbering) -> Table:
    rows = w.rows(
        "select c.* from annual_report.competencies_addressed c join core.dim_competencies s "
        "using (competency_code) where report_year = ? and accreditor_group = ? order by s.sort_order",
        [year, group],
    )
    tid, n = num.next()
    return Table(
        tid,
        f"Table {n}. Competencies addressed, {year} ({GROUP_NAMES[group]})",
        [
            Column("competency_code", "Code", "text"),
            Column("competency_name", "Competency", "text"),
            Column("competency_framework", "Framework", "text"),
            Column("activities", "Activities", "int"),
            Column("share_of_activities", "Share of activities", "share"),
        ],
        rows,
        note="An activity may address several competencies: shares add up to more than 100%.",
        **_src("annual_report.competencies_addressed", year),
    )


def professions_table(w: Warehouse, year: int, group: str, num: Numbering) -> Table:
    rows = w.rows(
        "select p.* from annual_report.other_learners_by_profession p join core.dim_learner_professions s "
        "using (profession) where report_year = ? and accreditor_group = ? order by s.sort_order",
        [year, group],
    )
    tid, n = num.next()
    t = Table(
        tid,
        f"Table {n}. Other learners by profession, {year} ({GROUP_NAMES[group]})",
        [
            Column("profession", "Profession", "text"),
            Column("activities", "Activities reporting", "int"),
            Column("other_learner_interactions", "Interactions", "int"),
            Column("share_of_other_learner_interactions", "Share", "share"),
        ],
        rows,
        **_src("annual_report.other_learners_by_profession", year),
    )
    flags = suppressed(w, year, group, "other_learners_by_profession")
    return hide(t, lambda r, c: (r["profession"], c) in flags)


def quartiles_table(w: Warehouse, year: int, group: str, num: Numbering) -> Table:
    rows = w.rows(
        "select q.* from annual_report.provider_quartiles_by_organization_type q "
        "join core.dim_organization_types o using (organization_type) "
        "where report_year = ? and accreditor_group = ? order by o.sort_order",
        [year, group],
    )
    tid, n = num.next()
    flags = suppressed(w, year, group, "provider_quartiles_by_organization_type")
    return hide(
        Table(
            tid,
            f"Table {n}. Quartiles per reporting provider by organization type, {year} ({GROUP_NAMES[group]})",
            [
                Column("organization_type", "Organization type", "text"),
                Column("providers_reporting", "Providers reporting", "int"),
                Column("activities_p25", "Activities 25th pct.", "num1"),
                Column("activities_median", "Activities median", "num1"),
                Column("activities_p75", "Activities 75th pct.", "num1"),
                Column("interactions_p25", "Interactions 25th pct.", "num1"),
                Column("interactions_median", "Interactions median", "num1"),
                Column("interactions_p75", "Interactions 75th pct.", "num1"),
            ],
            rows,
            **_src("annual_report.provider_quartiles_by_organization_type", year),
            wide=True,
        ),
        lambda r, c: (r["organization_type"], c) in flags,
    )


def group_tables(w: Warehouse, year: int, group: str, num: Numbering, lk: dict) -> list[Table]:
    """The tables repeated for each accreditor group (main report: All; supplement: ACCME, State, Joint)."""
    return [
        *matrix_tables(w, year, group, num, lk),
        *income_tables(w, year, group, num, lk),
        commercial_support_table(w, year, group, num),
        change_table(w, year, group, num),
        competencies_table(w, year, group, num),
        professions_table(w, year, group, num),
        quartiles_table(w, year, group, num),
    ]


def moc_table(w: Warehouse, year: int, num: Numbering) -> Table:
    rows = w.rows("select * from moc.board_summary where report_year = ? order by board", [year])
    tid, n = num.next()
    t = with_total(
        Table(
            tid,
            f"Table {n}. CME that counts for MOC, by certifying board, {year}",
            [
                Column("board", "Board", "text"),
                Column("registered_activities", "Registered activities", "int"),
                Column("activities_with_completions", "Activities with completions", "int"),
                Column("completions", "Completions", "int"),
                Column("completions_accepted", "Accepted", "int"),
                Column("completions_rejected", "Rejected", "int"),
                Column("late_completions", "Reported late", "int"),
                Column("distinct_learners", "Learners", "int"),
                Column("credits_awarded", "Credits awarded", "num"),
            ],
            rows,
            note="Completions by year of completion; late = reported more than 30 days after completion. "
            "The learner total adds the boards' learners (a learner of two boards counts twice).",
            **_src("moc.board_summary", year),
            wide=True,
        ),
        "board",
    )
    if t.total:
        pct = {
            r["measure"]: r["percent_change"]
            for r in w.rows(
                "select measure, percent_change from moc.board_summary_changes where report_year = ? "
                "and breakdown = 'All boards'",
                [year],
            )
        }
        t.change = change_row("board", year, pct, {c.key: c.key for c in t.columns[1:]})
    return t


def rems_table(w: Warehouse, year: int, num: Numbering) -> Table:
    r = w.one("select * from rems.summary where report_year = ?", [year])
    measures = [
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
    changes = {
        c["measure"]: c
        for c in w.rows(
            "select measure, previous_year_value, percent_change from rems.summary_changes where report_year = ?",
            [year],
        )
    }
    rows = (
        [
            {
                "measure": label,
                "value": r[key],
                "previous": changes.get(key, {}).get("previous_year_value"),
                "change": changes.get(key, {}).get("percent_change"),
            }
            for key, label in measures
        ]
        if r
        else []
    )
    tid, n = num.next()
    return Table(
        tid,
        f"Table {n}. Opioid Analgesic REMS activities, {year}",
        [
            Column("measure", "Measure", "text"),
            Column("value", str(year), "int"),
            Column("previous", str(year - 1), "int"),
            Column("change", f"Change vs {year - 1}", "pct"),
        ],
        rows,
        **_src("rems.summary", year),
    )


def summary_sentences(w: Warehouse, year: int) -> list[str]:
    """The executive summary: sentences whose every figure comes from annual_report.executive_summary."""
    r = w.one(
        "select * from annual_report.executive_summary where report_year = ? and accreditor_group = 'All'", [year]
    )
    if not r or not r["activities"]:
        return []

    def change(pct, what):
        if pct is None:
            return f"no figures for {year - 1} to compare with"
        return f"{pct:+.1f}% vs {year - 1}"

    physicians = r["physician_share_of_interactions"]
    out = [
        f"In {year}, {r['providers_accredited']:,} accredited providers offered {r['activities']:,} activities "
        f"({change(r['activities_percent_change'], str(year))}).",
        f"Those activities counted {r['total_interactions']:,} learner interactions "
        f"({change(r['total_interactions_percent_change'], str(year))}); physicians accounted for "
        f"{100 * physicians:.1f}% of them."
        if physicians is not None
        else f"Those activities counted {r['total_interactions']:,} learner interactions.",
        f"Total income was ${float(r['total_income']):,.0f} ({change(r['total_income_percent_change'], str(year))}).",
        f"{100 * r['share_of_activities_without_commercial_support']:.1f}% of activities received no commercial "
        "support.",
    ]
    if r["largest_organization_type"]:
        out.append(
            f"{r['largest_organization_type']} was the largest organization type, with "
            f"{r['largest_organization_type_activities']:,} activities "
            f"({100 * r['largest_organization_type_share']:.1f}% of the total)."
        )
    return out


#: the headline figures of the executive summary: Table 1's measures but the commercially supported activities
KEY_FIGURES = [m for m in SIZE_MEASURES if m[0] != "activities_with_commercial_support"]


def key_figures(w: Warehouse, year: int) -> list[dict]:
    """The headline figures of the year for all providers, each with its change against the previous year."""
    size = w.one(
        "select * from annual_report.enterprise_size where report_year = ? and accreditor_group = 'All'", [year]
    )
    if not size or not size["activities"]:
        return []
    pct = changes(w, year, "All")
    hidden = {m for row_key, m in suppressed(w, year, "All", "enterprise_size") if row_key == "Total"}
    return [
        {
            "label": label,
            "value": None if key in hidden else size[key],
            "kind": kind,
            "change": None if key in hidden else pct.get(key),
        }
        for key, label, kind in KEY_FIGURES
    ]


def trend_charts(w: Warehouse) -> list[tuple[str, Chart | None]]:
    """Figures over every year of the warehouse: size for All, ACCME, State and Joint, then income by source."""
    rows = w.rows("select * from annual_report.enterprise_size order by report_year")
    years = sorted({r["report_year"] for r in rows})
    # a figure the dominance rule suppresses in a year's tables is not plotted either (it would give it back)
    for r in rows:
        for row_key, measure in suppressed(w, r["report_year"], r["accreditor_group"], "enterprise_size"):
            if row_key == "Total" and measure in r:
                r[measure] = None
    out: list[tuple[str, Chart | None]] = []
    for i, group in enumerate(("All", "ACCME", "State", "Joint"), start=1):
        g = [r for r in rows if r["accreditor_group"] == group]
        title = f"Activities, hours of instruction and interactions, {GROUP_NAMES[group]}"
        if not g:
            out.append((title, None))
            continue
        out.append(
            (
                title,
                trend_panels(
                    f"fig-{i}",
                    title,
                    years,
                    [
                        ("Activities", [("Activities", [r["activities"] for r in g])]),
                        ("Hours of instruction", [("Hours", [r["hours_of_instruction"] for r in g])]),
                        (
                            "Interactions",
                            [
                                ("Physicians", [r["physician_interactions"] for r in g]),
                                ("Other learners", [r["other_learner_interactions"] for r in g]),
                            ],
                        ),
                        ("Accredited providers", [("Providers", [r["providers_accredited"] for r in g])]),
                    ],
                ),
            )
        )
    g = [r for r in rows if r["accreditor_group"] == "All"]
    title = "Income by source, all accredited providers (US dollars)"
    out.append(
        (
            title,
            trend_panels(
                "fig-5",
                title,
                years,
                [
                    ("Total income", [("Total", [r["total_income"] for r in g])]),
                    (
                        "Income by source",
                        [
                            ("Commercial support", [r["commercial_support_income"] for r in g]),
                            ("Registration fees", [r["registration_fees"] for r in g]),
                            ("Advertising and exhibits", [r["advertising_exhibit_income"] for r in g]),
                        ],
                    ),
                ],
                money=True,
            )
            if g
            else None,
        )
    )
    return out


def income_share_chart(w: Warehouse, year: int) -> Chart | None:
    src = w.rows(
        "select income_source, share_of_total_income from annual_report.income_by_source "
        "where report_year = ? and accreditor_group = 'All' order by source_order",
        [year],
    )
    hidden = suppressed(w, year, "All", "income_by_source")
    src = [r for r in src if (r["income_source"], "share_of_total_income") not in hidden]
    if not src or all(r["share_of_total_income"] is None for r in src):
        return None
    return bars(
        "fig-6",
        f"Share of total income by source, {year}",
        [r["income_source"] for r in src],
        [r["share_of_total_income"] for r in src],
        share=True,
    )


def number_figures(charts: list[tuple[str, Chart | None]]) -> list[tuple[str, str, Chart | None]]:
    """(label, title, chart) with the figures numbered in reading order: "Figure 1" is the first one printed."""
    return [(f"Figure {i}", title, ch) for i, (title, ch) in enumerate(charts, start=1)]


def lineage(w: Warehouse, tables: list[Table]) -> dict:
    """The methods appendix's technical lineage, for people: the exports (dates as dates), and which dataset of
    the warehouse each table reads."""
    exports = w.exports()
    for e in exports:
        e["exported_date"] = f"{e['exported_at']:%-d %B %Y}" if e["exported_at"] else "unknown"
        e["loaded_date"] = f"{e['loaded_at']:%-d %B %Y}" if e["loaded_at"] else "unknown"
        e["years_text"] = ", ".join(str(y) for y in sorted(e["reporting_years"] or []))
    newest = max((e["exported_at"] for e in exports if e["exported_at"]), default=None)
    built = w.rows("select max(built_at) as at from meta.build_watermarks") if exports else []
    marts: dict[str, list[str]] = {}
    for t in tables:
        if t.lineage:
            marts.setdefault(t.lineage, []).append(t.title.split(". ")[0])
    return {
        "exports": exports,
        "exports_text": plural(len(exports), "export"),
        "newest_export": f"{newest:%-d %B %Y}" if newest else None,
        "built": f"{built[0]['at']:%-d %B %Y}" if built and built[0]["at"] else None,
        "marts": sorted(marts.items(), key=lambda kv: int(kv[1][0].split()[-1]) if kv[1][0][-1:].isdigit() else 0),
    }


def build_context(w: Warehouse, year: int) -> dict:
    lk = _lookups(w)
    main = Numbering()
    t1 = size_table(w, year, main, ["All", "ACCME", "State", "Joint"])
    main_tables = [t1, *group_tables(w, year, "All", main, lk), moc_table(w, year, main), rems_table(w, year, main)]
    supplement = []
    for group in ("ACCME", "State", "Joint"):
        num = Numbering(f"S-{group}.")
        supplement.append(
            (group, GROUP_NAMES[group], [size_table(w, year, num, [group]), *group_tables(w, year, group, num, lk)])
        )
    for t in main_tables + [t for _, _, ts in supplement for t in ts]:
        t.wide = True  # the chapters of tables are set on landscape pages
    income = income_share_chart(w, year)
    figures = number_figures(([(income.title, income)] if income else []) + trend_charts(w))
    for label, _title, ch in figures:
        if ch:
            ch.label = label
    as_of = w.data_as_of()
    return {
        "year": year,
        "years": w.years(),
        "summary": summary_sentences(w, year),
        "key_figures": key_figures(w, year),
        "tables": main_tables,
        "supplement": supplement,
        "income_chart": income,
        "charts": figures[1:] if income else figures,
        "data_as_of": f"{as_of:%-d %B %Y}" if as_of else None,
        "lineage": lineage(w, main_tables + [t for _, _, ts in supplement for t in ts]),
        "activity_types": lk["activity_types"],
    }


def all_tables(ctx: dict) -> list[Table]:
    return ctx["tables"] + [t for _, _, ts in ctx["supplement"] for t in ts]

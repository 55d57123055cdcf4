"""The Data Report's figures: the trends over every year of the warehouse and the year's income shares."""

from __future__ import annotations

from ..charts import Chart, bars, trend_panels
from ..data import Warehouse
from .tables import GROUP_NAMES, suppressed


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

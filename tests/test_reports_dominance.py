"""The public Data Report prints no per-group figure that one or two providers make up or that one provider
dominates (issue 13, item 4): such a figure is "-" with a footnote, and a "-" cannot be rebuilt from the totals.

Every figure is checked against the identified data (intermediate.int_annual_report__counted_activities and
int_annual_report__provider_years, per provider), independently of anonymize/: fewer than 3 contributing providers
or X - x1 - x2 < 10% of x1 must not be printed. Before: Table 12 printed quartiles of groups of one provider and
Table 7 printed income of organization types with one provider (that provider's own income).
"""

from __future__ import annotations

import shutil
from collections import defaultdict

import duckdb
import pytest

from reports.data import Warehouse
from tests.helpers.reportchecks import pdf_text, section

YEAR = 2022
GROUPS = {"All providers": "All", "ACCME": "ACCME", "State": "State", "Joint": "Joint"}
GROUP_OF_TITLE = {
    "All accredited providers": "All",
    "ACCME-accredited providers": "ACCME",
    "State-accredited providers": "State",
    "Jointly accredited providers": "Joint",
}
INCOME = {
    "Commercial support": "commercial_support_income",
    "Advertising and exhibits": "advertising_exhibit_income",
    "Registration fees": "registration_fees",
    "Government grants": "government_grants",
    "Private donations": "private_donations",
    "Other income": "other_income",
}
INCOME_COLUMNS = [*INCOME.values(), "total_income"]
MATRIX = {
    "Hours of instruction": "hours_of_instruction",
    "Physician interactions": "physician_interactions",
    "Other learner interactions": "other_learner_interactions",
}
FOOTNOTE = "fewer than 3 providers contribute or one provider dominates"


def _fails(contributions: list[float]) -> bool:
    nonzero = sorted((c for c in contributions if c > 0), reverse=True)
    if not nonzero:
        return False
    if len(nonzero) < 3:
        return True
    return sum(nonzero) - nonzero[0] - nonzero[1] < 0.1 * nonzero[0]


@pytest.fixture(scope="module")
def identified(built_warehouse):
    """Per-provider contributions keyed by (family, group, organization type or All, breakdown or All, measure)."""
    con = duckdb.connect(str(built_warehouse), read_only=True)
    try:
        activities = con.sql(
            """select accreditor_type, organization_type, activity_type, provider_id,
                hours_of_instruction::double, physician_interactions::double, other_learner_interactions::double
            from intermediate.int_annual_report__counted_activities where report_year = ?""",
            params=[YEAR],
        ).fetchall()
        years = con.sql(
            f"""select accreditor_type, organization_type, provider_id, is_reporting,
                {", ".join(f"{c}::double" for c in INCOME_COLUMNS)}
            from intermediate.int_annual_report__provider_years where report_year = ?""",
            params=[YEAR],
        ).fetchall()
    finally:
        con.close()
    cells: dict[tuple, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for group, org, kind, provider, *values in activities:
        for g in (group, "All"):
            for o in (org, "All"):
                for k in (kind, "All"):
                    for m, v in zip(MATRIX.values(), values, strict=True):
                        cells[("activities", g, o, k, m)][provider] += v or 0
    reporting: dict[tuple, int] = defaultdict(int)
    for group, org, provider, is_reporting, *values in years:
        for g in (group, "All"):
            reporting[(g, org)] += bool(is_reporting)
            for o in (org, "All"):
                for m, v in zip(INCOME_COLUMNS, values, strict=True):
                    cells[("income", g, o, m)][provider] += v or 0
    return {"cells": {k: list(v.values()) for k, v in cells.items()}, "reporting": reporting}


@pytest.fixture(scope="module")
def tables(built_warehouse):
    from reports.annual import all_tables, build_context  # matplotlib: imported by the tests that draw

    w = Warehouse(built_warehouse)
    try:
        return all_tables(build_context(w, YEAR))
    finally:
        w.con.close()


def _group(title: str) -> str:
    return next(g for name, g in GROUP_OF_TITLE.items() if f"({name})" in title)


def _printed(tables):
    """(table, family key, printed value) of every per-group magnitude figure the report prints."""
    for t in tables:
        rows = [*t.rows, *([t.total] if t.total else [])]
        if t.title.split(". ", 1)[1].startswith("Size of the CME system"):
            for r in t.rows:
                key = {
                    "Hours of instruction": "hours_of_instruction",
                    "Physician interactions": "physician_interactions",
                    "Other learner interactions": "other_learner_interactions",
                    "Commercial support income": "commercial_support_income",
                    "Total income": "total_income",
                }
                for c in t.columns[1:]:
                    if r["measure"] in key and c.key in GROUPS.values() and r.get(c.key) is not None:
                        family = "income" if "income" in key[r["measure"]] else "activities"
                        cell = (
                            (family, c.key, "All", "All", key[r["measure"]])
                            if family == "activities"
                            else (family, c.key, "All", key[r["measure"]])
                        )
                        yield t, cell, r[c.key]
        elif t.lineage == "annual_report.activity_matrix" and any(
            t.title.split(". ", 1)[1].startswith(m) for m in MATRIX
        ):
            measure = next(v for k, v in MATRIX.items() if t.title.split(". ", 1)[1].startswith(k))
            for r in rows:
                org = "All" if r is t.total else r["organization_type"]
                for c in t.columns[1:]:
                    if r.get(c.key) is not None:
                        kind = "All" if c.key == "total" else c.key
                        yield t, ("activities", _group(t.title), org, kind, measure), r[c.key]
        elif t.lineage == "annual_report.income_by_source":
            for r in rows:
                if r.get("income") is not None:
                    column = "total_income" if r is t.total else INCOME[r["income_source"]]
                    yield t, ("income", _group(t.title), "All", column), r["income"]
        elif t.lineage in (
            "annual_report.income_by_organization_type",
            "annual_report.commercial_support_by_organization_type",
        ):
            for r in rows:
                org = "All" if r is t.total else r["organization_type"]
                for c in t.columns:
                    if c.key in INCOME_COLUMNS and r.get(c.key) is not None:
                        yield t, ("income", _group(t.title), org, c.key), r[c.key]


def test_no_printed_per_group_magnitude_is_dominated(tables, identified):
    failures, checked = [], 0
    for t, cell, value in _printed(tables):
        checked += 1
        if _fails(identified["cells"].get(cell, [])):
            failures.append((t.title.split(".")[0], cell, value))
    assert checked > 500
    assert not failures, (
        f"{len(failures)} of {checked} printed figures come from fewer than 3 providers or are "
        f"dominated by one, e.g. {failures[:4]}"
    )


def test_no_quartiles_of_fewer_than_three_providers(tables, identified):
    quartile_tables = [t for t in tables if t.lineage == "annual_report.provider_quartiles_by_organization_type"]
    assert len(quartile_tables) == 4
    printed = []
    for t in quartile_tables:
        for r in t.rows:
            n = identified["reporting"].get((_group(t.title), r["organization_type"]), 0)
            if 0 < n < 3 and any(r.get(c.key) is not None for c in t.columns[2:]):
                printed.append((t.title.split(".")[0], r["organization_type"], n, r["activities_median"]))
    assert not printed, f"quartiles printed for groups of 1 or 2 providers: {printed[:4]}"


def test_a_suppressed_figure_is_not_alone_in_a_row_or_column_with_a_total(tables):
    """The simplest derivation: the only "-" of a row or column whose total is printed (the LP audit in the mart
    covers the rest; this checks the printed tables independently)."""
    alone = []
    for t in tables:
        if not t.total:
            continue
        rows = [r for r in t.rows]
        numeric = [c for c in t.columns if c.kind in ("int", "money", "num1", "num") and c.key != "providers_reporting"]
        for c in numeric:  # columns: the total row adds them up
            hidden = [r for r in rows if c.key in r.get("_suppressed", ())]
            if len(hidden) == 1 and t.total.get(c.key) is not None:
                alone.append((t.title.split(".")[0], "column", c.key))
        total_column = next((c for c in numeric if c.key in ("total", "total_income")), None)
        if total_column:
            for r in [*rows, t.total]:
                parts = [c for c in numeric if c is not total_column and c.key in r.get("_suppressed", ())]
                if len(parts) == 1 and r.get(total_column.key) is not None:
                    alone.append((t.title.split(".")[0], "row", r.get(t.columns[0].key)))
    assert not alone, alone[:5]


def test_pdf_prints_dash_and_the_footnote(built_annual_report, identified):
    small = [(org, n) for (g, org), n in identified["reporting"].items() if g == "All" and 0 < n < 3]
    assert small, "the test warehouse should have an organization type with 1 or 2 reporting providers"
    assert built_annual_report["pdf"].name == f"data-report-{YEAR}.pdf"  # the run's one render of the report
    text = pdf_text(built_annual_report["pdf"])
    block = section(
        text, f"Quartiles per reporting provider by organization type, {YEAR} (All accredited providers)", "Source:"
    )
    for org, _n in small:
        line = next(x for x in block.splitlines() if x.strip().startswith(org))
        assert line.split()[-6:] == ["-"] * 6, line  # the six quartiles
    assert FOOTNOTE in " ".join(block.split())
    income = section(text, f"Income by organization type, {YEAR} (All accredited providers)", "Source:")
    assert " - " in income and FOOTNOTE in " ".join(income.split())


def test_trend_figures_plot_no_suppressed_figure(built_warehouse, tmp_path):
    """The trend figures plot each group's totals over the years: a total the tables suppress (the dominance rule)
    is a gap in its line and "suppressed" in the figure's text, never its value (before, Joint's were plotted at the
    demo's scale). The test warehouse suppresses no plotted total, so the test suppresses two in a copy's mart."""
    from reports.annual import GROUP_NAMES, trend_charts

    db = tmp_path / "w.duckdb"
    shutil.copy(built_warehouse, db)
    planted = [
        (2021, "ACCME", "physician_interactions", "Interactions – Physicians: "),
        (2022, "All", "commercial_support_income", "Income by source – Commercial support: "),
    ]
    con = duckdb.connect(str(db))
    for year, group, measure, _ in planted:
        con.execute(
            "insert into annual_report.suppressed_cells by name select ? as report_year, ? as "
            "accreditor_group, 'enterprise_size' as source_model, 'Total' as row_key, ? as measure, "
            "true as is_primary, 'test' as reason",
            [year, group, measure],
        )
    con.close()

    def drawn(path):
        """Every trend figure of a warehouse, drawn once (each draw plots all of them)."""
        w = Warehouse(path)
        try:
            return trend_charts(w)
        finally:
            w.con.close()

    def figures(charts, year, group, prefix):
        chart = next(
            c
            for title, c in charts
            if c
            and (title.endswith(GROUP_NAMES[group]) if "Income" not in prefix else title.startswith("Income by source"))
        )
        part = next(x for x in chart.alt.split("; ") if x.startswith(prefix))
        return dict(x.split(": ", 1) for x in part[len(prefix) :].rstrip(".").split(", "))[str(year)]

    shown, planted_charts = drawn(built_warehouse), drawn(db)
    for year, group, _, prefix in planted:
        assert figures(shown, year, group, prefix) != "suppressed"  # plotted where nothing is hidden
        assert figures(planted_charts, year, group, prefix) == "suppressed"

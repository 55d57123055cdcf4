"""The annual Data Report rendered from the built test warehouse: numbers in the PDF and workbook equal the marts."""

from __future__ import annotations

import csv
import re
import shutil

import duckdb
import openpyxl
import pytest

from reports import safe_cell
from reports.api import annual_report
from tests.helpers import reportchecks as check
from tests.helpers.shared import REPORT_YEAR

YEAR = 2022


@pytest.fixture(scope="module")
def annual(built_warehouse, built_annual_report):
    """The run's one annual report of the built warehouse (tests/conftest.py), its PDF's text and the warehouse."""
    assert REPORT_YEAR == YEAR
    return {"paths": built_annual_report, "text": check.pdf_text(built_annual_report["pdf"]), "db": built_warehouse}


def hidden(db, source_model: str, group: str = "All", year: int = YEAR) -> set[tuple[str, str]]:
    """The figures the report prints as "-" (annual_report.suppressed_cells: the dominance rule)."""
    return {
        (r["row_key"], r["measure"])
        for r in check.mart(
            db,
            "select row_key, measure from annual_report.suppressed_cells where report_year = ? and "
            "accreditor_group = ? and source_model = ?",
            [year, group, source_model],
        )
    }


def tokens(block: str, label: str) -> list[str]:
    """The figures of a row as printed ("-" for a suppressed one), without the label."""
    line = next(x.strip() for x in block.splitlines() if x.strip().startswith(label))
    return [t for t in line[len(label) :].split() if t == "-" or check.NUMBER.fullmatch(t)]


def test_writes_pdf_workbook_and_csvs(annual):
    paths = annual["paths"]
    assert paths["pdf"].name == f"data-report-{YEAR}.pdf" and paths["pdf"].stat().st_size > 50_000
    assert paths["xlsx"].is_file()
    assert len(list(paths["csv_dir"].glob("*.csv"))) >= 40  # main tables plus the supplement's


def test_pdf_is_tagged_with_embedded_dejavu_fonts(annual):
    info = check.pdf_info(annual["paths"]["pdf"])
    assert info["Tagged"] == "yes"
    assert info["Title"] == f"ACCME Data Report {YEAR}"
    assert int(info["Pages"]) > 20
    fonts = check.pdf_fonts(annual["paths"]["pdf"])
    assert fonts and all("DejaVu" in f[0] for f in fonts)
    # columns: name type encoding emb sub uni object ID ("CID TrueType" is two words)
    assert all(f[-5] == "yes" for f in fonts), fonts


def test_table_1_equals_enterprise_size(annual):
    block = check.section(annual["text"], f"Table 1. Size of the CME system, {YEAR}", "Source:")
    rows = {
        r["accreditor_group"]: r
        for r in check.mart(annual["db"], "select * from annual_report.enterprise_size where report_year = ?", [YEAR])
    }
    prev = check.mart(
        annual["db"],
        "select * from annual_report.enterprise_size where report_year = ? and accreditor_group = 'All'",
        [YEAR - 1],
    )[0]
    for label, key in [
        ("Accredited providers (31 December)", "providers_accredited"),
        ("Activities", "activities"),
        ("Hours of instruction", "hours_of_instruction"),
        ("Physician interactions", "physician_interactions"),
        ("Other learner interactions", "other_learner_interactions"),
        ("Commercial support income", "commercial_support_income"),
        ("Total income", "total_income"),
    ]:
        got = tokens(block, label)[:5]  # the last column is the change against the previous year
        digits = 1 if key == "hours_of_instruction" else 0  # hours to a tenth
        want = [
            "-"
            if ("Total", key) in hidden(annual["db"], "enterprise_size", g)
            else round(check.as_float(rows[g][key]), digits)
            for g in ("All", "ACCME", "State", "Joint")
        ]
        want.append(
            "-"
            if ("Total", key) in hidden(annual["db"], "enterprise_size", year=YEAR - 1)
            else round(check.as_float(prev[key]), digits)
        )
        assert [t if t == "-" else round(float(t.replace("$", "").replace(",", "")), digits) for t in got] == want, (
            label,
            got,
            want,
        )


def test_activity_matrix_rows_equal_the_mart(annual):
    block = check.section(
        annual["text"], f"Table 2. Activities by organization type and activity type, {YEAR}", "Source:"
    )
    types = [
        r["activity_type"]
        for r in check.mart(annual["db"], "select activity_type from main.activity_types order by sort_order")
    ]
    for org in ("School of Medicine", "Hospital/Health Care Delivery System", "Publishing/Education Company"):
        cells = {
            r["activity_type"]: r["activities"]
            for r in check.mart(
                annual["db"],
                "select * from annual_report.activity_matrix where report_year = ? and "
                "accreditor_group = 'All' and organization_type = ?",
                [YEAR, org],
            )
        }
        want = [cells[t] for t in types]
        assert check.row_numbers(block, org) == want + [sum(want)], org
    total = check.mart(
        annual["db"],
        "select activities from annual_report.enterprise_size where report_year = ? and accreditor_group = 'All'",
        [YEAR],
    )[0]["activities"]
    assert check.row_numbers(block, "Total")[-1] == total


def test_income_by_source_and_supplement_equal_the_marts(annual):
    block = check.section(annual["text"], f"Table 6. Income by source, {YEAR}", "Source:")
    flags = hidden(annual["db"], "income_by_source")
    for r in check.mart(
        annual["db"],
        "select * from annual_report.income_by_source where report_year = ? and accreditor_group = 'All'",
        [YEAR],
    ):
        got = tokens(block, r["income_source"])
        if (r["income_source"], "income") in flags:
            assert got[0] == "-"
        else:
            assert float(got[0].replace("$", "").replace(",", "")) == round(check.as_float(r["income"]))
        if (r["income_source"], "share_of_total_income") in flags:
            assert got[1] == "-"
        elif r["share_of_total_income"] is not None:
            assert float(got[1].rstrip("%")) == round(100 * r["share_of_total_income"], 1)
    # the supplement's State table of professions
    block = check.section(
        annual["text"], f"Other learners by profession, {YEAR} (State-accredited providers)", "Source:"
    )
    for r in check.mart(
        annual["db"],
        "select * from annual_report.other_learners_by_profession where report_year = ? "
        "and accreditor_group = 'State' and profession in ('Nurse', 'Pharmacist')",
        [YEAR],
    ):
        interactions = (
            "-"
            if (r["profession"], "other_learner_interactions")
            in hidden(annual["db"], "other_learners_by_profession", "State")
            else f"{r['other_learner_interactions']:,}"
        )
        assert tokens(block, r["profession"])[:2] == [f"{r['activities']:,}", interactions]


def test_executive_summary_sentences_come_from_the_mart(annual):
    r = check.mart(
        annual["db"],
        "select * from annual_report.executive_summary where report_year = ? and accreditor_group = 'All'",
        [YEAR],
    )[0]
    text = " ".join(check.section(annual["text"], "Executive summary", "Table 1.").split())
    assert f"{r['providers_accredited']:,} accredited providers offered {r['activities']:,} activities" in text
    pct = r["activities_percent_change"]
    assert f"activities ({pct:+.1f}% vs {YEAR - 1})" in text
    assert f"{100 * r['share_of_activities_without_commercial_support']:.1f}% of activities received no" in text
    assert f"{r['largest_organization_type']} was the largest organization type" in text


def test_contents_has_page_numbers_and_charts_have_text(annual):
    contents = annual["text"].split("\x0c")[1]
    line = next(x for x in contents.splitlines() if "Table 1. Size of the CME system" in x)
    page = int(line.split()[-1])
    assert f"Table 1. Size of the CME system, {YEAR}" in annual["text"].split("\x0c")[page - 1]
    trends = check.section(annual["text"], "Trends", "Supplement: tables")
    # chart text is real text (svg.fonttype none): panel titles and axis years are extractable
    assert "Hours of instruction" in trends and "2020" in trends and "Figure 4." in trends
    assert "Page 3 of" in annual["text"]


def test_workbook_reads_back_to_the_marts(annual):
    wb = openpyxl.load_workbook(annual["paths"]["xlsx"])
    ws = wb[next(n for n in wb.sheetnames if n.startswith("T1 "))]
    header = [c.value for c in ws[3]]
    assert header[:5] == ["Measure", "All providers", "ACCME", "State", "Joint"]
    rows = {r[0]: r for r in ws.iter_rows(min_row=4, values_only=True) if r[0]}
    es = {
        r["accreditor_group"]: r
        for r in check.mart(annual["db"], "select * from annual_report.enterprise_size where report_year = ?", [YEAR])
    }
    assert rows["Activities"][1:5] == tuple(es[g]["activities"] for g in ("All", "ACCME", "State", "Joint"))
    if ("Total", "total_income") in hidden(annual["db"], "enterprise_size"):
        assert rows["Total income"][1] is None
    else:
        assert rows["Total income"][1] == pytest.approx(float(es["All"]["total_income"]))
    assert isinstance(rows["Hours of instruction"][1], float | int)
    ws = wb[next(n for n in wb.sheetnames if n.startswith("T8 "))]
    got = {r[0]: r for r in ws.iter_rows(min_row=4, values_only=True) if r[0]}
    flags = hidden(annual["db"], "commercial_support_by_organization_type")
    for r in check.mart(
        annual["db"],
        "select * from annual_report.commercial_support_by_organization_type "
        "where report_year = ? and accreditor_group = 'All'",
        [YEAR],
    ):
        row = got[r["organization_type"]]
        assert row[1:3] == (r["activities"], r["activities_with_commercial_support"])
        if (r["organization_type"], "commercial_support_income") in flags:
            assert row[4] is None  # suppressed: an empty cell
        else:
            assert row[4] == pytest.approx(float(r["commercial_support_income"]))
    assert ws["B4"].number_format == "#,##0" and ws["A3"].font.bold


def test_csv_matches_the_workbook(annual):
    path = next(annual["paths"]["csv_dir"].glob("table_6_income_by_source*.csv"))
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["Source", "Income", "Share of total income"]
    want = check.mart(
        annual["db"],
        "select income_source, income from annual_report.income_by_source "
        "where report_year = ? and accreditor_group = 'All' order by source_order",
        [YEAR],
    )
    flags = hidden(annual["db"], "income_by_source")
    assert [(r[0], r[1] and float(r[1])) for r in rows[1:7]] == [
        (w["income_source"], "" if (w["income_source"], "income") in flags else float(w["income"])) for w in want
    ]


def test_safe_cell_guards_formulas():
    assert safe_cell('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    for s in ("+1", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(s) == "'" + s
    assert safe_cell("Course") == "Course" and safe_cell(-5) == -5 and safe_cell(None) is None


def test_year_without_data_renders_no_data_sections(built_warehouse, tmp_path):
    paths = annual_report(built_warehouse, 1999, tmp_path)
    text = check.pdf_text(paths["pdf"])
    assert "No data." in text and "no counted activities for 1999" in " ".join(text.split())
    assert check.pdf_info(paths["pdf"])["Tagged"] == "yes"


def test_emptied_mart_renders_no_data_section(built_warehouse, tmp_path):
    """One emptied mart: its section says "No data." and the rest of the report still renders. Checked on the
    report's HTML, made as `annual_report` makes it (its context read from the warehouse, the real template): the PDF
    is that HTML laid out, and laying out "No data." sections is checked on a PDF by the test above (a whole
    report of them), so this test leaves out a second PDF of 25 pages and its workbook."""
    import html

    from reports.annual import build_context
    from reports.data import Warehouse
    from reports.render import render_html

    db = tmp_path / "w.duckdb"
    shutil.copy(built_warehouse, db)
    con = duckdb.connect(str(db))
    con.execute("delete from annual_report.competencies_addressed")
    con.close()
    with Warehouse(db) as w:
        context = build_context(w, YEAR)
    page = render_html("annual.html", doc_title=f"ACCME Data Report {YEAR}", as_of_text="", **context)
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
    assert f"Competencies addressed, {YEAR} (All accredited providers) No data." in text
    assert "(ACCME PARS data, accredited providers' activity reports, 2022)" in text
    assert "Table 11. Other learners by profession" in text  # the rest still renders


# --- publication (issue 14): the report ACCME would publish -------------------------------------------------------

APPENDIX = "Methods and sources"


def _body(text: str) -> str:
    """The report before its methods appendix (where the technical lineage belongs), without the contents."""
    text = check.without_contents(text)
    return text[: text.find(APPENDIX)] if APPENDIX in text else text


def test_every_page_is_us_letter(annual):
    sizes = check.page_sizes(annual["paths"]["pdf"])
    assert len(sizes) == int(check.pdf_info(annual["paths"]["pdf"])["Pages"])
    assert all(check.is_letter(s) for s in sizes), sorted(set(sizes))


def test_figures_and_tables_are_numbered_in_reading_order(annual):
    body = check.without_contents(annual["text"])
    figures = [int(n) for n in re.findall(r"^\s*Figure (\d+)\.", body, re.M)]
    assert len(figures) >= 6 and figures == list(range(1, len(figures) + 1)), figures
    tables = [int(n) for n in re.findall(r"^\s*Table (\d+)\.", body, re.M)]
    assert len(tables) >= 14 and tables == list(range(1, len(tables) + 1)), tables


def test_no_internal_names_outside_the_methods_appendix(annual):
    text = annual["text"]
    assert check.internal_names(_body(text)) == []
    assert "Source: ACCME PARS data" in _body(text)
    # the appendix tells the lineage in words: dates as dates, "1 export" (not "1 export(s)")
    text = check.without_contents(text)
    appendix = " ".join(text[text.index(APPENDIX) :].split())
    assert not re.search(r"\(s\)|\d{2}:\d{2}:\d{2}\.\d", appendix), appendix
    exports = check.mart(annual["db"], "select exported_at from staging.stg_pars__load_history")
    assert f"{len(exports)} export{'' if len(exports) == 1 else 's'}" in appendix
    assert f"{max(e['exported_at'] for e in exports):%-d %B %Y}" in appendix


def test_no_nearly_empty_pages(annual):
    pdf = annual["paths"]["pdf"]
    assert check.nearly_empty_pages(pdf) == []
    assert [p["right"] for p in check.page_layout(pdf) if p["right"] > 0.97] == []  # nothing runs into the right margin


def test_counts_print_as_integers_and_hours_to_a_tenth(annual):
    block = check.section(annual["text"], f"Table 1. Size of the CME system, {YEAR}", "Source:")
    for label in ("Activities", "Physician interactions", "Accredited providers"):
        line = next(x for x in block.splitlines() if x.strip().startswith(label))
        assert not re.search(r"\d\.\d", re.sub(r"[-+]\d+\.\d%", "", line)), line  # (the change column aside)
    hours = next(x for x in block.splitlines() if x.strip().startswith("Hours of instruction"))
    assert re.search(r"\d,?\d*\.\d\b", hours) and not re.search(r"\.\d\d\b", hours), hours


def test_table_headers_do_not_run_together(annual, built_warehouse):
    from reports.annual import all_tables, build_context
    from reports.data import Warehouse

    with Warehouse(built_warehouse) as w:
        tables = all_tables(build_context(w, YEAR))
    assert check.run_together_headers(annual["text"], tables) == []
    assert check.crowded_headers(annual["paths"]["pdf"], tables) == []


def test_change_against_the_previous_year_beside_headline_figures_and_totals(annual):
    db, text = annual["db"], annual["text"]
    change = {
        r["measure"]: r["percent_change"]
        for r in check.mart(
            db,
            "select measure, percent_change from annual_report.year_over_year_changes where report_year = ? "
            "and accreditor_group = 'All' and source_model = 'enterprise_size' and breakdown = 'Total'",
            [YEAR],
        )
    }
    size = check.mart(
        db, "select * from annual_report.enterprise_size where report_year = ? and accreditor_group = 'All'", [YEAR]
    )[0]
    summary = " ".join(check.section(check.without_contents(text), "Executive summary", "Table 1.").split())
    vs = f"vs {YEAR - 1})"
    for key in ("providers_accredited", "activities", "total_interactions"):
        assert f"{size[key]:,} ({change[key]:+.1f}% {vs}" in summary, key
    assert f"${float(size['total_income']):,.0f} ({change['total_income']:+.1f}% {vs}" in summary
    block = check.section(text, f"Table 1. Size of the CME system, {YEAR}", "Source:")
    assert check.row_numbers(block, "Activities")[-1] == round(change["activities"], 1)
    block = check.section(text, f"Table 2. Activities by organization type and activity type, {YEAR}", "Source:")
    assert check.row_numbers(block, f"Change vs {YEAR - 1}")[-1] == round(change["activities"], 1)
    block = check.section(text, f"Income by source, {YEAR} (All accredited providers)", "Source:")
    assert check.row_numbers(block, f"Change vs {YEAR - 1}")[0] == round(change["total_income"], 1)

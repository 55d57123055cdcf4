"""Review packets (one and --all), the MOC and REMS reports, rendered from the built test warehouse."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import openpyxl
import pytest
from click.testing import CliRunner

from reports.api import all_review_packets, moc_report, rems_report
from reports.review import PDF_LIST_LIMIT
from tests.helpers import reportchecks as check
from warehouse.cli import main

YEAR = 2022


@pytest.fixture(scope="module")
def packets(built_warehouse, tmp_path_factory):
    out = tmp_path_factory.mktemp("review")
    seen = []
    paths = all_review_packets(built_warehouse, out, workers=2, progress=lambda d, t: seen.append((d, t)))
    return {"paths": paths, "out": out, "seen": seen, "db": built_warehouse}


def test_all_packets_render_with_progress(packets):
    ids = [r["provider_id"] for r in check.mart(packets["db"], "select provider_id from review.current_term")]
    assert sorted(p.name for p in packets["paths"]) == sorted(f"review-{i}.pdf" for i in ids)
    assert packets["seen"][0] == (0, len(ids)) and packets["seen"][-1] == (len(ids), len(ids))


def test_packet_numbers_equal_the_review_marts(packets):
    db = packets["db"]
    pid = check.mart(db, "select provider_id from review.term_activities group by 1 order by count(*) desc limit 1")[0][
        "provider_id"
    ]
    pdf = packets["out"] / f"review-{pid}.pdf"
    assert check.pdf_info(pdf)["Tagged"] == "yes" and all(f[-5] == "yes" for f in check.pdf_fonts(pdf))
    text = check.pdf_text(pdf)
    term = check.mart(db, "select * from review.current_term where provider_id = ?", [pid])[0]
    assert term["provider_name"] in text and term["organization_type"] in text
    rules = check.section(text, "Data completeness by rule", "Source:", contents_links=True)
    for r in check.mart(db, "select * from review.data_completeness_by_provider where provider_id = ?", [pid]):
        assert check.row_numbers(rules, r["rule_description"][:40])[-2:] == [
            r["activities_flagged"],
            r["affected_records"],
        ]
    history = check.section(text, "Accreditation history and findings", "Source:", contents_links=True)
    for h in check.mart(db, "select * from review.accreditation_history where provider_id = ?", [pid]):
        assert str(h["decision_date"]) in history
    for s in check.mart(db, "select activity_id from review.pip_sample where provider_id = ?", [pid]):
        assert s["activity_id"] in check.section(text, "Performance-in-practice sample", "Source:", contents_links=True)
    n = check.mart(db, "select count(*) as n from review.term_activities where provider_id = ?", [pid])[0]["n"]
    acts = check.section(text, "Activities of the current term", contents_links=True)
    if n > PDF_LIST_LIMIT:
        assert f"The first {PDF_LIST_LIMIT} of {n:,} rows" in " ".join(acts.split())
        csv_file = next((packets["out"] / f"review-{pid}-csv").glob("activities_of_the_current_term*.csv"))
        assert len(csv_file.read_text().splitlines()) == n + 1


def test_packet_without_data_shows_no_data(packets):
    db = packets["db"]
    rows = check.mart(
        db,
        "select provider_id from review.current_term where provider_id not in "
        "(select provider_id from rems.activity_list) limit 1",
    )
    text = " ".join(check.pdf_text(packets["out"] / f"review-{rows[0]['provider_id']}.pdf").split())
    assert "REMS participation: activities with a REMS record No data." in text


def test_review_cli_needs_provider_or_all(built_warehouse, tmp_path):
    r = CliRunner().invoke(main, ["report", "review", "--db", str(built_warehouse), "--out", str(tmp_path)])
    assert r.exit_code == 2 and "either --provider ID or --all" in r.output
    r = CliRunner().invoke(
        main, ["report", "review", "--provider", "NOPE", "--db", str(built_warehouse), "--out", str(tmp_path)]
    )
    assert r.exit_code == 1 and "'NOPE' is not in the warehouse" in r.output
    assert not list(tmp_path.iterdir())


def test_missing_warehouse_is_a_clear_error(tmp_path):
    r = CliRunner().invoke(
        main, ["report", "annual", "--year", "2022", "--db", str(tmp_path / "x.duckdb"), "--out", str(tmp_path / "o")]
    )
    assert r.exit_code == 1 and "no such warehouse file" in r.output and not (tmp_path / "o").exists()


def test_moc_report_equals_board_summary(yearly, built_warehouse):
    r, out = yearly["moc_cli"], yearly["out"]  # `pars report moc` (the shared render below)
    assert r.exit_code == 0, r.output
    text = check.pdf_text(out / f"moc-report-{YEAR}.pdf")
    block = check.section(text, f"Table 1. Registrations and completions by board, {YEAR}", "Source:")
    for b in check.mart(built_warehouse, "select * from moc.board_summary where report_year = ?", [YEAR]):
        got = check.row_numbers(block, b["board"] + " ")
        assert got[:8] == [
            b["registered_activities"],
            b["activities_with_completions"],
            b["completions"],
            b["completions_accepted"],
            b["completions_rejected"],
            b["completions_pending"],
            b["late_completions"],
            b["distinct_learners"],
        ], b["board"]
    follow = check.mart(built_warehouse, "select * from moc.provider_follow_up where report_year = ?", [YEAR])
    wb = openpyxl.load_workbook(out / f"moc-report-{YEAR}.xlsx")
    ws = wb[next(n for n in wb.sheetnames if n.startswith("T2 "))]
    got = sorted((r[0], r[1], r[3]) for r in ws.iter_rows(min_row=4, values_only=True) if r[1])
    assert got == sorted((f["board"], f["provider_id"], f["completions"]) for f in follow)


def test_rems_report_equals_the_rems_marts(yearly, built_warehouse, tmp_path):
    paths = {"pdf": yearly["pdfs"]["rems"]}  # rems_report (the shared render below)
    text = yearly["text"]["rems"]
    s = check.mart(built_warehouse, "select * from rems.summary where report_year = ?", [YEAR])[0]
    block = check.section(text, f"Table 1. REMS summary, {YEAR}", "Source:")
    # the columns: the year, the year before, the change (tested in test_moc_and_rems_totals_show_change...)
    assert check.row_numbers(block, "REMS activities (counted)")[0] == s["rems_activities"]
    assert check.row_numbers(block, "Learners registered with the DEA")[0] == s["dea_registered_learners"]
    for a in check.mart(built_warehouse, "select activity_id from rems.activity_list where report_year = ?", [YEAR]):
        assert a["activity_id"] in text
    assert check.pdf_info(paths["pdf"])["Tagged"] == "yes"
    moc_paths = moc_report(built_warehouse, 1999, tmp_path / "empty")
    assert "No data." in check.pdf_text(moc_paths["pdf"])


def test_all_packets_fail_with_a_message_when_a_worker_cannot_start(built_warehouse, tmp_path):
    """A worker whose start fails (here: no browser) ends `pars report review --all` with one line, exit 1.
    multiprocessing.Pool started replacement workers forever instead: the command never returned."""
    env = {**os.environ, "PARS_CHROMIUM": str(tmp_path / "no-such-chromium")}
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "warehouse",
            "report",
            "review",
            "--all",
            "--workers",
            "2",
            "--db",
            str(built_warehouse),
            "--out",
            str(tmp_path / "out"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert r.returncode == 1, r.stderr[-2000:]
    errors = [line for line in r.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "worker" in errors[0] and "no-such-chromium" in errors[0], r.stderr[-2000:]
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").glob("review-*"))


# --- publication (issue 14): Letter paper, words not machinery, headers that fit, no near-empty pages ----------------


@pytest.fixture(scope="module")
def yearly(built_warehouse, tmp_path_factory):
    """The MOC and REMS reports of YEAR, rendered once for this file, and the Table objects they were made from:
    the MOC report by `pars report moc` (click's CliRunner; `moc_cli` is its result), the REMS report by
    `rems_report`. Every test of the two reports reads these files (each test rendered its own before)."""
    from reports.data import Warehouse
    from reports.moc_rems import moc_context, rems_context

    out = tmp_path_factory.mktemp("yearly")
    moc_cli = CliRunner().invoke(
        main, ["report", "moc", "--year", str(YEAR), "--db", str(built_warehouse), "--out", str(out)]
    )
    pdfs = {"moc": out / f"moc-report-{YEAR}.pdf", "rems": rems_report(built_warehouse, YEAR, out)["pdf"]}
    with Warehouse(built_warehouse) as w:
        tables = {"moc": moc_context(w, YEAR)["tables"], "rems": rems_context(w, YEAR)["tables"]}
    text = {k: check.pdf_text(p) for k, p in pdfs.items() if p.is_file()}
    return {"pdfs": pdfs, "tables": tables, "text": text, "out": out, "moc_cli": moc_cli}


def _biggest_packet(packets):
    pid = check.mart(
        packets["db"], "select provider_id from review.term_activities group by 1 order by count(*) desc, 1 limit 1"
    )[0]["provider_id"]
    return pid, packets["out"] / f"review-{pid}.pdf"


def test_moc_rems_and_packets_are_us_letter(yearly, packets):
    pdfs = [*yearly["pdfs"].values(), _biggest_packet(packets)[1]]
    for pdf in pdfs:
        sizes = check.page_sizes(pdf)
        assert sizes and all(check.is_letter(s) for s in sizes), (pdf.name, sorted(set(sizes)))


def test_moc_rems_and_packets_name_no_internals(yearly, packets):
    for kind, text in yearly["text"].items():
        body = check.without_contents(text)
        body = body[: body.rfind("About the data")] if "About the data" in body else body
        assert check.internal_names(body) == [], kind
        assert "Source: ACCME PARS data" in body, kind
    text = check.pdf_text(_biggest_packet(packets)[1])
    assert check.internal_names(text) == []


def test_moc_rems_and_packet_headers_do_not_run_together(yearly, packets):
    from reports.data import Warehouse
    from reports.review import packet_context

    for kind in ("moc", "rems"):
        assert check.run_together_headers(yearly["text"][kind], yearly["tables"][kind]) == [], kind
        assert check.crowded_headers(yearly["pdfs"][kind], yearly["tables"][kind]) == [], kind
        assert [p["right"] for p in check.page_layout(yearly["pdfs"][kind]) if p["right"] > 0.97] == [], kind
    pid, pdf = _biggest_packet(packets)
    with Warehouse(packets["db"]) as w:
        tables = packet_context(w, pid)["tables"]
    assert check.run_together_headers(check.pdf_text(pdf), tables) == []
    assert check.crowded_headers(pdf, tables) == []


def test_moc_rems_and_packets_have_no_nearly_empty_pages(yearly, packets):
    for pdf in [*yearly["pdfs"].values(), _biggest_packet(packets)[1]]:
        assert check.nearly_empty_pages(pdf) == [], pdf.name


def test_counts_print_as_integers_hours_to_a_tenth(yearly, packets):
    pid, pdf = _biggest_packet(packets)
    org = check.mart(packets["db"], "select organization_type from review.current_term where provider_id = ?", [pid])[0]
    peers = check.section(
        check.pdf_text(pdf), f"Peer comparison ({org['organization_type']})", "Source:", contents_links=True
    )
    for r in check.mart(
        packets["db"], "select * from review.peer_comparison where provider_id = ? and measure = 'activities'", [pid]
    ):
        line = next(x for x in peers.splitlines() if re.match(rf"\s*{r['report_year']}\s+activities\b", x, re.I))
        assert f" {round(r['provider_value']):,} " in line and f"{r['provider_value']:.1f}" not in line, line
    # REMS hours of instruction to a tenth ("1.5", not "1.50")
    acts = check.section(yearly["text"]["rems"], f"REMS activity list, {YEAR}", "Source:")
    hours = {
        a["activity_id"]: a["hours_of_instruction"]
        for a in check.mart(
            packets["db"],
            "select activity_id, hours_of_instruction from rems.activity_list where report_year = ?",
            [YEAR],
        )
    }
    for aid, h in hours.items():
        line = next(x for x in acts.splitlines() if aid in x)
        assert f" {float(h):,.1f} " in line and not re.search(r"\d\.\d\d\b", line), line


def test_moc_and_rems_totals_show_change_against_the_previous_year(yearly, built_warehouse):
    moc = check.mart(
        built_warehouse,
        "select report_year, sum(completions) as completions from moc.board_summary "
        "where report_year in (?, ?) group by 1",
        [YEAR, YEAR - 1],
    )
    by_year = {r["report_year"]: r["completions"] for r in moc}
    want = round(100 * (by_year[YEAR] - by_year[YEAR - 1]) / by_year[YEAR - 1], 1)
    block = check.section(yearly["text"]["moc"], f"Registrations and completions by board, {YEAR}", "Source:")
    assert check.row_numbers(block, f"Change vs {YEAR - 1}")[2] == want
    rems = {
        r["report_year"]: r
        for r in check.mart(built_warehouse, "select * from rems.summary where report_year in (?, ?)", [YEAR, YEAR - 1])
    }
    block = check.section(yearly["text"]["rems"], f"REMS summary, {YEAR}", "Source:")
    now, before = rems[YEAR]["rems_activities"], rems[YEAR - 1]["rems_activities"]
    got = check.row_numbers(block, "REMS activities (counted)")
    assert got[:2] == [now, before] and got[-1] == round(100 * (now - before) / before, 1), got


def test_short_values_do_not_squeeze_headers_together(tmp_path, built_warehouse):
    """A REMS list whose values are all short (type "IEM", hours "1.0") gave its headers too little room:
    "TypeStart", "HoursPhysicians" and "Other spec." in the margin (seen on the demo's REMS page 2)."""
    import datetime as dt

    from reports.data import Warehouse
    from reports.moc_rems import rems_context
    from reports.render import render_html, write_pdf

    with Warehouse(built_warehouse) as w:
        ctx = rems_context(w, YEAR)
    table = ctx["tables"][1]
    table.rows = [
        {
            "activity_id": f"20230000{i:04d}",
            "provider_id": "2259639",
            "title": "Case Challenges in Sleep",
            "activity_type": t,
            "start_date": dt.date(2023, 1, 2),
            "end_date": dt.date(2023, 5, 27),
            "activity_status": "Closed",
            "rems_designation": "Related",
            "rpc_grant_id": None,
            "hours_of_instruction": 1.0,
            "physician_interactions": 59,
            "other_learner_interactions": 4,
            "prescriber_learners": 56,
            "dea_registered_learners": 50,
            "primary_care_learners": 22,
            "pain_specialist_learners": 9,
            "other_specialist_learners": 25,
        }
        for i, t in enumerate(["IEM", "C", "IEM"])
    ]
    ctx["tables"] = [table]
    pdf = write_pdf(render_html("rems.html", doc_title="t", as_of_text="", **ctx), tmp_path / "r.pdf")
    assert check.run_together_headers(check.pdf_text(pdf), [table]) == []
    assert check.crowded_headers(pdf, [table]) == []
    assert [p["right"] for p in check.page_layout(pdf) if p["right"] > 0.97] == []


def test_the_moc_pdf_shows_the_first_rows_of_a_long_list_and_the_files_keep_every_row(
    built_warehouse, tmp_path, monkeypatch
):
    """At national scale the timeliness table has about 19,000 provider-board rows (188,000 at 10x): printed whole,
    the MOC PDF ran to hundreds of pages and WeasyPrint's layout went over the memory cap (2,262 MiB at a decade).
    The PDF shows the first rows and says where the full table is; the workbook and the CSV keep every row."""
    from reports import moc_rems

    monkeypatch.setattr(moc_rems, "PDF_LIST_LIMIT", 3)
    rows = check.mart(
        built_warehouse,
        "select provider_id from moc.provider_reporting_timeliness where report_year = ? order by provider_id, board",
        [YEAR],
    )
    assert len(rows) > 3
    shown = {r["provider_id"] for r in rows[:3]}
    elsewhere = {
        r["provider_id"]
        for r in check.mart(
            built_warehouse, "select provider_id from moc.provider_follow_up where report_year = ?", [YEAR]
        )
    }
    hidden = [r["provider_id"] for r in rows[3:] if r["provider_id"] not in shown | elsewhere]
    assert hidden
    paths = moc_report(built_warehouse, YEAR, tmp_path)
    text = check.pdf_text(paths["pdf"])
    assert f"The first 3 of {len(rows):,} rows" in text
    assert f"moc-report-{YEAR}.xlsx" in text
    assert hidden[-1] not in text
    csv_rows = (next((tmp_path / f"moc-report-{YEAR}-csv").glob("table_3_*.csv"))).read_text().splitlines()
    assert len(csv_rows) == len(rows) + 1  # the header and every row


def test_the_follow_up_table_puts_the_most_urgent_providers_first_whatever_the_board(built_warehouse):
    """Ordered by board first, the PDF's first rows of a national follow-up list were all one board's (ABIM)."""
    from reports.data import Warehouse
    from reports.moc_rems import moc_context

    with Warehouse(built_warehouse) as w:
        rows = moc_context(w, YEAR)["tables"][1].rows
    need = [r["late_rate"] + r["rejection_rate"] for r in rows]
    assert len({r["board"] for r in rows}) > 1
    assert need == sorted(need, reverse=True)


def test_packet_says_what_its_days_count_from_and_speaks_in_words(packets):
    """The packet of a provider without a term prints; every packet says the days left count from the data's date
    (and when the term has ended by the day it was made), puts errors first among the rules, explains the PIP
    sample's reasons and names the peers' percentiles in words."""
    import datetime as dt

    db = packets["db"]
    no_term = check.mart(db, "select provider_id from review.current_term where term_start_date is null")
    assert no_term, "the built warehouse holds a provider without a current term"
    text = " ".join(check.pdf_text(packets["out"] / f"review-{no_term[0]['provider_id']}.pdf").split())
    assert "Days until term end no current term" in text and "– –" not in text
    pid, pdf = _biggest_packet(packets)
    term = check.mart(db, "select * from review.current_term where provider_id = ?", [pid])[0]
    raw = check.pdf_text(pdf)
    text = " ".join(raw.split())
    days = f"{term['days_until_term_end']:,} (from {term['data_as_of_date']:%-d %B %Y})"
    assert f"Days left as of the data {days}" in text
    if term["term_end_date"] < dt.date.today():
        assert f"The term ended on {term['term_end_date']}" in text
    first_year = min(r["report_year"] for r in check.mart(db, "select report_year from annual_report.enterprise_size"))
    if term["term_start_date"].year < first_year:
        assert f"The data cover reporting years {first_year} to" in text
    rules = check.section(raw, "Data completeness by rule", "Source:", contents_links=True)
    severities = re.findall(r"\b(error|warning|info)\s+[\d,]+\s+[\d,]+\s*$", rules, re.M)
    assert severities and severities == sorted(severities, key=["error", "warning", "info"].index), rules
    assert "coverage: picked because it adds" in text
    peers = " ".join(
        check.section(raw, f"Peer comparison ({term['organization_type']})", "Source:", contents_links=True).split()
    )
    assert "peers'" in peers and not re.search(r"\b(below|above) p\d\d\b", peers), peers
    # the activity types are codes in the tables: each table with a type column names the codes it shows
    names = dict(
        (r["activity_type"], r["activity_type_name"])
        for r in check.mart(db, "select activity_type, activity_type_name from core.dim_activity_types")
    )
    shown = check.mart(
        db, "select distinct activity_type from review.term_profile where provider_id = ? order by 1", [pid]
    )
    profile = " ".join(
        check.section(raw, "Current term profile by year and activity type", "Source:", contents_links=True).split()
    )
    for r in shown:
        assert f"{r['activity_type']} {names[r['activity_type']]}" in profile, profile

"""Downloads that open cleanly in Excel: lists as comma-separated text in natural order, number formats read back
from every workbook the dashboards write, sheet names that keep the year, one table of labels and formats."""

from __future__ import annotations

import csv
import io
import zipfile

import duckdb
import openpyxl
import pandas as pd

from dashboards import exports
from reports import labels


def frame(db, sql: str) -> pd.DataFrame:
    """A mart's rows as the dashboards get them (DuckDB -> pandas: list columns arrive as numpy arrays)."""
    with duckdb.connect(str(db), read_only=True) as con:
        return con.sql(sql).df()


def csv_rows(payload: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(payload.decode("utf-8"), newline="")))


def test_list_cells_are_comma_separated_text_in_natural_order(built_warehouse):
    history = frame(
        built_warehouse,
        "select * from review.accreditation_history "
        "order by len(compliant_criteria) desc, provider_id, decision_sequence limit 3",
    )
    codes = list(history["compliant_criteria"].iloc[0])
    assert len(codes) >= 10  # C1..C10 and more: the natural order matters
    rows = csv_rows(exports.to_csv(history))
    cell = rows[0]["compliant_criteria"]
    expected = sorted(codes, key=lambda c: (c.rstrip("0123456789"), int(c[len(c.rstrip("0123456789")) :] or 0)))
    assert cell == ", ".join(expected), cell
    assert "\n" not in cell and "[" not in cell and "'" not in cell
    assert cell.index("C2,") < cell.index("C10")
    # the Excel file holds the same text
    book = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx(history, "history")))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    assert sheet.cell(row=2, column=header.index("Compliant criteria") + 1).value == cell


def test_load_history_years_are_written_as_a_list_of_years(built_warehouse):
    loads = frame(built_warehouse, "select load_id, reporting_years from staging.stg_pars__load_history")
    years = sorted(int(y) for y in loads["reporting_years"].iloc[0])
    rows = csv_rows(exports.to_csv(loads))
    assert rows[0]["reporting_years"] == ", ".join(str(y) for y in years)  # "2020, 2021, 2022"


def test_excel_downloads_carry_labels_and_number_formats(built_warehouse):
    rollup = frame(
        built_warehouse,
        "select * from annual_report.activity_rollup where accreditor_group = 'All' "
        "and state = 'All' and activity_type = 'All' order by report_year, "
        "organization_type",
    )
    book = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx(rollup, "annual-report-trend")))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    assert header[:2] == ["Reporting year", "Accreditor"] and "report_year" not in header
    formats = {h: sheet.cell(row=2, column=j).number_format for j, h in enumerate(header, start=1)}
    assert formats["Commercial support income"] == '"$"#,##0'
    assert formats["Activities"] == "#,##0" and formats["Providers reporting"] == "#,##0"
    assert formats["Hours of instruction"] == "#,##0.0"
    assert formats["Reporting year"] == "0"  # 2022, never 2,022
    money = sheet.cell(row=2, column=header.index("Commercial support income") + 1).value
    assert isinstance(money, float)  # a number Excel can add up, shown as dollars
    # every numeric cell has a number format (none left at General)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, (int, float)):
                assert cell.number_format != "General", (header[cell.column - 1], cell.value)


def test_excel_sheet_names_keep_the_year():
    tiny = pd.DataFrame({"organization_type": ["Hospital"], "total_income": [1230520.08]})
    for name, year in [
        ("income-by-organization-type-2022", "2022"),
        ("annual-report-2021-by-organization_type", "2021"),
        ("moc-provider-timeliness-2020", "2020"),
    ]:
        book = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx(tiny, name)))
        title = book.sheetnames[0]
        assert year in title and len(title) <= 31, title
        assert book.active.cell(row=2, column=2).number_format == '"$"#,##0'


def test_labels_and_formats_table():
    from reports import formats

    assert labels.label("report_year") == "Reporting year"
    assert labels.label("providers_reporting") == "Providers reporting"
    assert labels.label("some_new_column") == "Some new column"
    assert formats.format_value(1230520.08, formats.kind("total_income")) == "$1,230,520"
    assert formats.format_value(0, "dollars") == "$0"
    assert formats.format_value(732.0, "integer") == "732"
    assert formats.format_value(0.1234, formats.kind("late_rate")) == "12.3%"
    assert formats.list_text(["C10", "C2", "SII1", "C1"]) == "C1, C2, C10, SII1"
    renamed = labels.labelled(pd.DataFrame({"activities": [1], "report_year": [2022]}), ["report_year"])
    assert list(renamed.columns) == ["Reporting year", "Activities"]


def test_no_mart_the_dashboards_read_has_two_columns_with_one_label(built_warehouse):
    from dashboards.data import TABLES

    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        for table in TABLES:
            columns = con.sql(f"select * from {table} limit 0").columns
            shown = [labels.label(c) for c in columns]
            assert len(set(shown)) == len(shown), (table, sorted(c for c in shown if shown.count(c) > 1))


def test_packet_zip_holds_the_pdf_and_its_csvs(tmp_path):
    from dashboards.reporting import zip_folder

    (tmp_path / "review-P1.pdf").write_bytes(b"%PDF-1.7 test")
    (tmp_path / "review-P1-csv").mkdir()
    (tmp_path / "review-P1-csv" / "term_activities.csv").write_text("a,b\r\n1,2\r\n")
    payload = zip_folder({"pdf": tmp_path / "review-P1.pdf", "csv_dir": tmp_path / "review-P1-csv"})
    with zipfile.ZipFile(io.BytesIO(payload)) as z:
        assert sorted(z.namelist()) == ["review-P1-csv/term_activities.csv", "review-P1.pdf"]
        assert z.read("review-P1.pdf") == b"%PDF-1.7 test"


def test_report_workbooks_keep_the_year_in_sheet_names_and_format_every_number(tmp_path):
    from reports.excel import write_workbook
    from reports.tables import Column, Table

    columns = [
        Column("organization_type", "Organization type", "text"),
        Column("activities", "Activities", "int"),
        Column("total_income", "Total income", "money"),
        Column("share", "Share", "share"),
        Column("hours", "Hours", "num1"),
    ]
    rows = [
        {"organization_type": "Hospital", "activities": 732, "total_income": 1230520.08, "share": 0.25, "hours": 12.5}
    ]
    titles = [
        "Table 2. Activities by organization type and activity type, 2022 (All accredited providers)",
        "Table 3. Hours of instruction by organization type and activity type, 2022 (All accredited providers)",
        "Table S-ACCME.2. Activities by organization type and activity type, 2022 (ACCME-accredited providers)",
        "Table S-ACCME.2. Activities by organization type and activity type, 2022 (ACCME-accredited providers)",
    ]
    tables = [Table(f"t{i}", title, columns, rows) for i, title in enumerate(titles)]
    book = openpyxl.load_workbook(write_workbook(tables, tmp_path / "report.xlsx"))
    names = book.sheetnames
    assert len(set(names)) == len(names) == 4, names
    for name in names:
        assert "2022" in name and len(name) <= 31, name
    sheet = book.worksheets[0]
    formats = {sheet.cell(row=3, column=j).value: sheet.cell(row=4, column=j).number_format for j in range(2, 6)}
    assert formats == {"Activities": "#,##0", "Total income": '"$"#,##0', "Share": "0.0%", "Hours": "#,##0.0"}

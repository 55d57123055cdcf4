"""Staff: what providers reported to the certifying boards (moc.board_summary, moc.provider_reporting_timeliness).

The page opens on the latest reporting year the warehouse holds (a year of the annual report: complete), and lists
only those years: completions dated in other years (early registrations, the export's partial next year) are not
offered as a year of their own.
"""

import streamlit as st

from dashboards import auth, charts, data, downloads, ui, url_filters

auth.require("moc")
ui.warehouse_guard()

st.title("CME that counts for MOC")

summary = data.select("moc.board_summary", order_by=["report_year", "board"])
years = sorted(
    set(summary["report_year"]) & set(data.distinct("annual_report.enterprise_size", "report_year")), reverse=True
)
if summary.empty or not years:
    st.info("No MOC registrations or completions in the reporting years the warehouse holds.")
    st.stop()
with st.container(key="filters", horizontal=True):
    year = url_filters.url_select("Year of completion", years, key="f-year", param="year")
    boards = url_filters.url_multiselect(
        "Boards", sorted(summary["board"].unique()), key="f-boards", param="board", placeholder="every board"
    )
url_filters.notices()

selected = {"report_year": year, **({"board": boards} if boards else {})}
rows = data.select("moc.board_summary", selected, order_by=["board"])
with st.container(key="selection"):
    st.caption(ui.plain(f"Selection: {year} · boards {', '.join(boards) if boards else 'all'}"))
if rows.empty:
    st.info(ui.plain(f"No MOC completion in {year} for {', '.join(boards) if boards else 'any board'}."))
    st.stop()
# counts add up over boards; distinct learners do not (a learner may report to two boards): shown for one board
totals = rows[["completions", "completions_accepted", "credits_awarded", "late_completions"]].sum()
figures = [
    ("Completions", "completions", ui.number),
    ("Accepted", "completions_accepted", ui.number),
    ("Credits awarded", "credits_awarded", ui.number),
    ("Late completions", "late_completions", ui.number),
]
if len(rows) == 1:
    totals["distinct_learners"] = rows["distinct_learners"].iloc[0]
    figures.insert(2, ("Distinct learners", "distinct_learners", ui.number))
ui.metric_row(totals, figures)
if len(rows) > 1:
    st.caption(
        "Distinct learners are counted board by board (a learner may report to several boards): choose one "
        "board to see them."
    )

STATUS = {"completions_accepted": "Accepted", "completions_rejected": "Rejected", "completions_pending": "Pending"}
# full-width charts, one under the other: side by side, eight boards' labels and legends did not fit at 1024 px
st.subheader(ui.plain(f"Completions by board, {year}"))
long = rows[["board", *STATUS]].melt(id_vars=["board"], var_name="status", value_name="completions")
long["status"] = long["status"].map(STATUS)
charts.bar_chart(
    long,
    x="board",
    y="completions",
    color="status",
    x_title="Board",
    y_title="Completions",
    color_order=list(STATUS.values()),
    palette=charts.STATUS_PALETTE,  # not the boards' colours of the chart below
    horizontal=True,
    key="c-moc-status",
)
st.subheader("Completions by year")
trend = data.select(
    "moc.board_summary", {"report_year": years, **({"board": boards} if boards else {})}, order_by=["report_year"]
)
charts.line_chart(
    ui.by_year(trend),
    x="report_year",
    y="completions",
    color="board",
    x_title="Year of completion",
    y_title="Completions",
    key="c-moc-trend",
)

st.subheader("Board summary")
st.caption(
    "Registered activities: the activities of this reporting year registered for the board. Activities with "
    "completions: those with a completion dated in this year, whatever their reporting year (learners complete "
    "activities of earlier years too), so it can exceed the registered count."
)
ui.table(
    rows,
    first=[
        "board",
        "completions",
        "completions_accepted",
        "completions_rejected",
        "completions_pending",
        "late_completions",
    ],
    hide=["report_year"],
)
downloads.table_downloads(
    rows, f"moc-board-summary-{year}", what=f"MOC board summary {year}", key="dl-summary", details=selected
)

st.subheader("Provider reporting timeliness")
st.caption(
    "Providers' completions of the year by board, the highest share reported late first (late: reported more than 30 "
    "days after the completion)."
)
timeliness = data.select(
    "moc.provider_reporting_timeliness",
    selected,
    order_by=["late_rate desc", "completions desc", "provider_id", "board"],
)
ui.table(
    timeliness,
    first=[
        "provider_name",
        "board",
        "late_rate",
        "late_completions",
        "completions",
        "median_days_to_report",
        "rejection_rate",
    ],
    hide=["report_year"],
)
downloads.table_downloads(
    timeliness,
    f"moc-provider-timeliness-{year}",
    what=f"MOC provider timeliness {year}",
    key="dl-timeliness",
    details=selected,
)

st.subheader("The MOC report")
downloads.report_downloads("moc", year, "MOC report", key="dl-report")

"""Staff: what providers reported to the certifying boards (moc.board_summary, moc.provider_reporting_timeliness)."""

import streamlit as st

from dashboards import auth, data, ui

auth.require("moc")
ui.warehouse_guard()

st.title("CME that counts for MOC")

summary = data.select("moc.board_summary", order_by=["report_year", "board"])
if summary.empty:
    st.info("No MOC registrations or completions in the warehouse.")
    st.stop()
years = sorted(summary["report_year"].unique().tolist(), reverse=True)
with st.container(key="filters", horizontal=True):
    year = st.selectbox("Year of completion", years, key="f-year")
    boards = st.multiselect("Boards", sorted(summary["board"].unique()), key="f-boards",
                            placeholder="every board")

selected = {"report_year": year, **({"board": boards} if boards else {})}
rows = data.select("moc.board_summary", selected, order_by=["board"])
with st.container(key="selection"):
    st.caption(ui.plain(f"Selection: {year} · boards {', '.join(boards) if boards else 'all'}"))
if len(rows) == 1:
    r = rows.iloc[0]
    cols = st.columns(5)
    cols[0].metric("Completions", ui.number(r["completions"]))
    cols[1].metric("Accepted", ui.number(r["completions_accepted"]))
    cols[2].metric("Distinct learners", ui.number(r["distinct_learners"]))
    cols[3].metric("Credits awarded", ui.number(r["credits_awarded"], 1))
    cols[4].metric("Late completions", ui.number(r["late_completions"]))

left, right = st.columns(2)
with left:
    st.subheader(ui.plain(f"Completions by board, {year}"))
    if len(rows):
        st.bar_chart(rows, x="board", y=["completions_accepted", "completions_rejected", "completions_pending"],
                     x_label="Board", y_label="Completions", height=300)
with right:
    st.subheader("Completions by year")
    trend = data.select("moc.board_summary", {"board": boards} if boards else {}, order_by=["report_year"])
    st.line_chart(ui.by_year(trend), x="report_year", y="completions", color="board", x_label="Year of completion",
                  y_label="Completions", height=300)

st.subheader("Board summary")
st.dataframe(rows, hide_index=True)
ui.table_downloads(rows, f"moc-board-summary-{year}", what=f"MOC board summary {year}", key="dl-summary",
                   details=selected)

st.subheader("Provider reporting timeliness")
st.caption("Providers' completions of the year by board, latest-reporting first (late = more than 30 days).")
timeliness = data.select("moc.provider_reporting_timeliness", selected,
                         order_by=["late_rate desc", "completions desc", "provider_id", "board"])
st.dataframe(timeliness, hide_index=True,
             column_config={"late_rate": st.column_config.ProgressColumn("late rate", min_value=0, max_value=1,
                                                                         format="percent"),
                            "rejection_rate": st.column_config.NumberColumn("rejection rate", format="percent")})
ui.table_downloads(timeliness, f"moc-provider-timeliness-{year}", what=f"MOC provider timeliness {year}",
                   key="dl-timeliness", details=selected)

st.subheader("The MOC report")
ui.report_downloads("moc", year, "MOC report", key="dl-report")

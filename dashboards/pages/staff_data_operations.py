"""Staff: load history, quarantined rows by file and rule, and the data-completeness overview."""

import streamlit as st

from dashboards import auth, data, ui

auth.require("data_operations")
ui.warehouse_guard()

st.title("Data operations")

loads = data.select("staging.stg_pars__load_history",
                    columns=["load_id", "export_id", "export_kind", "exported_at", "reporting_years", "loaded_at",
                             "load_seconds", "source_path"], order_by=["load_id desc"])
quarantine = data.select("ops.quarantine_summary", order_by=["load_id desc", "file_name", "rule_name"])
overview = data.select("ops.data_completeness_overview", order_by=["rule_order"])

summary = data.select("ops.operations_summary").iloc[0]
cols = st.columns(4)
cols[0].metric("Loads", ui.number(summary["loads"]))
cols[1].metric("Latest export", str(summary["latest_exported_at"])[:10] if summary["loads"] else "–",
               help=ui.plain(f"export {summary['latest_export_id']}, loaded {summary['latest_loaded_at']}"))
cols[2].metric("Quarantined rows", ui.number(summary["quarantined_rows"]))
cols[3].metric("Providers with problems", ui.number(summary["providers_with_problems"]),
               help=f"of {summary['providers_checked']:,} providers checked; {summary['rules_with_problems']} "
                    "completeness rules flag at least one activity")

tabs = st.tabs(["Load history", "Quarantine", "Data completeness"], key="tab", bind="query-params")
with tabs[0]:
    st.dataframe(loads, hide_index=True)
    ui.table_downloads(loads, "load-history", what="load history", key="dl-loads")

with tabs[1]:
    if quarantine.empty:
        st.success("No row has been quarantined.")
    else:
        st.bar_chart(quarantine, x="file_name", y="quarantined_rows", color="rule_name", horizontal=True,
                     x_label="File", y_label="Quarantined rows", height=300)
        st.dataframe(quarantine, hide_index=True)
        ui.table_downloads(quarantine, "quarantine-by-file-and-rule", what="quarantine by file and rule",
                           key="dl-quarantine")
        st.subheader("Quarantined rows")
        with st.container(horizontal=True):
            load = ui.url_select("Load", quarantine["load_id"].unique().tolist(), key="f-load", param="load")
            files = quarantine[quarantine["load_id"] == load]["file_name"].unique().tolist()
            file_name = ui.url_select("File", files, key="f-file", param="file")
            rules = quarantine[(quarantine["load_id"] == load) & (quarantine["file_name"] == file_name)]
            rule = ui.url_select("Rule", rules["rule_name"].unique().tolist(), key="f-rule", param="rule")
        selected = {"load_id": load, "file_name": file_name, "rule_name": rule}
        rows = data.select("staging.stg_pars__quarantine", selected, order_by=["line_number"], limit=1000)
        st.caption(f"{len(rows):,} rows (at most 1,000 shown)")
        st.dataframe(rows, hide_index=True)
        ui.table_downloads(rows, f"quarantine-{load}-{file_name.removesuffix('.csv')}-{rule}",
                           what="quarantined rows", key="dl-quarantine-rows", details=selected)

with tabs[2]:
    st.bar_chart(overview, x="rule_code", y="providers_flagged", horizontal=True, sort=False,
                 x_label="Rule", y_label="Providers flagged", height=320)
    st.dataframe(overview, hide_index=True,
                 column_config={"share_of_providers_flagged": st.column_config.ProgressColumn(
                     "share of providers flagged", min_value=0, max_value=1, format="percent")})
    ui.table_downloads(overview, "data-completeness-overview", what="data completeness overview",
                       key="dl-completeness")

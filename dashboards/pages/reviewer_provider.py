"""Reviewer: find a provider and see its history, term profile, completeness, PIP sample and peers (review.*)."""

import pandas as pd
import streamlit as st

from dashboards import auth, data, reporting, ui

auth.require("provider_review")
ui.warehouse_guard()

st.title("Provider review")

text = st.text_input("Find a provider by name or number", key="f-provider-search",
                     placeholder="e.g. 'Academy' or a provider number")
if not text.strip():
    upcoming = data.select("review.current_term", {"is_currently_accredited": True},
                           columns=["provider_id", "provider_name", "organization_type", "accreditor_type", "state",
                                    "current_accreditation_status", "term_end_date", "days_until_term_end"],
                           order_by=["term_end_date", "provider_id"], limit=25)
    st.caption("Terms ending soonest (type a name or number above to find any provider):")
    st.dataframe(upcoming, hide_index=True)
    st.stop()

matches = data.find_providers(text)
if matches.empty:
    st.warning(f"No provider's number is {ui.plain(repr(text.strip()))} and no provider's name contains it.")
    st.stop()
labels = {r.provider_id: f"{r.provider_name} ({r.provider_id}, {r.state or 'no state'})"
          for r in matches.itertuples()}
provider_id = st.selectbox(f"{len(matches)} matching provider(s)", list(labels), format_func=labels.get,
                           key="f-provider")

term = data.select("review.current_term", {"provider_id": provider_id}).iloc[0]
with st.container(key="selection"):
    st.subheader(ui.plain(f"{term['provider_name']} · {provider_id}"))
    st.caption(ui.plain(f"{term['organization_type']} · {term['accreditor_type']} · {term['state'] or 'no state'} · "
                        f"data as of {term['data_as_of_date']}"))
    has_term = term["term_start_date"] is not None and not pd.isna(term["term_start_date"])
    st.markdown(f"**Status:** {ui.plain(term['current_accreditation_status'] or 'no decision')} · **Current term:** "
                + ui.plain(f"{term['term_start_date']} to {term['term_end_date']}" if has_term else "none"))
cols = st.columns(4)
cols[0].metric("Days until term end", ui.number(term["days_until_term_end"]))
cols[1].metric("Decisions", ui.number(term["decisions"]))
cols[2].metric("Noncompliance findings", ui.number(term["term_decision_noncompliance_findings"]),
               help="Of the decision that opened the current term.")
cols[3].metric("Probation ever", "yes" if term["has_been_on_probation"] else "no")

where = {"provider_id": provider_id}
tabs = st.tabs(["History", "Term profile", "Completeness", "PIP sample", "Peer comparison"])
with tabs[0]:
    history = data.select("review.accreditation_history", where, order_by=["decision_sequence"])
    st.dataframe(history, hide_index=True)
    ui.table_downloads(history, f"history-{provider_id}", what=f"accreditation history {provider_id}",
                       key="dl-history", details=where)
with tabs[1]:
    profile = data.select("review.term_profile", where, order_by=["report_year", "activity_type"])
    if profile.empty:
        st.info("No activity in the current term.")
    else:
        st.bar_chart(ui.by_year(profile), x="report_year", y="activities", color="activity_type",
                     x_label="Reporting year", y_label="Counted activities", height=260)
    st.dataframe(profile, hide_index=True)
    ui.table_downloads(profile, f"term-profile-{provider_id}", what=f"term profile {provider_id}",
                       key="dl-profile", details=where)
with tabs[2]:
    by_rule = data.select("review.data_completeness_by_provider", where, order_by=["rule_order"])
    st.dataframe(by_rule[["rule_code", "rule_description", "activities_flagged", "affected_records"]],
                 hide_index=True)
    problems = data.select("review.data_completeness", where, order_by=["rule_code", "report_year", "activity_id"])
    st.caption(f"{len(problems):,} flagged activities")
    st.dataframe(problems, hide_index=True)
    ui.table_downloads(problems, f"completeness-{provider_id}", what=f"completeness problems {provider_id}",
                       key="dl-problems", details=where)
with tabs[3]:
    sample = data.select("review.pip_sample", where, order_by=["sample_position"])
    if sample.empty:
        st.info("No performance-in-practice sample: no current term or no closed activity in it.")
    st.dataframe(sample, hide_index=True)
    ui.table_downloads(sample, f"pip-sample-{provider_id}", what=f"PIP sample {provider_id}", key="dl-pip",
                       details=where)
with tabs[4]:
    peers = data.select("review.peer_comparison", where, order_by=["report_year", "measure"])
    st.dataframe(peers, hide_index=True)
    ui.table_downloads(peers, f"peer-comparison-{provider_id}", what=f"peer comparison {provider_id}",
                       key="dl-peers", details=where)

st.subheader("Review packet")
if reporting.available():
    ui.download("Review packet (PDF)", lambda: reporting.review_packet(provider_id),
                f"review-packet-{provider_id}.pdf", ui.PDF, what=f"review packet {provider_id}", key="dl-packet",
                details=where)
else:
    st.caption("The review packet needs the reports package (reports.api), which this installation lacks.")

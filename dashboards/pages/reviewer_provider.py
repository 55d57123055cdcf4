"""Reviewer: find a provider and see its history, term profile, completeness, PIP sample and peers (review.*).

The URL carries the search and the provider: /provider-review?provider=P0001 opens that provider (a link to share,
a reload that keeps it), and ?search=Academy the list of providers whose name holds it.
"""

import pandas as pd
import streamlit as st

from dashboards import auth, charts, data, downloads, reporting, ui, url_filters

auth.require("provider_review")
ui.warehouse_guard()

st.title("Provider review")

if "search" not in st.query_params and st.query_params.get("provider") and "f-provider-search" not in st.session_state:
    st.session_state["f-provider-search"] = st.query_params["provider"][:100]  # a link to one provider
text = url_filters.url_text(
    "Find a provider by name or number",
    key="f-provider-search",
    param="search",
    placeholder="e.g. 'Academy' or a provider number",
)
if not text.strip():
    if "provider" in st.query_params:
        del st.query_params["provider"]
    upcoming = data.select(
        "review.current_term",
        {"is_currently_accredited": True},
        columns=[
            "provider_id",
            "provider_name",
            "organization_type",
            "accreditor_type",
            "state",
            "current_accreditation_status",
            "term_end_date",
            "days_until_term_end",
        ],
        order_by=["term_end_date", "provider_id"],
        limit=25,
    )
    st.caption("Terms ending soonest (type a name or number above to find any provider):")
    ui.table(upcoming, first=["term_end_date", "days_until_term_end", "provider_name", "provider_id"])
    st.stop()

matches = data.find_providers(text)
if matches.empty:
    st.warning(f"No provider's number is {ui.plain(repr(text.strip()))} and no provider's name contains it.")
    st.stop()
labels = {r.provider_id: f"{r.provider_name} ({r.provider_id}, {r.state or 'no state'})" for r in matches.itertuples()}
provider_id = url_filters.url_select(
    f"{len(matches)} matching provider(s)", list(labels), format_func=labels.get, key="f-provider", param="provider"
)
if text.strip() == provider_id and "search" in st.query_params:
    del st.query_params["search"]  # the search was the number itself: ?provider=... says it all

term = data.select("review.current_term", {"provider_id": provider_id}).iloc[0]
with st.container(key="selection"):
    st.subheader(ui.plain(f"{term['provider_name']} · {provider_id}"))
    st.caption(
        ui.plain(
            f"{term['organization_type']} · {term['accreditor_type']} · {term['state'] or 'no state'} · "
            f"data as of {term['data_as_of_date']}"
        )
    )
    has_term = term["term_start_date"] is not None and not pd.isna(term["term_start_date"])
    st.markdown(
        f"**Status:** {ui.plain(term['current_accreditation_status'] or 'no decision')} · **Current term:** "
        + ui.plain(f"{term['term_start_date']} to {term['term_end_date']}" if has_term else "none")
    )
cols = st.columns(4)
cols[0].metric("Days until term end", ui.number(term["days_until_term_end"]))
cols[1].metric("Decisions", ui.number(term["decisions"]))
cols[2].metric(
    "Noncompliance findings",
    ui.number(term["term_decision_noncompliance_findings"]),
    help="Of the decision that opened the current term.",
)
cols[3].metric("Probation ever", "yes" if term["has_been_on_probation"] else "no")

where = {"provider_id": provider_id}
tabs = st.tabs(
    ["History", "Term profile", "Completeness", "PIP sample", "Peer comparison"], key="tab", bind="query-params"
)  # the open tab is in the URL too (?tab=PIP+sample)
with tabs[0]:
    history = data.select("review.accreditation_history", where, order_by=["decision_sequence"])
    ui.table(
        history,
        first=[
            "decision_date",
            "decision_type",
            "accreditation_status",
            "term_start_date",
            "term_end_date",
            "noncompliance_findings",
            "noncompliant_criteria",
        ],
        hide=["provider_id"],
    )
    downloads.table_downloads(
        history, f"history-{provider_id}", what=f"accreditation history {provider_id}", key="dl-history", details=where
    )
with tabs[1]:
    profile = data.select("review.term_profile", where, order_by=["report_year", "activity_type"])
    if profile.empty:
        st.info("No activity in the current term.")
    else:
        charts.bar_chart(
            ui.by_year(profile),
            x="report_year",
            y="activities",
            color="activity_type",
            x_title="Reporting year",
            y_title="Counted activities",
            key="c-term-profile",
        )
        ui.table(profile, first=["report_year", "activity_type", "activities"], hide=["provider_id"])
    downloads.table_downloads(
        profile, f"term-profile-{provider_id}", what=f"term profile {provider_id}", key="dl-profile", details=where
    )
with tabs[2]:
    by_rule = data.select("review.data_completeness_by_provider", where, order_by=["rule_order"])
    if by_rule.empty:
        st.success("No completeness rule flags an activity of this provider.")
    else:
        ui.table(by_rule[["rule_code", "rule_description", "activities_flagged", "affected_records"]])
    problems = data.select("review.data_completeness", where, order_by=["rule_code", "report_year", "activity_id"])
    if len(problems):
        st.caption(f"{len(problems):,} flagged activities")
        ui.table(problems, first=["rule_code", "message", "report_year", "title"], hide=["provider_id"])
    downloads.table_downloads(
        problems,
        f"completeness-{provider_id}",
        what=f"completeness problems {provider_id}",
        key="dl-problems",
        details=where,
    )
with tabs[3]:
    sample = data.select("review.pip_sample", where, order_by=["sample_position"])
    if sample.empty:
        st.info("No performance-in-practice sample: no current term or no closed activity in it.")
    else:
        ui.table(
            sample,
            first=["sample_position", "activity_id", "title", "activity_type", "report_year", "selection_reason"],
            hide=["provider_id"],
        )
    downloads.table_downloads(
        sample, f"pip-sample-{provider_id}", what=f"PIP sample {provider_id}", key="dl-pip", details=where
    )
with tabs[4]:
    peers = data.select("review.peer_comparison", where, order_by=["report_year", "measure"])
    if peers.empty:
        st.info("No peer comparison: the provider reported no activity in its current term.")
    else:
        ui.table(
            peers,
            first=["report_year", "measure", "provider_value", "peer_median", "position_among_peers"],
            hide=["provider_id"],
        )
    downloads.table_downloads(
        peers, f"peer-comparison-{provider_id}", what=f"peer comparison {provider_id}", key="dl-peers", details=where
    )

st.subheader("Review packet")
if reporting.available():
    with st.container(horizontal=True):
        downloads.download(
            "Review packet (PDF)",
            lambda: reporting.review_packet(provider_id),
            f"review-packet-{provider_id}.pdf",
            downloads.PDF,
            what=f"review packet {provider_id}",
            key="dl-packet",
            details=where,
        )
        downloads.download(
            "Packet with its lists (zip: PDF and CSVs)",
            lambda: reporting.review_packet_zip(provider_id),
            f"review-packet-{provider_id}.zip",
            "application/zip",
            what=f"review packet {provider_id} (zip)",
            key="dl-packet-zip",
            details=where,
        )
    st.caption(
        "The zip holds the PDF and, as CSV files, the full lists the PDF shortens (the term's activities and "
        "the flagged activities)."
    )
else:
    st.caption("The review packet needs the reports package (reports.api), which this installation lacks.")

"""Property: the learners profile's derived hierarchies are trees and its output is k-anonymous on every column.

Random completion rows (boards, years, credits, activity and organization types) go through the same code as
`pars release learners`: the derived hierarchies must be valid (each level a function of the one below) and the
anonymized table must have every row equal, on all released columns together, to at least k-1 others, counting
the suppressed rows as a class, with suppression within the limit.
"""

from __future__ import annotations

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anonymize.engine import anonymize
from anonymize.release.learner_rows import learner_table
from anonymize.release.profiles import load_profile
from warehouse.contract import codes

ORG_GROUPS = {
    "Publishing/Education Company": "Company",
    "Insurance Company/Managed Care Company": "Company",
    "School of Medicine": "Academic",
    "Hospital/Health Care Delivery System": "Academic",
    "Nonprofit (Physician Membership Organization)": "Nonprofit",
    "Nonprofit (Other)": "Nonprofit",
    "Government or Military": "Other",
    "Other": "Other",
}

completion = st.tuples(
    st.integers(0, 59),  # learner
    st.sampled_from([2020, 2021, 2022]),
    st.sampled_from([0.25, 1.0, 2.5, 10.0, 30.0]),
    st.sampled_from(codes.ACTIVITY_TYPES[:8]),
    st.sampled_from(codes.ORGANIZATION_TYPES),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(completion, min_size=40, max_size=220), st.sampled_from([3, 5, 11]))
def test_learners_output_is_k_anonymous_on_everything_released(rows, k):
    boards = list(codes.BOARDS)
    data = pl.DataFrame(
        [(f"k{learner}", boards[learner % 3], year, credits, kind, org) for learner, year, credits, kind, org in rows],
        schema=["learner_key", "board", "report_year", "credits", "activity_type", "organization_type"],
        orient="row",
    )
    years = sorted(data["report_year"].unique().to_list())
    table, hierarchies = learner_table(data, years, ORG_GROUPS)
    assert table.height == data["learner_key"].n_unique()
    policy = load_profile("learners").policy
    policy = type(policy)(**{**policy.__dict__, "k": k})
    if table.height < k:
        return
    result = anonymize(table, policy, hierarchies=hierarchies)
    released = result.table.drop("learner_key")
    sizes = released.group_by(released.columns).len()["len"]
    assert sizes.min() >= k
    all_stars = released.filter(pl.all_horizontal(pl.col(c) == "*" for c in released.columns)).height
    assert all_stars == 0 or all_stars >= k  # the suppressed class counts as a class
    assert result.report["risk"]["suppressed_records"] <= int(policy.suppression_limit * table.height + 1e-9)
    assert result.report["risk"]["k"] == sizes.min()

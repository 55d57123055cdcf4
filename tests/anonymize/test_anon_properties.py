"""Property tests: on random small tables and policies, the search equals brute force over the whole
lattice, and every release is k-anonymous (the suppressed class counted), l-diverse and within the
suppression limit, with or without local recoding."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anonymize.hierarchy import from_levels
from anonymize.lattice import InfeasiblePolicy, LatticeSearch, brute_force
from anonymize.local_recoding import recode
from anonymize.metrics import risk_report
from anonymize.objectives import leaf_frequencies, make_objective
from anonymize.transform import Evaluator, encode_table


@st.composite
def hierarchy(draw, name: str):
    leaves = draw(st.integers(2, 6))
    fan = draw(st.lists(st.integers(2, 3), min_size=0, max_size=2))
    rows, group = [], 1
    for leaf in range(leaves):
        row, group = [f"{name}{leaf}"], 1
        for f in fan:
            group *= f
            row.append(f"{name}/{group}:{leaf // group}")
        rows.append([*row, "*"])
    return from_levels(name, f"generated {name}", rows)


@st.composite
def problem(draw):
    q = draw(st.integers(1, 3))
    hierarchies = [draw(hierarchy(f"q{i}")) for i in range(q)]
    n = draw(st.integers(4, 40))
    codes = [np.array(draw(st.lists(st.integers(0, h.size(0) - 1), min_size=n, max_size=n))) for h in hierarchies]
    sensitive = []
    l_div = None
    if draw(st.booleans()):
        sensitive = [np.array(draw(st.lists(st.integers(0, 2), min_size=n, max_size=n)))]
        l_div = draw(st.sampled_from([None, 2]))
    k = draw(st.integers(2, 4))
    limit = draw(st.sampled_from([0.0, 0.1, 0.25, 0.5]))
    objective = draw(st.sampled_from(["loss", "granularity", "entropy"]))
    return hierarchies, codes, sensitive, k, l_div, limit, objective


def setup(hierarchies, codes, sensitive, k, l_div, limit, objective):
    table, _ = encode_table(hierarchies, codes, sensitive)
    maximum = math.floor(limit * table.n + 1e-9)
    return (
        table,
        Evaluator(table, k, l_div, maximum),
        make_objective(objective, table.hierarchies, leaf_frequencies(table)),
    )


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem())
def test_search_is_optimal_and_releases_are_safe(case):
    hierarchies, codes, sensitive, k, l_div, limit, objective = case
    table, evaluator, goal = setup(*case)
    reference = brute_force(evaluator, goal)
    try:
        found = LatticeSearch(Evaluator(table, k, l_div, evaluator.max_suppressed), goal).run()
    except InfeasiblePolicy:
        assert reference is None
        return
    assert reference is not None
    assert found.levels == reference.levels
    assert math.isclose(found.value, reference.value, rel_tol=1e-9, abs_tol=1e-12)

    final = Evaluator(table, k, l_div, evaluator.max_suppressed).classify(found.levels)
    assert final.suppressed <= limit * table.n + 1e-9
    names = [h.attribute for h in hierarchies] + ["s"] * len(sensitive)
    outputs = [([found.levels], np.where(final.row_suppressed, -1, 0))]
    recoding = recode(table, found.levels, final.row_suppressed, k, l_div)
    outputs.append((recoding.levels, recoding.assignment))
    for levels, assignment in outputs:
        risk = risk_report(table, levels, assignment, names)
        assert risk["k"] >= k
        assert risk["suppressed_records"] <= final.suppressed
        if l_div and sensitive:
            assert risk["l"]["s"] >= l_div

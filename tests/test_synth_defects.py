"""The synthetic generator's defects are accounted for exactly: expected.json, every rule kind, formula-like text.

Defects are classified by `warehouse.synth.check` (DuckDB SQL built from `warehouse.contract` alone), never by the
loader.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers.synth import MULTI, _gen, _views
from warehouse.contract import FILES, GUARD_RULES, RULES
from warehouse.synth.check import classify
from warehouse.synth.defect_kinds import KINDS


@pytest.fixture(scope="module")
def defective(tmp_path_factory) -> Path:
    return _gen(tmp_path_factory, "defective", scale=0.01, years=MULTI, seed=5, defects=0.05)


# --- defects -------------------------------------------------------------------------------------------


def test_expected_json_adds_up_and_matches_an_independent_classification(defective):
    expected = json.loads((defective / "expected.json").read_text())
    assert expected["defects"] == 0.05
    assert expected["export_id"] == json.loads((defective / "manifest.json").read_text())["export_id"]
    got = classify(defective)
    for spec in FILES:
        e = expected["files"][f"{spec.name}.csv"]
        assert e["read"] == e["loaded"] + sum(e["quarantined"].values()) + e["duplicates"], spec.name
        assert got[f"{spec.name}.csv"] == e, spec.name


def test_every_rule_kind_appears_where_it_applies(defective):
    files = json.loads((defective / "expected.json").read_text())["files"]
    seen = set().union(*(f["quarantined"] for f in files.values()))
    # all rules but the hostile-file guards, parent_rejected included (it arises from the cascade)
    assert seen == set(RULES) - GUARD_RULES
    for name, kinds in KINDS.items():
        f = files[f"{name}.csv"]
        for kind in kinds:
            if kind.rule == "duplicates":
                assert f["duplicates"] > 0, name
            else:
                assert f["quarantined"].get(kind.rule, 0) > 0, (name, kind.name)
    acts = files["activities.csv"]
    injected = sum(acts["quarantined"].values()) - acts["quarantined"].get("parent_rejected", 0) + acts["duplicates"]
    assert 0.03 < injected / acts["read"] < 0.12


def test_formula_looking_text_is_written_and_valid(defective):
    con = _views(defective)
    titles = {r[0] for r in con.sql("select title from activities where left(title, 1) in ('=', '@')").fetchall()}
    assert '=HYPERLINK("https://example.org/register","Register")' in titles and "@SUM(1)" in titles

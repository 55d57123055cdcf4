"""Round trip: generator → loader. The loader accounts for every row exactly as the generator's answer key says."""

from __future__ import annotations

import json

import pytest

from warehouse.load import load_export
from warehouse.synth import generate


@pytest.mark.parametrize(
    ("scale", "years", "defects", "seed"),
    [
        (0.01, (2022, 2022), 0.02, 1),
        (0.01, (2013, 2016), 0.03, 5),  # years before 2015, 2017 and 2019: every year-bound rule applies
        (0.005, (2018, 2020), 0.10, 9),
    ],
)
def test_defective_export_loads_exactly_as_expected(tmp_path, scale, years, defects, seed):
    export = tmp_path / "export"
    generate(export, scale=scale, years=years, seed=seed, defects=defects)
    expected = json.loads((export / "expected.json").read_text())
    result = load_export(export, tmp_path / "w.duckdb")
    got = {
        name: {k: s.as_dict()[k] for k in ("read", "loaded", "quarantined", "duplicates")}
        for name, s in result.files.items()
    }
    assert got == expected["files"]
    rules = {rule for s in result.files.values() for rule in s.quarantined}
    assert len(rules) >= 20, rules


def test_clean_export_quarantines_nothing(tmp_path):
    export = tmp_path / "export"
    generate(export, scale=0.01, years=(2016, 2020), seed=3)
    result = load_export(export, tmp_path / "w.duckdb")
    assert {name: s.quarantined for name, s in result.files.items() if s.quarantined} == {}
    assert all(s.duplicates == 0 and s.loaded == s.read > 0 for s in result.files.values())

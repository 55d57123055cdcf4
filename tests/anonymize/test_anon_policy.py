"""Policy and hierarchy errors name the key (or the value and file) and the problem."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from anonymize import hierarchy as hier
from anonymize.engine import anonymize
from anonymize.hierarchy import HierarchyError
from anonymize.lattice import InfeasiblePolicy
from anonymize.policy import PolicyError, load_policy, parse_policy


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "sex.csv").write_text("M;*\nF;*\n")
    return tmp_path


def base(**extra):
    return {"quasi_identifiers": {"sex": "sex.csv"}, "k": 2, **extra}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (base(kk=3), "unknown key(s) ['kk']"),
        ({"quasi_identifiers": {"sex": "sex.csv"}}, "k: required"),
        (base(k=0), "k: expected an integer >= 1, got 0"),
        (base(k="5"), "k: expected an integer >= 1"),
        (base(suppression_limit=1.5), "suppression_limit: expected a share of records between 0 and 1"),
        (base(objective="precision"), "objective: expected one of ['loss', 'granularity', 'entropy']"),
        (base(local_recoding="yes"), "local_recoding: expected true or false"),
        (base(l=2), "l: l-diversity needs at least one column under sensitive"),
        ({"k": 2}, "quasi_identifiers: required"),
        (base(quasi_identifiers={"sex": "nope.csv"}), "quasi_identifiers.sex.hierarchy: file not found"),
        (base(quasi_identifiers={"age": {"intervals": [5], "mask": 2}}), "quasi_identifiers.age: give exactly one"),
        (base(quasi_identifiers={"age": {"intervals": [5, -10]}}), "quasi_identifiers.age.intervals: expected a list"),
        (base(quasi_identifiers={"d": {"dates": ["week"]}}), "quasi_identifiers.d.dates: expected true or a list"),
        (base(identifiers=["sex"]), "quasi_identifiers: column 'sex' is already listed under identifiers"),
        ("just text", "the policy must be a YAML mapping"),
    ],
)
def test_policy_errors(folder, raw, message):
    with pytest.raises(PolicyError) as error:
        parse_policy(raw, folder)
    assert message in str(error.value)


def test_invalid_yaml_and_missing_file(tmp_path):
    with pytest.raises(PolicyError, match="policy file not found"):
        load_policy(tmp_path / "none.yaml")
    (tmp_path / "bad.yaml").write_text("k: [1,\n")
    with pytest.raises(PolicyError, match="not valid YAML"):
        load_policy(tmp_path / "bad.yaml")


def test_value_missing_from_hierarchy_names_value_and_file(folder):
    data = pl.DataFrame({"sex": ["M", "F", "X", "M"]})
    with pytest.raises(HierarchyError) as error:
        anonymize(data, parse_policy(base(), folder))
    assert "'X'" in str(error.value) and str(folder / "sex.csv") in str(error.value)


def test_missing_column(folder):
    with pytest.raises(PolicyError, match=r"quasi_identifiers: column\(s\) \['sex'\] not in the input"):
        anonymize(pl.DataFrame({"gender": ["M"]}), parse_policy(base(), folder))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a;x;*\nb;y\n", "row 2 has 2 columns"),
        ("a;x;*\na;y;*\n", "appear more than once"),
        ("a;x;*\nb;x;+\n", "the last column must be a single root"),
        ("a;x;p;*\nb;x;q;*\n", "value 'x' at level 1 generalizes to more than one value"),
    ],
)
def test_malformed_hierarchy_files(tmp_path, text, message):
    (tmp_path / "h.csv").write_text(text)
    with pytest.raises(HierarchyError, match=message):
        hier.from_file("h", tmp_path / "h.csv")


def test_comma_separated_hierarchy(tmp_path):
    (tmp_path / "h.csv").write_text("a,x,*\nb,x,*\nc,y,*\n")
    h = hier.from_file("h", tmp_path / "h.csv")
    assert h.height == 3 and h.labels[1] == ["x", "y"] and list(h.leaf_counts(1)) == [2, 1]


def test_builders():
    ages = hier.intervals(pl.Series("age", ["21", "37", "44"]), [5, 10, 20])
    assert [ages.labels[lv][ages.maps[lv][1]] for lv in range(ages.height)] == ["37", "35-39", "30-39", "20-39", "*"]
    with pytest.raises(HierarchyError, match="multiple of the previous"):
        hier.intervals(pl.Series("age", ["1"]), [5, 7])
    with pytest.raises(HierarchyError, match="not numbers"):
        hier.intervals(pl.Series("age", ["1", "old"]), [5])
    days = hier.dates(pl.Series("d", ["2022-05-17", "2021-12-31"]))
    leaf = days.leaves.index("2022-05-17")
    assert [days.labels[lv][days.maps[lv][leaf]] for lv in range(5)] == [
        "2022-05-17",
        "2022-05",
        "2022-Q2",
        "2022",
        "*",
    ]
    with pytest.raises(HierarchyError, match="not dates"):
        hier.dates(pl.Series("d", ["2022-05-17", "someday"]))
    zips = hier.mask(pl.Series("zip", ["20001", "20002", "21001"]), [1, 3])
    assert zips.labels[1] == ["2000*", "2100*"] and zips.labels[2] == ["20***", "21***"]


def test_impossible_policies(folder):
    data = pl.DataFrame({"sex": ["M", "F", "M"], "disease": ["a", "a", "a"]})
    with pytest.raises(InfeasiblePolicy, match="only 3 records"):
        anonymize(data, parse_policy(base(k=5), folder))
    with pytest.raises(InfeasiblePolicy, match="only 1 distinct values"):
        anonymize(data, parse_policy(base(l=2, sensitive=["disease"]), folder))

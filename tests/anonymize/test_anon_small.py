"""Hand-checked tables: a dozen rows where the optimum, suppression and quality are worked out by hand.

Hierarchies: sex M|F -> * (2 leaves); age 21,23 -> 20-24, 26,28 -> 25-29 -> 20-29 -> * (4 leaves).
Granularity floor = mean(1/2, 1/4) = 0.375; loss = (mean share - 0.375) / 0.625.
"""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl
import pytest

from anonymize.engine import anonymize
from anonymize.policy import parse_policy

SEX = "M;*\nF;*\n"
AGE = "21;20-24;20-29;*\n23;20-24;20-29;*\n26;25-29;20-29;*\n28;25-29;20-29;*\n"


def make(tmp_path: Path, rows: list[tuple], **settings):
    (tmp_path / "sex.csv").write_text(SEX)
    (tmp_path / "age.csv").write_text(AGE)
    columns = ["sex", "age", "disease"][: len(rows[0])]
    data = pl.DataFrame([tuple(map(str, r)) for r in rows], schema=columns, orient="row")
    raw = {"quasi_identifiers": {"sex": "sex.csv", "age": "age.csv"}, **settings}
    return data, parse_policy(raw, tmp_path)


BALANCED = [
    ("M", 21),
    ("M", 21),
    ("M", 23),
    ("M", 26),
    ("M", 26),
    ("M", 28),
    ("F", 21),
    ("F", 23),
    ("F", 23),
    ("F", 26),
    ("F", 28),
    ("F", 28),
]


@pytest.mark.parametrize("objective", ["loss", "granularity"])
def test_balanced_no_suppression(tmp_path, objective):
    # (0,0): every class has 1-2 rows. (0,1): four classes of 3 -> quality 1 - (0.5 - .375)/.625 = 0.8.
    # (1,0): four classes of 3 too, but quality 0.6. ARX loss of (0,1): sqrt((1+0)(1+1/3)) - 1.
    data, policy = make(tmp_path, BALANCED, k=3, suppression_limit=0, objective=objective)
    report = anonymize(data, policy).report
    assert report["levels"] == {"sex": 0, "age": 1}
    assert report["global"]["suppressed_records"] == 0
    assert report["quality"]["granularity"] == pytest.approx(0.8)
    if objective == "loss":
        assert report["objective"]["value"] == pytest.approx(math.sqrt(4 / 3) - 1)
    assert report["risk"]["k"] == 3 and report["risk"]["classes"] == 4


CORE = [("M", 21)] * 3 + [("M", 23)] * 3 + [("F", 21)] * 3 + [("F", 23)] * 3


def test_suppressed_class_must_itself_reach_k(tmp_path):
    # One outlier (F,28). ARX would suppress it alone at (0,0) (quality .923); we may not: the
    # all-* class would have 1 record. Every node that suppresses exactly it is invalid, so the
    # optimum is (0,2) (quality .4) -- tied with (0,3), broken to the fewest generalization steps.
    data, policy = make(tmp_path, [*CORE, ("F", 28)], k=3, suppression_limit=1 / 13)
    report = anonymize(data, policy).report
    assert report["levels"] == {"sex": 0, "age": 2}
    assert report["global"]["suppressed_records"] == 0
    assert report["quality"]["granularity"] == pytest.approx(0.4)


def test_three_outliers_suppressed(tmp_path):
    # Three outliers: suppressing them at (0,0) is allowed (limit 3/15) and they form a class of 3.
    # Shares: sex (12*.5 + 3)/15 = .6, age (12*.25 + 3)/15 = .4 -> loss (.5 - .375)/.625 = .2.
    rows = [*CORE, ("F", 28), ("F", 26), ("M", 28)]
    data, policy = make(tmp_path, rows, k=3, suppression_limit=0.2)
    result = anonymize(data, policy)
    report = result.report
    assert report["levels"] == {"sex": 0, "age": 0}
    assert report["global"]["suppressed_records"] == 3
    assert report["quality"]["granularity"] == pytest.approx(0.8)
    assert result.table.filter(pl.col("sex") == "*")["age"].to_list() == ["*", "*", "*"]
    assert result.table.head(12).equals(data.head(12))
    assert report["risk"]["k"] == 3
    assert report["risk"]["prosecutor_risk"]["max"] == pytest.approx(1 / 3)
    assert report["risk"]["marketer_risk"] == pytest.approx(5 / 15)
    # journalist: population = input; the suppressed class matches all 15 records
    assert report["risk"]["journalist_risk"]["max"] == pytest.approx(1 / 3)


def test_l_diversity(tmp_path):
    # With diseases, (0,1)'s class M/20-24 has only "a" and (1,0)'s */21 only "a": with l=2 and
    # no suppression both fail; (0,2) and (1,1) are 2-diverse with equal granularity (.4); ARX's
    # loss prefers (0,2): sqrt(1*2)-1 < sqrt(2*4/3)-1.
    diseases = "aaabcbabacbc"
    rows = [(s, a, d) for (s, a), d in zip(BALANCED, diseases, strict=True)]
    data, policy = make(tmp_path, rows, k=3, l=2, sensitive=["disease"], suppression_limit=0)
    report = anonymize(data, policy).report
    assert report["levels"] == {"sex": 0, "age": 2}
    assert report["risk"]["l"] == {"disease": 3}
    data, policy = make(tmp_path, rows, k=3, l=2, sensitive=["disease"], suppression_limit=0, objective="granularity")
    assert anonymize(data, policy).report["levels"] == {"sex": 0, "age": 2}  # tie -> lexicographic


def test_identifiers_dropped_and_other_columns_kept(tmp_path):
    data, policy = make(tmp_path, BALANCED, k=3, suppression_limit=0)
    data = data.with_columns(pl.Series("name", [f"person {i}" for i in range(12)]), pl.lit("x").alias("note"))
    policy = parse_policy(
        {"quasi_identifiers": {"sex": "sex.csv", "age": "age.csv"}, "k": 3, "identifiers": ["name"]}, tmp_path
    )
    table = anonymize(data, policy).table
    assert table.columns == ["sex", "age", "note"]
    assert table["age"].to_list()[:3] == ["20-24", "20-24", "20-24"]

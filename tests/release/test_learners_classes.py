"""The learners release works on classes, not learners: the engine's weighted entry point gives exactly what the
per-record one gives, the pseudonyms made in DuckDB are `pseudonymize`'s, and the release built from classes is the
one the per-learner code made (kept here as the oracle: `per_learner_release`, the code of
anonymize/release/learners.py `build` before the change, over `learner_rows`, which stays)."""

from __future__ import annotations

import dataclasses
import hashlib

import duckdb
import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anonymize.engine import anonymize, anonymize_classes
from anonymize.hierarchy import from_file, from_levels
from anonymize.policy import Policy, PolicyError, QuasiIdentifier
from anonymize.release import learner_classes, learner_rows, learners
from anonymize.release.content import Content
from anonymize.release.profiles import ReleaseError, load_profile
from anonymize.release.pseudonyms import pseudonym_sql, pseudonymize
from anonymize.release.writer import check_identifiers


def _hierarchy(name: str, leaves: int):
    rows = [[f"{name}{leaf}", f"{name}/{leaf // 2}", f"{name}/{leaf // 4}", "*"] for leaf in range(leaves)]
    return from_levels(name, f"generated {name}", rows)


@st.composite
def records(draw):
    q = draw(st.integers(1, 3))
    sizes = [draw(st.integers(2, 8)) for _ in range(q)]
    n = draw(st.integers(12, 120))
    # few distinct combinations, many records each: the duplicates are what the classes fold
    pool = draw(st.integers(2, 12))
    combos = [[draw(st.integers(0, s - 1)) for s in sizes] for _ in range(pool)]
    picks = draw(st.lists(st.integers(0, pool - 1), min_size=n, max_size=n))
    sensitive = draw(st.booleans())
    columns = {f"q{i}": [f"q{i}{combos[p][i]}" for p in picks] for i in range(q)}
    if sensitive:
        columns["s"] = [str(draw(st.integers(0, 2))) for _ in picks]
    # a kept column naming the record's combination (quasi-identifiers and sensitive value)
    columns["o"] = ["|".join(row) for row in zip(*columns.values(), strict=True)]
    policy = Policy(
        quasi_identifiers=tuple(QuasiIdentifier(f"q{i}", "derived", {"levels": "generated"}) for i in range(q)),
        k=draw(st.integers(2, 6)),
        suppression_limit=draw(st.sampled_from([0.0, 0.05, 0.2, 0.5])),
        sensitive=("s",) if sensitive else (),
        l=draw(st.sampled_from([None, 2])) if sensitive else None,
        objective=draw(st.sampled_from(["loss", "granularity", "entropy"])),
        local_recoding=draw(st.booleans()),
    )
    hierarchies = {f"q{i}": _hierarchy(f"q{i}", s) for i, s in enumerate(sizes)}
    return pl.DataFrame(columns), policy, hierarchies, draw(st.integers(1, 3))


@settings(max_examples=120, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(records())
def test_anonymize_classes_equals_anonymize_over_the_records(case):
    """Over random records with many duplicates (and each combination split into up to 3 weighted rows), the
    weighted entry point finds the same levels, local recoding, risk and quality, and releases each combination
    as the per-record call releases each of its records."""
    data, policy, hierarchies, split = case
    try:
        expected = anonymize(data, policy, hierarchies=hierarchies)
    except ValueError as exc:
        with pytest.raises(type(exc)):
            anonymize_classes(_classes(data, split), "weight", policy, hierarchies=hierarchies)
        return
    found = anonymize_classes(_classes(data, split), "weight", policy, hierarchies=hierarchies)
    assert _untimed(found.report) == _untimed(expected.report)
    assert "weight" not in found.table.columns
    assert found.table.columns == expected.table.columns
    released = found.table.unique().sort(found.table.columns)
    assert released.equals(expected.table.unique().sort(expected.table.columns))
    assert released.select("o").is_unique().all()  # one released row per combination: records alike, released alike


def _untimed(report: dict) -> dict:
    return {**report, "seconds": 0, "search": {**report["search"], "seconds": 0}}


def _classes(data: pl.DataFrame, split: int) -> pl.DataFrame:
    """The distinct rows with their counts, each count split into up to `split` rows of weight >= 1."""
    grouped = data.group_by(data.columns, maintain_order=True).len("weight")
    rows = []
    for row in grouped.iter_rows(named=True):
        weight, parts = row["weight"], min(split, row["weight"])
        for part in range(parts):
            rows.append({**row, "weight": weight // parts + (part < weight % parts)})
    return pl.DataFrame(rows, schema=grouped.schema)


def test_anonymize_classes_refuses_a_bad_weight():
    data = pl.DataFrame({"q0": ["q00", "q01"], "weight": [3, 0]})
    policy = Policy((QuasiIdentifier("q0", "derived", {"levels": "x"}),), k=2, suppression_limit=0.0)
    hierarchies = {"q0": _hierarchy("q0", 2)}
    for bad in (data, data.with_columns(pl.col("weight").cast(pl.Float64) + 1), data.drop("weight")):
        with pytest.raises(PolicyError, match="weight"):
            anonymize_classes(bad, "weight", policy, hierarchies=hierarchies)


@pytest.mark.parametrize(
    "secret",
    [bytes(range(32)), hashlib.sha256(b"a").digest(), hashlib.sha512(b"b").digest() * 2],
    ids=["32", "32b", "128"],
)
def test_pseudonyms_made_in_duckdb_are_pseudonymize(secret):
    values = pl.Series("k", ["", "a", "0123456789abcdef" * 2, "é€\x00x", "'; drop table t; --", "a" * 300, None])
    expression, params = pseudonym_sql("k", secret, "L-", 16)
    con = duckdb.connect()
    try:
        con.register("t", pl.DataFrame({"k": values}))
        found = con.sql(f"select {expression} as p from t", params=params).pl()["p"]
    finally:
        con.close()
    assert found.to_list() == pseudonymize(values, secret, "L-", 16).to_list()
    assert found[1] == pseudonymize(pl.Series(["a"]), secret, "L-", 16)[0] and found[1] != found[2]


def per_learner_release(con, profile, secret):
    """The oracle: the release's table, risk and hierarchies the way `build` made them before the change (one row
    per learner in Python, `anonymize` over all of them, `pseudonymize`, polars sort), and the number of distinct
    combinations of the five leaves among the learners."""
    policy = profile.policy
    completions = (
        "select completion_id, learner_key, board, activity_report_year as report_year, credits, activity_type, "
        f"organization_type from {profile.get('source')} where completion_status in (select unnest($s))"
    )
    params = {"s": list(profile.get("statuses"))}
    years = [
        y for (y,) in con.sql(f"select distinct report_year from ({completions}) order by 1", params=params).fetchall()
    ]
    org = from_file("organization_type", learner_rows.HIERARCHIES / "organization_type.csv")
    org_groups = dict(zip(org.labels[0], [org.labels[1][i] for i in org.maps[1]], strict=True))
    table, hierarchies = learner_rows.learner_rows(con, completions, params, years, org_groups)
    result = anonymize(table, policy, hierarchies=hierarchies)
    pseudonym = profile.get("pseudonyms")["learner_key"]
    released = result.table.with_columns(
        pseudonymize(result.table["learner_key"], secret, pseudonym["prefix"], pseudonym["length"]).alias(
            pseudonym["name"]
        )
    ).drop("learner_key")
    released = released.select([pseudonym["name"], *policy.qi_names]).sort([*policy.qi_names, pseudonym["name"]])
    return released, result.report, hierarchies, table.select(learner_rows.LEAVES).unique().height


@pytest.mark.parametrize(("k", "per_pass"), [(11, None), (40, 700)])
def test_learners_release_from_classes_equals_the_per_learner_one(built_warehouse, monkeypatch, k, per_pass):
    """On the test warehouse, at the profile's k=11 in one pass and at k=40 (more suppression and local recoding)
    in passes over learner_key ranges: the same table, row for row in the same order, the same risk report and
    hierarchies, and no learner key among the forbidden values."""
    profile = load_profile("learners")
    profile = dataclasses.replace(profile, policy=dataclasses.replace(profile.policy, k=k))
    if per_pass:
        monkeypatch.setattr(learner_rows, "COMPLETIONS_PER_PASS", per_pass)
    secret = bytes(range(32))
    seen = []

    def spy(classes, weight, *args, **kwargs):
        seen.append((classes.height, classes[weight].sum()))
        return anonymize_classes(classes, weight, *args, **kwargs)

    monkeypatch.setattr(learners, "anonymize_classes", spy)
    con = duckdb.connect(str(built_warehouse), read_only=True)
    try:
        passes = learner_rows.passes_for(con.sql("select count(*) from research.learner_completions").fetchall()[0][0])
        assert passes > 1 if per_pass else passes == 1
        expected, report, hierarchies, combinations = per_learner_release(con, profile, secret)
        content = learners.build(con, profile, secret)
        left = {r[0] for r in con.sql("select table_name from duckdb_tables() where temporary").fetchall()}
    finally:
        con.close()
    found = content.tables["learners"]
    assert found.height > 100 and found.equals(expected)
    # the engine saw one row per distinct combination (fewer than the learners), weighted by its learners
    assert seen == [(combinations, found.height)] and combinations < found.height
    risk = content.risk["tables"]["learners"]
    assert risk["local_recoding"] == ("local_recoding" in report)
    assert {k: v for k, v in risk.items() if k in report["risk"]} == report["risk"]
    assert risk["levels"] == report["levels"]
    assert risk["granularity"] == report["quality"]["granularity"]
    assert {n: h.labels for n, h in content.hierarchies["learners"].items()} == {
        n: h.labels for n, h in hierarchies.items()
    }
    assert content.forbidden.len() == 0
    assert not left  # the temporary tables are dropped
    if k == 40:
        assert risk["suppressed_share"] > 0 or risk["local_recoding"]


def test_a_learner_key_among_the_released_texts_is_forbidden():
    """The check for learner keys in the release runs in DuckDB: a key equal to a released label or pseudonym is
    returned as forbidden, and the writer's check then refuses the release."""
    con = duckdb.connect()
    secret = bytes(range(32))
    pseudonym = {"name": "learner", "prefix": "L-", "length": 16}
    planted = pseudonymize(pl.Series(["k2"]), secret, "L-", 16)[0]
    try:
        con.execute(
            "create temp table pars_learner_class as select * from (values ('k1', 0), ('k2', 0), ('*', 1), "
            "(?, 1), ('k5', 1)) t(learner_key, class_id)",
            [planted],
        )
        classes = pl.DataFrame({"class_id": [0, 1], "board": ["ABIM", "*"], "credits": ["2022:3", "*"]})
        table, forbidden = learner_classes.released_learners(con, classes, secret, pseudonym)
    finally:
        con.close()
    assert sorted(forbidden.to_list()) == sorted(["*", planted])
    assert table.columns == ["learner", "board", "credits"] and table.height == 5
    assert table["board"].to_list() == ["*", "*", "*", "ABIM", "ABIM"]
    content = Content(tables={"learners": table}, risk={}, columns={}, forbidden=forbidden)
    with pytest.raises(ReleaseError, match="input identifier"):
        check_identifiers(content)
    assert np.all(table["learner"].str.starts_with("L-").to_numpy())

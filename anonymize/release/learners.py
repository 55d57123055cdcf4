"""Profile `learners`: one row per learner; every released column is a quasi-identifier (k over all of it).

Names, board IDs and birth month/day are never read from the warehouse. The derived columns (completions and
credits by year, sets of activity types and of organization types) get hierarchies built here from the data, each
level a function of the one below (a tree), so the engine's optimal search and local recoding apply unchanged.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from anonymize.engine import anonymize
from anonymize.hierarchy import TOP, from_file, from_levels

from .content import Content, describe_columns
from .profiles import Profile, ReleaseError
from .pseudonyms import pseudonymize

CREDIT_BANDS = ("0", "<10", "10-24", "25-49", "50+")
FORMAT_GROUPS = {"C": "Live", "RSS": "Live", "IL": "Live", "EM": "Enduring", "IEM": "Enduring", "JN": "Enduring"}
HIERARCHIES = Path(__file__).parent / "hierarchies"


def _count_band(n: int) -> str:
    return "0" if n == 0 else "1-4" if n < 5 else "5-9" if n < 10 else "10-19" if n < 20 else "20+"


def _credit_band(c: float) -> str:
    return "0" if c <= 0 else "<10" if c < 10 else "10-24" if c < 25 else "25-49" if c < 50 else "50+"


def _credit_text(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _tree(name: str, leaves: pl.DataFrame, level_columns: list[str]):
    rows = leaves.select([name, *level_columns]).unique().sort(name).rows()
    return from_levels(name, f"derived levels of {name}", [[*map(str, row), TOP] for row in rows])


def learner_table(data: pl.DataFrame, years: list[int], org_groups: dict[str, str]) -> tuple[pl.DataFrame, dict]:
    """One row per learner with the five quasi-identifiers as leaf strings, and their derived hierarchies."""
    per_year = data.group_by(["learner_key", "report_year"]).agg(
        pl.len().alias("n"), pl.col("credits").sum().alias("credits")
    )
    learners = data.group_by("learner_key").agg(
        pl.col("board").first(),
        pl.col("activity_type").unique().sort().alias("types"),
        pl.col("organization_type").unique().sort().alias("orgs"),
    )
    counts = {y: dict() for y in years}
    credits = {y: dict() for y in years}
    for key, year, n, c in per_year.iter_rows():
        counts[year][key] = n
        credits[year][key] = c
    keys = learners["learner_key"].to_list()
    leaf_c, band_c, active, n_active, leaf_cr, band_cr, max_cr = [], [], [], [], [], [], []
    for key in keys:
        ns = [counts[y].get(key, 0) for y in years]
        cs = [credits[y].get(key, 0.0) for y in years]
        leaf_c.append(";".join(f"{y}:{n}" for y, n in zip(years, ns, strict=True)))
        band_c.append(";".join(f"{y}:{_count_band(n)}" for y, n in zip(years, ns, strict=True)))
        active.append(";".join(f"{y}:{'yes' if n else 'no'}" for y, n in zip(years, ns, strict=True)))
        n_active.append(f"active in {sum(1 for n in ns if n)} of {len(years)} years")
        leaf_cr.append(";".join(f"{y}:{_credit_text(c)}" for y, c in zip(years, cs, strict=True)))
        bands = [_credit_band(c) for c in cs]
        band_cr.append(";".join(f"{y}:{b}" for y, b in zip(years, bands, strict=True)))
        max_cr.append(f"largest yearly credits {max(bands, key=CREDIT_BANDS.index)}")
    types = learners["types"].to_list()
    orgs = learners["orgs"].to_list()
    type_groups = [sorted({FORMAT_GROUPS.get(t, "Other") for t in ts}) for ts in types]
    org_sets = [sorted({org_groups[o] for o in os}) for os in orgs]
    table = pl.DataFrame({
        "learner_key": keys,
        "board": learners["board"],
        "completions_by_year": leaf_c, "_c1": band_c, "_c2": active, "_c3": n_active,
        "credits_by_year": leaf_cr, "_r1": band_cr, "_r2": max_cr,
        "activity_types": ["+".join(ts) for ts in types],
        "_t1": ["+".join(g) for g in type_groups],
        "_t2": [f"{len(g)} format group{'s' if len(g) > 1 else ''}" for g in type_groups],
        "organization_types": [" | ".join(os) for os in orgs],
        "_o1": [" | ".join(g) for g in org_sets],
        "_o2": [f"{len(g)} organization-type group{'s' if len(g) > 1 else ''}" for g in org_sets],
    })
    hierarchies = {
        "completions_by_year": _tree("completions_by_year", table, ["_c1", "_c2", "_c3"]),
        "credits_by_year": _tree("credits_by_year", table, ["_r1", "_r2"]),
        "activity_types": _tree("activity_types", table, ["_t1", "_t2"]),
        "organization_types": _tree("organization_types", table, ["_o1", "_o2"]),
    }
    return table.select(c for c in table.columns if not c.startswith("_")), hierarchies


def build(con: duckdb.DuckDBPyConnection, profile: Profile, secret: bytes) -> Content:
    policy = profile.policy
    statuses = list(profile.get("statuses", ["Accepted"]))
    data = con.sql(
        f"select learner_key, board, activity_report_year as report_year, credits, activity_type, "
        f"organization_type "
        f"from {profile.get('source')} where completion_status in (select unnest($s)) order by completion_id",
        params={"s": statuses},
    ).pl()
    if data.is_empty():
        raise ReleaseError(f"{profile.get('source')} has no completions with status {statuses}")
    years = sorted(data["report_year"].unique().to_list())
    org_hierarchy = from_file("organization_type", HIERARCHIES / "organization_type.csv")
    org_groups = dict(zip(org_hierarchy.labels[0], [org_hierarchy.labels[1][i] for i in org_hierarchy.maps[1]],
                          strict=True))
    table, hierarchies = learner_table(data, years, org_groups)
    try:
        result = anonymize(table, policy, hierarchies=hierarchies)
    except ValueError as exc:
        raise ReleaseError(f"learners cannot be made {policy.k}-anonymous: {exc}") from None
    pseudonym = profile.get("pseudonyms")["learner_key"]
    released = result.table.with_columns(
        pseudonymize(result.table["learner_key"], secret, pseudonym["prefix"], pseudonym["length"])
        .alias(pseudonym["name"])
    ).drop("learner_key")
    released = released.select([pseudonym["name"], *policy.qi_names]).sort([*policy.qi_names, pseudonym["name"]])
    risk = result.report["risk"]
    table_risk = {
        **risk,
        "unit": "learner",
        "years": years,
        "levels": result.report["levels"],
        "loss_per_attribute": result.report["quality"]["loss_per_attribute"],
        "granularity": result.report["quality"]["granularity"],
        "local_recoding": "local_recoding" in result.report,
    }
    guarantees = [
        {"name": "k-anonymity over learners on every released column (suppressed class counted)",
         "required": policy.k, "achieved": risk["k"], "ok": risk["k"] >= policy.k},
        {"name": "highest prosecutor risk", "required": round(1 / policy.k, 6),
         "achieved": round(risk["prosecutor_risk"]["max"], 6), "ok": risk["prosecutor_risk"]["max"] <= 1 / policy.k},
        {"name": "suppressed learners (share)", "required": policy.suppression_limit,
         "achieved": risk["suppressed_share"], "ok": risk["suppressed_share"] <= policy.suppression_limit},
        {"name": "names, board IDs and birth month/day read from the warehouse", "required": 0, "achieved": 0,
         "ok": True},
    ]
    levels = {q.name: q.params.get("levels") or "hierarchy board.csv" for q in policy.quasi_identifiers}
    columns = describe_columns("learners", released.columns, {
        pseudonym["name"]: "Keyed pseudonym of the learner (one physician as known to one board; HMAC-SHA256 under "
        "this release's secret): unlinkable to other releases.",
        "board": f"Certifying board, generalized ({levels['board']}); '*' = suppressed.",
        "completions_by_year": "Accepted completions per year as year:value;...; generalized row by row ("
        + levels["completions_by_year"] + ").",
        "credits_by_year": "Credits of accepted completions per year as year:value;...; generalized row by row ("
        + levels["credits_by_year"] + ").",
        "activity_types": "Activity types of the learner's completions joined by '+'; generalized ("
        + levels["activity_types"] + ").",
        "organization_types": "Organization types of the providers of the learner's completions joined by ' | '; "
        "generalized (" + levels["organization_types"] + ").",
    })
    return Content(
        tables={"learners": released},
        risk={"tables": {"learners": table_risk}, "guarantees": guarantees},
        columns={"learners": columns},
        forbidden=set(table["learner_key"].to_list()),
    )

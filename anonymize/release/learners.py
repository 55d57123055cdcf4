"""Profile `learners`: one row per learner; every released column is a quasi-identifier (k over all of it).

`build` is the profile itself: the completions its policy selects, their classes anonymized by the engine, and what
the release states about the result (risk report, guarantees, column descriptions). Names, board IDs and birth
month/day are never read from the warehouse. The per-learner columns and their hierarchies are derived in
learner_rows.py; the learners stay in DuckDB between their classes and the released rows (learner_classes.py).
"""

from __future__ import annotations

import duckdb
import polars as pl

from anonymize.engine import anonymize_classes
from anonymize.hierarchy import from_file

from .content import Content, describe_columns
from .learner_classes import learner_classes, released_learners
from .learner_rows import HIERARCHIES, passes_for
from .memory import phase
from .profiles import Profile, ReleaseError


def _taken(result, columns: list[str]) -> pl.DataFrame:
    """The result's table (those columns), no longer held by the result: `released_learners` lets it go once DuckDB
    has used it, before the released table comes back."""
    table, result.table = result.table, None
    return table.select(columns)


def build(con: duckdb.DuckDBPyConnection, profile: Profile, secret: bytes) -> Content:
    policy = profile.policy
    statuses = list(profile.get("statuses", ["Accepted"]))
    years = profile.get("years")
    only_years = " and activity_report_year in (select unnest($y))" if years else ""
    completions = (
        f"select completion_id, learner_key, board, activity_report_year as report_year, credits, activity_type, "
        f"organization_type from {profile.get('source')} where completion_status in (select unnest($s)){only_years}"
    )
    params = {"s": statuses, **({"y": years} if years else {})}
    per_year = con.sql(
        f"select report_year, count(*) from ({completions}) group by 1 order by 1", params=params
    ).fetchall()
    years = [year for year, _ in per_year]
    if not years:
        raise ReleaseError(
            f"{profile.get('source')} has no completions with status {statuses}"
            + (f" in the years {profile.get('years')}" if profile.get("years") else "")
        )
    org_hierarchy = from_file("organization_type", HIERARCHIES / "organization_type.csv")
    org_groups = dict(
        zip(org_hierarchy.labels[0], [org_hierarchy.labels[1][i] for i in org_hierarchy.maps[1]], strict=True)
    )
    classes, hierarchies = learner_classes(
        con, completions, params, years, org_groups, passes_for(sum(n for _, n in per_year))
    )
    phase(f"classes: {classes.height:,} ({classes.estimated_size() >> 20} MiB)")
    try:
        result = anonymize_classes(classes, "weight", policy, hierarchies=hierarchies)
    except ValueError as exc:
        raise ReleaseError(f"learners cannot be made {policy.k}-anonymous: {exc}") from None
    del classes
    phase("anonymized")
    pseudonym = profile.get("pseudonyms")["learner_key"]
    released, forbidden = released_learners(con, _taken(result, ["class_id", *policy.qi_names]), secret, pseudonym)
    phase(f"released: {released.height:,} rows ({released.estimated_size() >> 20} MiB)")
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
        {
            "name": "k-anonymity over learners on every released column (suppressed class counted)",
            "required": policy.k,
            "achieved": risk["k"],
            "ok": risk["k"] >= policy.k,
        },
        {
            "name": "highest prosecutor risk",
            "required": round(1 / policy.k, 6),
            "achieved": round(risk["prosecutor_risk"]["max"], 6),
            "ok": risk["prosecutor_risk"]["max"] <= 1 / policy.k,
        },
        {
            "name": "suppressed learners (share)",
            "required": policy.suppression_limit,
            "achieved": risk["suppressed_share"],
            "ok": risk["suppressed_share"] <= policy.suppression_limit,
        },
        {
            "name": "names, board IDs and birth month/day read from the warehouse",
            "required": 0,
            "achieved": 0,
            "ok": True,
        },
    ]
    levels = {q.name: q.params.get("levels") or "hierarchy board.csv" for q in policy.quasi_identifiers}
    columns = describe_columns(
        "learners",
        released.columns,
        {
            pseudonym["name"]: "Keyed pseudonym of the learner (one physician as known to one board; HMAC-SHA256 under "
            "this release's secret). Releases made with different secrets (pseudonym_key_id in the manifest) share no "
            "pseudonym, so they cannot be joined on this column; the rows themselves can still match across releases "
            "(the same values in both), which no audit rules out. Releases with the same key id share pseudonyms; "
            "the register's joint audit proved k=11 over their combined columns.",
            "board": f"Certifying board, generalized ({levels['board']}); '*' = suppressed.",
            "completions_by_year": "Accepted completions per year as year:value;...; generalized row by row ("
            + levels["completions_by_year"]
            + ").",
            "credits_by_year": "Credits of accepted completions per year as year:value;...; generalized row by row ("
            + levels["credits_by_year"]
            + ").",
            "activity_types": "Activity types of the learner's completions joined by '+'; generalized ("
            + levels["activity_types"]
            + ").",
            "organization_types": "Organization types of the providers of the learner's completions joined by ' | '; "
            "generalized (" + levels["organization_types"] + ").",
        },
    )
    return Content(
        tables={"learners": released},
        risk={"tables": {"learners": table_risk}, "guarantees": guarantees},
        columns={"learners": columns},
        forbidden=forbidden,
        hierarchies={"learners": hierarchies},
    )

"""Profile `learners`: one row per learner; every released column is a quasi-identifier (k over all of it).

Names, board IDs and birth month/day are never read from the warehouse. The derived columns (completions and
credits by year, sets of activity types and of organization types) get hierarchies built here from the data, each
level a function of the one below (a tree), so the engine's optimal search and local recoding apply unchanged.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from anonymize.engine import anonymize_classes
from anonymize.hierarchy import TOP, from_file, from_levels
from warehouse.resources import size_bytes

from .content import Content, describe_columns
from .memory import current_limit, fetch_frame, let_go, phase
from .profiles import Profile, ReleaseError
from .pseudonyms import SecretError, pseudonym_sql

CREDIT_BANDS = ("0", "<10", "10-24", "25-49", "50+")
FORMAT_GROUPS = {"C": "Live", "RSS": "Live", "IL": "Live", "EM": "Enduring", "IEM": "Enduring", "JN": "Enduring"}
HIERARCHIES = Path(__file__).parent / "hierarchies"


def _tree(name: str, leaves: pl.DataFrame, level_columns: list[str]):
    rows = leaves.select([name, *level_columns]).unique().sort(name).rows()
    return from_levels(name, f"derived levels of {name}", [[*map(str, row), TOP] for row in rows])


#: One row per learner (ordered by learner_key) with the leaf and level texts of the derived quasi-identifiers,
#: after `with completions as (...)`. Years, bands and groups are parameters, never SQL text.
_LEARNERS = """
per_year as (
    select
        learner_key,
        report_year,
        count(*) as n,
        coalesce(sum(credits), 0)::double as credits,
        min(completion_id) as first_completion,
        arg_min_null(board, completion_id) as first_board
    from completions group by all
),
yearly as (
    select
        k.learner_key,
        y.report_year::varchar as year,
        coalesce(p.n, 0) as n,
        coalesce(p.credits, 0.0)::double as credits,
        case when coalesce(p.credits, 0.0) <= 0 then 0 when p.credits < 10 then 1 when p.credits < 25 then 2
            when p.credits < 50 then 3 else 4 end as band_index
    from (select distinct learner_key from per_year) k
    cross join (select unnest($years) as report_year) y
    left join per_year p using (learner_key, report_year)
),
per_learner as (
    select
        learner_key,
        list({'y': year, 'n': n, 'c': credits, 'b': band_index} order by year) as ys,
        count(*) filter (where n > 0) as active,
        max(band_index) as top_band
    from yearly group by learner_key
),
texts as (
    select
        learner_key,
        array_to_string(list_transform(ys, lambda x: x.y || ':' || x.n), ';') as completions_by_year,
        array_to_string(
            list_transform(
                ys,
                lambda x: x.y || ':' || case when x.n = 0 then '0' when x.n < 5 then '1-4' when x.n < 10 then '5-9'
                    when x.n < 20 then '10-19' else '20+' end
            ),
            ';'
        ) as _c1,
        array_to_string(
            list_transform(ys, lambda x: x.y || ':' || case when x.n > 0 then 'yes' else 'no' end), ';'
        ) as _c2,
        'active in ' || active || ' of ' || $year_count || ' years' as _c3,
        array_to_string(
            list_transform(ys, lambda x: x.y || ':' || regexp_replace(round(x.c, 2)::varchar, '\\.0$', '')), ';'
        ) as credits_by_year,
        array_to_string(list_transform(ys, lambda x: x.y || ':' || ($bands)[x.b + 1]), ';') as _r1,
        'largest yearly credits ' || ($bands)[top_band + 1] as _r2
    from per_learner
),
boards as (
    select learner_key, arg_min_null(first_board, first_completion) as board from per_year group by learner_key
),
used as (select distinct learner_key, activity_type, organization_type from completions),
grouped as (
    select
        u.learner_key,
        u.activity_type,
        coalesce(f.format_group, 'Other') as type_group,
        u.organization_type,
        o.org_group
    from used u
    left join (select unnest($format_types) as activity_type, unnest($format_groups) as format_group) f
        using (activity_type)
    left join (select unnest($org_types) as organization_type, unnest($org_groups) as org_group) o
        using (organization_type)
),
sets as (
    select
        learner_key,
        list_sort(list_distinct(list(activity_type))) as activity_type_set,
        list_sort(list_distinct(list(type_group))) as type_group_set,
        list_sort(list_distinct(list(organization_type))) as organization_type_set,
        list_sort(list_distinct(list(org_group))) as org_group_set,
        bool_or(org_group is null)::int as org_group_null
    from grouped group by learner_key
)
select
    learner_key,
    b.board,
    completions_by_year,
    _c1,
    _c2,
    _c3,
    credits_by_year,
    _r1,
    _r2,
    array_to_string(activity_type_set, '+') as activity_types,
    array_to_string(type_group_set, '+') as _t1,
    len(type_group_set) || ' format group' || case when len(type_group_set) > 1 then 's' else '' end as _t2,
    array_to_string(organization_type_set, ' | ') as organization_types,
    array_to_string(org_group_set, ' | ') as _o1,
    len(org_group_set) + org_group_null
    || ' organization-type group'
    || case when len(org_group_set) + org_group_null > 1 then 's' else '' end as _o2
from texts
join boards b using (learner_key)
join sets using (learner_key)
order by learner_key
"""


#: Completions per pass of the per-learner query: the lists and sets per learner are held by DuckDB at once, about
#: 6 GB for one year at 10x national volume (20M completions, 3.6M learners), so larger inputs run in passes over
#: ranges of learner_key, each within DuckDB's share of the cap (benchmarks/RESULTS-10x.md).
COMPLETIONS_PER_PASS = 2_000_000


def passes_for(completions: int) -> int:
    """How many passes the per-learner query takes for this many completions."""
    return max(1, -(-completions // COMPLETIONS_PER_PASS))


def key_ranges(passes: int) -> list[tuple[str | None, str | None]]:
    """`passes` contiguous ranges [lo, hi) of learner_key covering every string (None: unbounded), split on the
    first two characters of a hex key (the warehouse's keys are md5 hex): concatenated in order, the passes'
    rows are in learner_key order, as one pass's `order by learner_key`."""
    bounds = [f"{i * 256 // passes:02x}" for i in range(1, passes)]
    return list(zip([None, *bounds], [*bounds, None], strict=True))


def _check_organization_types(con, completions: str, params: dict, org_groups: dict[str, str]) -> None:
    unknown = [
        r[0]
        for r in con.sql(
            f"with completions as ({completions}) select distinct organization_type from completions "
            "where organization_type not in (select unnest($org_types)) order by 1 limit 5",
            params={**params, "org_types": list(org_groups)},
        ).fetchall()
    ]
    if unknown:
        raise ReleaseError(f"organization type(s) {unknown} are not in {HIERARCHIES / 'organization_type.csv'}")


def _pass_query(completions: str, params: dict, years: list[int], org_groups: dict[str, str]) -> tuple[str, dict]:
    """The per-learner query over one learner_key range [$lo, $hi), and its fixed parameters."""
    query = (
        f"with completions as (select * from ({completions}) "
        "where ($lo is null or learner_key >= $lo) and ($hi is null or learner_key < $hi)), " + _LEARNERS
    )
    fixed = {
        **params,
        "years": list(years),
        "year_count": len(years),
        "bands": list(CREDIT_BANDS),
        "format_types": list(FORMAT_GROUPS),
        "format_groups": list(FORMAT_GROUPS.values()),
        "org_types": list(org_groups),
        "org_groups": list(org_groups.values()),
    }
    return query, fixed


def _passes(con, completions: str, params: dict, years: list[int], org_groups: dict[str, str], passes: int | None):
    """The per-learner query, its fixed parameters and the learner_key ranges of its passes (counted from the
    completions when `passes` is not given), once the organization types are known."""
    _check_organization_types(con, completions, params, org_groups)
    if passes is None:
        total = con.sql(f"select count(*) from ({completions})", params=params).fetchall()[0][0]
        passes = passes_for(total)
    query, fixed = _pass_query(completions, params, years, org_groups)
    return query, fixed, key_ranges(passes)


#: The quasi-identifiers' leaf columns and, for the derived ones, their level columns (lowest first).
LEAVES = ("board", "completions_by_year", "credits_by_year", "activity_types", "organization_types")
LEVELS = {
    "completions_by_year": ["_c1", "_c2", "_c3"],
    "credits_by_year": ["_r1", "_r2"],
    "activity_types": ["_t1", "_t2"],
    "organization_types": ["_o1", "_o2"],
}


def learner_rows(
    con: duckdb.DuckDBPyConnection,
    completions: str,
    params: dict,
    years: list[int],
    org_groups: dict[str, str],
    passes: int | None = None,
) -> tuple[pl.DataFrame, dict]:
    """One row per learner with the five quasi-identifiers as leaf strings, and their derived hierarchies.

    `completions` is a query (with `params`) giving one row per completion: completion_id, learner_key, board,
    report_year, credits, activity_type, organization_type (the board shown is the learner's first completion's).
    The completions are aggregated in DuckDB, under the connection's memory cap, and only one row per learner
    comes back to Python: a decade's 20 million completions never do. A year's credits are printed from their
    sum rounded to 0.01 (`12.5`, `3`). More than COMPLETIONS_PER_PASS completions run in `passes` over learner_key
    ranges (each learner's completions in one pass), whose rows are concatenated in key order. The release itself
    uses `learner_classes` (the same rows, kept in DuckDB); this one is for tests and small inputs.
    """
    query, fixed, ranges = _passes(con, completions, params, years, org_groups, passes)
    table = pl.concat([con.sql(query, params={**fixed, "lo": lo, "hi": hi}).pl() for lo, hi in ranges], how="vertical")
    hierarchies = {name: _tree(name, table, columns) for name, columns in LEVELS.items()}
    return table.select(c for c in table.columns if not c.startswith("_")), hierarchies


def learner_classes(
    con: duckdb.DuckDBPyConnection,
    completions: str,
    params: dict,
    years: list[int],
    org_groups: dict[str, str],
    passes: int | None = None,
) -> tuple[pl.DataFrame, dict]:
    """`learner_rows` reduced to its classes: one row per distinct combination of the five leaf strings
    (`class_id`, the leaves, `weight` = its learners), and the same hierarchies.

    The learners stay in DuckDB (under its cap, spilling to its temporary folder): the temporary table
    `pars_learner_class` (learner_key, class_id) is left on `con` for `released_learners`. Python holds one row
    per class, never one per learner (one year at 10x national volume: 3.6M learners, 1.8M classes).
    """
    query, fixed, ranges = _passes(con, completions, params, years, org_groups, passes)
    leaves = ", ".join(LEAVES)
    limit = current_limit(con)
    level_rows: dict[str, list[pl.DataFrame]] = {name: [] for name in LEVELS}
    for number, (lo, hi) in enumerate(ranges):
        con.execute(f"create or replace temp table pars_learner_pass as {query}", {**fixed, "lo": lo, "hi": hi})
        into = "insert into pars_learner_leaves" if number else "create or replace temp table pars_learner_leaves as"
        con.execute(f"{into} select learner_key, {leaves} from pars_learner_pass")
        for name, columns in LEVELS.items():
            level_rows[name].append(
                con.sql(f"select distinct {name}, {', '.join(columns)} from pars_learner_pass").pl()
            )
        phase(f"pass {lo}..{hi}")
    con.execute("drop table pars_learner_pass")
    hierarchies = {name: _tree(name, pl.concat(level_rows[name]), LEVELS[name]) for name in LEVELS}
    del level_rows
    phase("hierarchies")
    let_go(con, limit)
    con.execute(
        "create or replace temp table pars_classes as select (row_number() over ()) - 1 as class_id, * "
        f"from (select {leaves}, count(*) as weight from pars_learner_leaves group by all)"
    )
    same = " and ".join(f"l.{c} is not distinct from c.{c}" for c in LEAVES)
    con.execute(
        "create or replace temp table pars_learner_class as select l.learner_key, c.class_id "
        f"from pars_learner_leaves l join pars_classes c on {same}"
    )
    con.execute("drop table pars_learner_leaves")
    phase("classes in DuckDB")
    classes = con.sql(f"select class_id, {leaves}, weight from pars_classes order by class_id").pl()
    con.execute("drop table pars_classes")
    let_go(con, limit)
    return classes, hierarchies


#: DuckDB's memory while the released table comes back: a quarter of its share, at least this (never more than
#: its share).
SCAN_BYTES = 64 * 10**6


def released_learners(
    con: duckdb.DuckDBPyConnection, released_classes: pl.DataFrame, secret: bytes, pseudonym: dict
) -> tuple[pl.DataFrame, pl.Series]:
    """The released table from `learner_classes`' `pars_learner_class` and each class's released labels
    (`released_classes`: class_id, then the quasi-identifiers in the policy's order): one row per learner, its
    pseudonym first, sorted by the quasi-identifiers then the pseudonym; made and sorted in DuckDB (under its
    cap), so Python holds only the result. Also the learner keys that appear in any of its text cells (none, or
    the release is refused: `Content.forbidden`), found in DuckDB instead of a Python set of every key."""
    names = [c for c in released_classes.columns if c != "class_id"]
    limit = current_limit(con)
    # the columns go by position (q0, q1, ...): names from a profile file never become SQL text
    con.register("pars_released_classes", released_classes.rename({c: f"q{i}" for i, c in enumerate(names)}))
    labels = ", ".join(f"r.q{i}" for i in range(len(names)))
    expression, params = pseudonym_sql("lc.learner_key", secret, pseudonym["prefix"], pseudonym["length"])
    try:
        con.execute(
            f"create or replace temp table pars_released as select {expression} as pseudonym, {labels} "
            "from pars_learner_class lc join pars_released_classes r using (class_id)",
            params,
        )
        texts = " union ".join(f"select distinct q{i} as v from pars_released_classes" for i in range(len(names)))
        forbidden = con.sql(
            "select distinct learner_key from pars_learner_class "
            f"where learner_key in (select pseudonym from pars_released) or learner_key in ({texts}) order by 1"
        ).pl()["learner_key"]
    finally:
        con.unregister("pars_released_classes")
    del released_classes
    con.execute("drop table pars_learner_class")
    rows, distinct = con.sql("select count(pseudonym), count(distinct pseudonym) from pars_released").fetchall()[0]
    if rows != distinct:
        raise SecretError(f"pseudonym collision among {rows:,} keys; use a longer pseudonym")
    order = ", ".join(f"q{i} nulls first" for i in range(len(names)))
    # sorted into a table (a scan keeps its insertion order), then DuckDB lets go of the sort's memory before the
    # rows come to Python: the sort and the fetched table are never in memory together
    con.execute(
        "create or replace temp table pars_sorted as select * from pars_released "
        f"order by {order}, pseudonym nulls first"
    )
    con.execute("drop table pars_released")
    # the scan needs little of DuckDB's share: with less it caches less of the table beside the fetched frame
    total = size_bytes(limit)
    con.execute("set memory_limit = ?", [f"{max(1, min(total, max(total // 4, SCAN_BYTES)) // 1000)}KB"])
    try:
        released = fetch_frame(con.sql("select * from pars_sorted"))
    finally:
        con.execute("set memory_limit = ?", [limit])
    con.execute("drop table pars_sorted")
    return released.rename({"pseudonym": pseudonym["name"], **{f"q{i}": c for i, c in enumerate(names)}}), forbidden


def learner_table(
    data: pl.DataFrame, years: list[int], org_groups: dict[str, str], passes: int | None = None
) -> tuple[pl.DataFrame, dict]:
    """`learner_rows` of a frame of completions (learner_key, board, report_year, credits, activity_type,
    organization_type) in completion order: for tests and small inputs."""
    con = duckdb.connect()
    try:
        con.register("completion_frame", data.with_row_index("completion_id"))
        return learner_rows(con, "select * from completion_frame", {}, years, org_groups, passes)
    finally:
        con.close()


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

"""The learners release's per-learner table: each learner's five quasi-identifiers as leaf strings, computed in
DuckDB from the completions, and the hierarchies of the derived ones.

Names, board IDs and birth month/day are never read from the warehouse: the query reads completions only. The
derived columns (completions and credits by year, sets of activity types and of organization types) get hierarchies
built here from the data, each level a function of the one below (a tree), so the engine's optimal search and local
recoding apply unchanged. The derivation is one module, apart from the release (learners.py) and from the learners
kept in DuckDB (learner_classes.py), so that the release, its classes and the tests' small inputs (`learner_table`)
all read the same query.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from anonymize.hierarchy import TOP, from_levels

from .profiles import ReleaseError

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

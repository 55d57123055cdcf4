"""The learners held in DuckDB while the learners release is made: reduced to weighted classes for the engine,
then expanded back into the released rows with their pseudonyms.

Python can hold one row per class but not one per learner (one year at 10x national volume: 3.6M learners, 1.8M
classes), so between the two steps the learners stay in DuckDB's temporary tables, under its memory cap:
`learner_classes` leaves `pars_learner_class` (learner_key, class_id) on the connection and `released_learners`
reads and drops it. The two halves of that hand-over are kept in one module.
"""

from __future__ import annotations

import duckdb
import polars as pl

from warehouse.resources import size_bytes

from .learner_rows import LEAVES, LEVELS, _passes, _tree
from .memory import current_limit, fetch_frame, let_go, phase
from .pseudonyms import SecretError, pseudonym_sql


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

"""The register's audit of a reused secret (`register.secret_reuse_audit`), in DuckDB under the release's cap.

A reused secret makes pseudonyms equal across releases: an attacker joins them on the pseudonym and learns, per
pseudonym, everything every release says about it. Each pseudonym's signature in a release is the set of its
distinct rows over that release's quasi-identifiers; the candidate and every registered release made with the same
secret are joined on the pseudonym (outer joins: absent from a release is a value too), and each pseudonym's
combination of signatures must be shared by at least k pseudonyms.

Why DuckDB: at 10x one learners release has 3.6 million pseudonyms; the same joins in polars, each signature one
string, took a learners release made with --reuse-secret to 4,333 MiB (benchmarks/RESULTS-10x.md). Here DuckDB
reads each registered release's Parquet file where it lies in the register and the candidate's table from a
Parquet copy in a private temporary folder, works under a quarter of the release's cap and spills what does not fit.

Each distinct row of a release gets a number; a signature is that number, or the sorted numbers of a pseudonym's
rows (`1,5,9`), so equal sets give equal signatures and nothing else does (a null is a null; no separator inside a
value can make two rows look alike), and a pseudonym absent from a release has a null signature, distinct from every
present one. Column names come from register entries: they are checked against the file's own columns and quoted;
paths and k are parameters; nothing read from a file becomes SQL text.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from warehouse import resources
from warehouse.db import ident


class AuditInputError(ValueError):
    """A registered release's entry does not match its data (a missing table or column)."""


@dataclass(frozen=True)
class Side:
    """One table of the join: where the query reads it (SQL of ours: a view name or `read_parquet($path1)`), its
    pseudonym column and quasi-identifiers (names from the register: quoted, and checked against its columns)."""

    view: str
    pseudonym: str
    quasi_identifiers: list[str]


@dataclass(frozen=True)
class Verdict:
    """The audit's counts: pseudonyms in combined classes smaller than k, all pseudonyms joined, smallest class."""

    below: int
    joined: int
    smallest: int | None


#: DuckDB's part of the release's cap in this audit: a quarter. The release holds its own tables in Python by now
#: (1,365 MiB resident before the audit of a 10x learners release); what DuckDB does not get it spills, and at 10x
#: the audit takes about as long under 256MB as under 1GB (7 s against 6.5 s).
SHARE = 4


def _checked(side: Side, columns: list[str], what: str) -> Side:
    missing = [c for c in [side.pseudonym, *side.quasi_identifiers] if c not in columns]
    if missing:
        raise AuditInputError(f"{what} has no column {missing[0]!r} (named as its pseudonym or a quasi-identifier)")
    return side


def _signatures(i: int, side: Side) -> list[str]:
    """SQL CTEs ending in `s{i}`: one row per pseudonym (`p`) with its signature (`s`), the set of its distinct
    rows over the quasi-identifiers. Each distinct row gets a number (`rid`, `r{i}`); a pseudonym with one row has
    that number as its signature, one with several the sorted list of them (`1,5,9`): equal sets, equal strings,
    and only numbers in the big steps (DuckDB's list and ordered aggregates keep their state outside its cap)."""
    qis = side.quasi_identifiers
    columns = [f"{ident(q)} as q{j}" for j, q in enumerate(qis)] or ["0 as q0"]
    names = [f"q{j}" for j in range(len(columns))]
    same = " and ".join(f"v.{q} is not distinct from r.{q}" for q in names)
    return [
        f"v{i} as (select {ident(side.pseudonym)} as p, {', '.join(columns)} from {side.view})",
        f"r{i} as (select *, row_number() over () as rid from (select distinct {', '.join(names)} from v{i}))",
        f"pr{i} as (select distinct v.p, r.rid from v{i} as v join r{i} as r on {same})",
        f"n{i} as (select p, count(*) as n, min(rid) as rid from pr{i} group by p)",
        f"m{i} as (select pr.p, array_to_string(list_sort(list(pr.rid)), ',') as s from pr{i} as pr "
        f"join n{i} as n on pr.p is not distinct from n.p and n.n > 1 group by pr.p)",
        f"s{i} as (select n.p, coalesce(m.s, n.rid::varchar) as s from n{i} as n "
        f"left join m{i} as m on n.p is not distinct from m.p)",
    ]


def _query(sides: list[Side]) -> str:
    """SQL: the verdict's counts over the outer joins of every side's signatures on the pseudonym (`$k` is k)."""
    ctes = [cte for i, side in enumerate(sides) for cte in _signatures(i, side)]
    joined = "select p, s as c0 from s0"
    for i in range(1, len(sides)):
        kept = ", ".join(f"j.c{c}" for c in range(i))
        joined = (
            f"select coalesce(j.p, s{i}.p) as p, {kept}, s{i}.s as c{i} "
            f"from ({joined}) as j full join s{i} on j.p = s{i}.p"
        )
    columns = ", ".join(f"c{i}" for i in range(len(sides)))
    return (
        f"with {', '.join(ctes)}, joined as ({joined}), "
        f"sizes as (select count(*) as n from joined group by {columns}) "
        "select coalesce(sum(n) filter (where n < $k), 0)::bigint, coalesce(sum(n), 0)::bigint, min(n) from sizes"
    )


#: Characters DuckDB's read_parquet takes as a pattern: a path with one of them could read other files as well
GLOB = set("*?[]{}")


def _open(con: duckdb.DuckDBPyConnection, i: int, path: Path, params: dict) -> tuple[str, list[str]]:
    """Where the query reads one Parquet file (the candidate's table or a registered one), and its columns: where
    it lies (`read_parquet($path{i})`, the path a parameter), unless DuckDB would take the path as a pattern (a
    folder named `data[1]`): then that one file is copied into a DuckDB temporary table (spilled beyond its cap)."""
    if GLOB.isdisjoint(str(path)):
        params[f"path{i}"] = str(path)
        source = f"read_parquet($path{i})"
        described = con.sql(f"describe select * from {source}", params={f"path{i}": str(path)}).fetchall()
        return source, [row[0] for row in described]
    source = f"source_{i}"
    parquet = pq.ParquetFile(path)
    batches = pa.RecordBatchReader.from_batches(parquet.schema_arrow, parquet.iter_batches(batch_size=65_536))
    con.register(f"{source}_batches", batches)
    con.execute(f"create temporary table {source} as select * from {source}_batches")
    con.unregister(f"{source}_batches")
    return source, [row[0] for row in con.sql(f"describe {source}").fetchall()]


def verdict(
    candidate: pl.DataFrame,
    side: tuple[str, list[str]],
    registered: list[tuple[Path, str, list[str]]],
    k: int,
    *,
    memory_limit: str | None = None,
    spill_near: Path | None = None,
) -> Verdict:
    """Join the candidate's table (its pseudonym column and quasi-identifiers: `side`) with each registered
    release's Parquet file (path, pseudonym, quasi-identifiers) and count. DuckDB gets a quarter (`SHARE`) of the
    release's cap (`memory_limit`, as `pars release` has it); the rest is the release's own frames in Python. It
    spills into a private folder beside `spill_near` (the warehouse), removed at the end."""
    pseudonym, qis = side
    for path, _pseudonym, _qis in registered:
        if not path.is_file():
            raise AuditInputError(f"{path.parent.parent.name}: its register entry names {path.name}, which is missing")
    checked = _checked(Side("candidate", pseudonym, list(qis)), candidate.columns, "the new release's table")
    with resources.reading(spill_near or Path(tempfile.gettempdir()) / "pars-audit", memory_limit) as chosen:
        # the candidate's table is read from a Parquet file too: scanned from Arrow, DuckDB held about 500 MiB more
        # beyond its cap at 10x (1,125 MiB against 615 above the release's own frames)
        written = Path(chosen["temp_directory"]) / "candidate.parquet"
        candidate.select(list(dict.fromkeys([checked.pseudonym, *checked.quasi_identifiers]))).write_parquet(written)
        con = duckdb.connect()
        try:
            resources.apply_settings(con, {**chosen, "memory_limit": resources.share(chosen["memory_limit"], SHARE)})
            # no order to keep: with it DuckDB held 1,394 MiB under a 512MB limit at 10x, without it 803
            con.execute("set preserve_insertion_order = false")
            params: dict = {}
            sides = [Side(_open(con, 0, written, params)[0], checked.pseudonym, checked.quasi_identifiers)]
            for i, (path, other_pseudonym, other_qis) in enumerate(registered, start=1):
                source, columns = _open(con, i, path, params)
                sides.append(_checked(Side(source, other_pseudonym, list(other_qis)), columns, path.parent.parent.name))
            ((below, joined, smallest),) = con.sql(_query(sides), params={**params, "k": int(k)}).fetchall()
        finally:
            con.close()
    return Verdict(int(below), int(joined), None if smallest is None else int(smallest))

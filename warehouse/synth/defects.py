"""Defect injection and the expected outcome of loading it, by docs/loading.md's precedence.

Every injected row breaks exactly one rule that is certain from precedence: either an edited row (in
place, or a copy under a fresh key when editing would break a key that children reference), an
appended copy (exact duplicate, key conflict) or a new row. The expected outcome is then computed per
row like the loader must: field count, exact duplicates, key conflicts (all rows of a group), the row's
own column/row rule, references (parent quarantined -> parent_rejected, parent absent ->
unknown_reference), cross-file rules. Parent key sets are carried from file to file, so children and
grandchildren of quarantined rows cascade to parent_rejected.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from warehouse.contract import FILES, FILES_BY_NAME

from .defect_base import Ctx, Kind, comp
from .defect_kinds import FORMULAS, FRESH_KEY, KINDS
from .util import part_rng
from .writer import render_lines

#: Files whose keys other files reference (their first defect of a kind is a copy, so that "at least
#: one of each kind" does not wipe out a small export's children).
PARENTS = {"providers", "accreditation_decisions", "activities", "activity_moc_registrations"}
#: Parent key sets that hold for one reporting year only (children never cross years).
PER_YEAR = {"activities", "activity_moc_registrations"}


@dataclass
class FileStats:
    read: int = 0
    loaded: int = 0
    duplicates: int = 0
    quarantined: Counter = field(default_factory=Counter)


class Defects:
    """Injects defects into raw frames (rate > 0) and keeps the expected load summary per file."""

    def __init__(self, rate: float, seed: int, first: int, last: int) -> None:
        self.rate, self.seed, self.first, self.last = rate, seed, first, last
        self.stats = {f.name: FileStats() for f in FILES}
        self.done: dict[str, set[str]] = {f.name: set() for f in FILES}
        self.ok: dict[str, pl.Series] = {}
        self.bad: dict[str, pl.Series] = {}
        self.chunks: Counter = Counter()
        self._fresh = 0

    def fresh(self, n: int) -> pl.Series:
        """n numbers never handed out before in this export (for fresh keys and unknown references)."""
        block = pl.Series(np.arange(self._fresh + 1, self._fresh + n + 1, dtype=np.int64))
        self._fresh += n
        return block

    def process(self, name: str, raw: pl.DataFrame, ctx: dict) -> tuple[pl.DataFrame, bytes, int]:
        """Return the rows to write, extra pre-rendered lines and their count; record the outcome."""
        if self.rate == 0:
            st = self.stats[name]
            st.read += raw.height
            st.loaded += raw.height
            return raw, b"", 0
        self.chunks[name] += 1
        year = int(ctx.get("year", 0))
        rng = part_rng(self.seed, year, f"defects/{name}/{self.chunks[name]}")
        c = Ctx(
            year=year,
            first=self.first,
            last=self.last,
            activities=ctx.get("activities"),
            moc=ctx.get("moc"),
            ok=self.ok,
            fresh=self.fresh,
        )
        frame, lines = self._inject(name, raw, rng, c)
        self._evaluate(name, frame, lines)
        n_lines = lines.height
        return frame.drop("_r", "_own", "_x"), render_lines(lines.with_columns(pl.lit("X").alias("_extra"))), n_lines

    # --- injection ---------------------------------------------------------------------------------

    def _counts(self, name: str, kinds: list[Kind], n: int, rng: np.random.Generator) -> list[int]:
        total = round(self.rate * n)
        base = np.full(len(kinds), total // max(len(kinds), 1))
        if kinds:
            base[rng.choice(len(kinds), total % len(kinds), replace=False)] += 1
        return [max(int(b), 0 if k.name in self.done[name] else 1) for b, k in zip(base, kinds, strict=True)]

    def _inject(
        self, name: str, raw: pl.DataFrame, rng: np.random.Generator, ctx: Ctx
    ) -> tuple[pl.DataFrame, pl.DataFrame]:
        spec = FILES_BY_NAME[name]
        n = raw.height
        work = raw.with_columns(
            pl.int_range(n, dtype=pl.Int64).alias("_r"),
            pl.lit(None, pl.String).alias("_own"),
            pl.lit(None, pl.String).alias("_x"),
        )
        kinds = [k for k in KINDS[name] if k.applies(ctx)]
        used = np.zeros(n, bool)
        edits: list[pl.DataFrame] = []
        added: list[pl.DataFrame] = []
        lines: list[pl.DataFrame] = []
        for kind, m in zip(kinds, self._counts(name, kinds, n, rng), strict=True):
            if m == 0:
                continue
            if kind.mode == "new":
                rows = kind.make(pl.DataFrame(), rng, ctx, m)
                if rows.height:
                    added.append(self._label(rows.select(spec.column_names), kind))
                    self.done[name].add(kind.name)
                continue
            eligible = (
                np.ones(n, bool)
                if kind.where is None or n == 0
                else raw.select(kind.where(ctx).fill_null(False))[:, 0].to_numpy()
            )
            free = np.nonzero(eligible & ~used)[0]
            if kind.unique_by and len(free):
                firsts = raw[free].select(pl.struct(list(kind.unique_by)).is_first_distinct())[:, 0].to_numpy()
                free = free[firsts]
            if kind.mode in ("dup", "dupkey"):
                idx = rng.permutation(free)[:m] if not kind.prefer else self._prefer(raw, free, m, kind, ctx, rng)
                used[idx] = True
                if len(idx):
                    src = raw[np.sort(idx)]
                    rows = src if kind.mode == "dup" else kind.make(src, rng, ctx, len(idx))
                    added.append(self._label(rows, None))
                    self.done[name].add(kind.name)
                continue
            copy_first = name in PARENTS and kind.name not in self.done[name]
            n_place = 0 if (kind.mode == "lines" or not kind.inplace) else min(len(free), m - int(copy_first))
            place = rng.permutation(free)[:n_place]
            used[place] = True
            pool = np.nonzero(eligible)[0]
            n_copy = m - len(place) if len(pool) else 0
            if len(place):
                edited = kind.make(work[np.sort(place)].select(spec.column_names), rng, ctx, len(place))
                edits.append(self._label(edited, kind).with_columns(pl.Series("_r", np.sort(place).astype(np.int64))))
            if n_copy:
                src = raw[rng.choice(pool, n_copy, replace=len(pool) < n_copy)]
                src = self._fresh_key(name, src)
                if kind.mode == "lines":
                    lines.append(src)
                else:
                    added.append(self._label(kind.make(src, rng, ctx, n_copy), kind))
            if len(place) or n_copy:
                self.done[name].add(kind.name)
        self._formulas(name, raw, used, edits, ctx, rng)
        if edits:
            touched = pl.concat(edits, how="diagonal_relaxed")["_r"]
            work = pl.concat(
                [work.filter(~pl.col("_r").is_in(touched.implode())), *[e.select(work.columns) for e in edits]]
            ).sort("_r")
        extra = [a.with_columns(pl.lit(None, pl.Int64).alias("_r")).select(work.columns) for a in added]
        work = pl.concat([work, *extra], how="vertical_relaxed")
        work = work.with_columns(pl.int_range(pl.len(), dtype=pl.Int64).alias("_r"))
        empty = pl.DataFrame(schema={c: pl.String for c in spec.column_names})
        return work, (pl.concat(lines) if lines else empty).select(spec.column_names)

    def _prefer(
        self, raw: pl.DataFrame, free: np.ndarray, m: int, kind: Kind, ctx: Ctx, rng: np.random.Generator
    ) -> np.ndarray:
        """Pick preferred rows first (key conflicts on parents that have children, so the cascade shows)."""
        pref = raw[free].select(kind.prefer(ctx).fill_null(False))[:, 0].to_numpy()
        ranked = np.r_[rng.permutation(free[pref]), rng.permutation(free[~pref])]
        return ranked[:m]

    def _fresh_key(self, name: str, rows: pl.DataFrame) -> pl.DataFrame:
        suffix = "-D" + self.fresh(rows.height).cast(pl.String)
        return rows.with_columns([(pl.col(c) + suffix).alias(c) for c in FRESH_KEY[name]])

    @staticmethod
    def _label(rows: pl.DataFrame, kind: Kind | None) -> pl.DataFrame:
        own = kind.rule if kind is not None and kind.stage == "own" else None
        x = kind.rule if kind is not None and kind.stage == "ref" else None
        return rows.with_columns(pl.lit(own, pl.String).alias("_own"), pl.lit(x, pl.String).alias("_x"))

    def _formulas(
        self,
        name: str,
        raw: pl.DataFrame,
        used: np.ndarray,
        edits: list[pl.DataFrame],
        ctx: Ctx,
        rng: np.random.Generator,
    ) -> None:
        """A few text values that look like spreadsheet formulas; they are valid and must load."""
        if name not in FORMULAS or f"formula:{name}" in self.done[name] or raw.height == 0:
            return
        column, values, where = FORMULAS[name]
        ok = raw.select(where(ctx).fill_null(False))[:, 0].to_numpy() & ~used
        idx = np.sort(rng.permutation(np.nonzero(ok)[0])[: len(values)])
        if len(idx) == 0:
            return
        used[idx] = True
        rows = raw[idx].with_columns(pl.Series(column, list(values[: len(idx)]), dtype=pl.String))
        edits.append(self._label(rows, None).with_columns(pl.Series("_r", idx.astype(np.int64))))
        self.done[name].add(f"formula:{name}")

    # --- expected outcome ----------------------------------------------------------------------------

    def _evaluate(self, name: str, frame: pl.DataFrame, lines: pl.DataFrame) -> None:
        spec = FILES_BY_NAME[name]
        st = self.stats[name]
        st.read += frame.height + lines.height
        if lines.height:
            st.quarantined["field_count"] += lines.height
        first = frame.select(pl.struct(list(spec.column_names)).is_first_distinct())[:, 0]
        st.duplicates += int((~first).sum())
        rest = frame.filter(first)
        key = comp(spec.key)
        rest = rest.with_columns(key.is_duplicated().alias("_dk"))
        for unique in spec.unique:
            clash = pl.when(~pl.col("_dk")).then(comp(unique)).otherwise(None)
            rest = rest.with_columns((pl.col("_dk") | (clash.is_duplicated() & clash.is_not_null())).alias("_dk"))
        rule = pl.when(pl.col("_dk")).then(pl.lit("duplicate_key")).when(pl.col("_own").is_not_null()).then("_own")
        for ref in spec.references:
            child = comp(ref.columns)
            ok = self.ok.get(ref.parent, pl.Series([], dtype=pl.String)).implode()
            bad = self.bad.get(ref.parent, pl.Series([], dtype=pl.String)).implode()
            rule = (
                rule.when(~child.is_in(ok) & child.is_in(bad))
                .then(pl.lit("parent_rejected"))
                .when(~child.is_in(ok))
                .then(pl.lit("unknown_reference"))
            )
        rule = rule.when(pl.col("_x").is_not_null()).then("_x").otherwise(pl.lit("loaded"))
        rest = rest.with_columns(rule.alias("_rule"))
        for r, count in rest.group_by("_rule").len().iter_rows():
            if r == "loaded":
                st.loaded += count
            else:
                st.quarantined[r] += count
        if name in PARENTS:
            keys = rest.select(key.alias("k"), "_rule")
            loaded = keys.filter(pl.col("_rule") == "loaded")["k"]
            rejected = keys.filter(pl.col("_rule") != "loaded")["k"]
            if name in PER_YEAR or name not in self.ok:
                self.ok[name], self.bad[name] = loaded, rejected
            else:
                self.ok[name] = pl.concat([self.ok[name], loaded])
                self.bad[name] = pl.concat([self.bad[name], rejected])

    def expected(self, export_id: str) -> dict:
        """The `expected.json` document: per file read = loaded + quarantined + duplicates."""
        files = {}
        for spec in FILES:
            st = self.stats[spec.name]
            assert st.read == st.loaded + st.duplicates + sum(st.quarantined.values()), spec.name
            files[f"{spec.name}.csv"] = {
                "read": st.read,
                "loaded": st.loaded,
                "quarantined": dict(sorted(st.quarantined.items())),
                "duplicates": st.duplicates,
            }
        return {"export_id": export_id, "defects": self.rate, "files": files}

"""Per-class (multidimensional) generalization of a small table of units over ARX-layout hierarchies.

The full-domain search (`engine.anonymize`) puts every unit of a column at the same hierarchy level. On a small
table that is costly: with 34 providers (the demo) the optimum under k = 11 keeps the accreditor group and sets the
organization type to `*` for everyone. Here each unit gets its own released tuple, any generalization of its own
values (a mix of levels across units), under one rule: every distinct released tuple is shared by at least k units
(so the prosecutor risk is at most 1/k, and an adversary who knows every unit's true values and recomputes the
classes still has at least k candidates for each). Classes of different levels may overlap in meaning (a class
`(Academic or health care delivery, State)` beside a class `(*, *)` holding the rest): each is a released tuple of
at least k units.

Among all such assignments the one chosen maximizes, in this order: the number of columns that are not `*` for
every unit (so no column is entirely suppressed when any k-anonymous assignment avoids it), then the kept detail
weighted by each unit's weight (activity rows): a value at level j of a hierarchy of height h keeps (h - j) / h.
Units with the same true values are interchangeable for k, so the problem is a small integer program over
(true tuple, released tuple) counts, solved exactly with HiGHS (`scipy.optimize.milp`); within a true tuple the
units of larger weight get the more detailed released tuples, ties by unit id. The result is deterministic.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
from scipy.optimize import Bounds, LinearConstraint, milp

SUPPRESSED = "*"


@dataclass
class PerClassResult:
    table: pl.DataFrame
    report: dict


def read_tree(path: Path) -> dict[str, list[str]]:
    """Leaf -> its released values from level 0 (itself) to the root `*`, from an ARX-layout hierarchy file."""
    tree = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            parts = line.split(";")
            tree[parts[0]] = parts
    return tree


def _chain(tree: dict[str, list[str]], value, name: str) -> list[str]:
    height = len(next(iter(tree.values())))
    if value is None:
        return [SUPPRESSED] * height  # a missing value can only be released as `*`
    if str(value) not in tree:
        raise ValueError(f"{name}: value {str(value)[:60]!r} is not in its hierarchy")
    return tree[str(value)]


def generalize(
    units: pl.DataFrame, unit: str, trees: dict[str, dict[str, list[str]]], k: int, weights: dict | None = None
) -> PerClassResult:
    """Each unit's released tuple over the columns of `trees`, every tuple shared by >= k units.

    `weights` maps a unit to its weight (activity rows; 1 when absent). Raises ValueError when fewer than k units.
    """
    names = list(trees)
    n = units.height
    if n < k:
        raise ValueError(f"k={k} but there are only {n} units: no class can hold k of them")
    ids = [str(v) for v in units[unit].to_list()]
    if len(set(ids)) != n:
        raise ValueError(f"{unit}: one row per unit expected")
    heights = {c: len(next(iter(trees[c].values()))) - 1 for c in names}
    chains = {c: [_chain(trees[c], v, c) for v in units[c].to_list()] for c in names}
    truth = [tuple(chains[c][i][0] if units[c][i] is not None else None for c in names) for i in range(n)]
    given = {str(u): w for u, w in (weights or {}).items()}
    weight = [float(given.get(u, 1.0)) for u in ids]

    leaves = sorted(set(truth), key=lambda t: tuple("" if v is None else v for v in t))
    members = {leaf: [i for i in range(n) if truth[i] == leaf] for leaf in leaves}
    options = {}  # leaf -> [(released tuple, levels)], most detailed first
    for leaf in leaves:
        i = members[leaf][0]
        per_column = [list(enumerate(chains[c][i])) for c in names]
        combos = {}
        for picked in itertools.product(*per_column):
            released = tuple(v for _, v in picked)
            levels = tuple(heights[c] if v == SUPPRESSED else lv for c, (lv, v) in zip(names, picked, strict=True))
            if released not in combos or sum(levels) < sum(combos[released]):
                combos[released] = levels
        options[leaf] = sorted(combos.items(), key=lambda kv: (sum(kv[1]), kv[1], kv[0]))
    tuples = sorted({t for leaf in leaves for t, _ in options[leaf]})
    index = {t: j for j, t in enumerate(tuples)}

    # variables: x[leaf, tuple] (integer units), y[tuple] (binary: used), z[column] (binary: not all `*`)
    pairs = [(leaf, t, lv) for leaf in leaves for t, lv in options[leaf]]
    nx, ny, nz = len(pairs), len(tuples), len(names)
    total = nx + ny + nz
    keep = [sum((heights[c] - lv[j]) / heights[c] for j, c in enumerate(names) if heights[c]) for _, _, lv in pairs]
    mean_weight = {leaf: sum(weight[i] for i in members[leaf]) / len(members[leaf]) for leaf in leaves}
    gain = np.array([mean_weight[leaf] * keep[p] for p, (leaf, _, _) in enumerate(pairs)])
    big = float(gain.sum()) * len(names) + 1.0
    cost = np.concatenate([-gain, np.zeros(ny), -big * np.ones(nz)])
    rows, lower, upper = [], [], []

    def constraint(coefficients: dict[int, float], lo: float, hi: float) -> None:
        row = np.zeros(total)
        for j, v in coefficients.items():
            row[j] += v
        rows.append(row)
        lower.append(lo)
        upper.append(hi)

    for leaf in leaves:  # every unit gets exactly one released tuple
        constraint({p: 1.0 for p, (lf, _, _) in enumerate(pairs) if lf == leaf}, len(members[leaf]), len(members[leaf]))
    for t in tuples:  # a used tuple holds >= k units; an unused one none
        used = nx + index[t]
        inside = {p: 1.0 for p, (_, tt, _) in enumerate(pairs) if tt == t}
        constraint({**inside, used: -float(k)}, 0.0, np.inf)
        constraint({**inside, used: -float(n)}, -np.inf, 0.0)
    for j in range(nz):  # z_c = 1 only if some unit shows a value of column c
        shown = {p: -1.0 for p, (_, t, _) in enumerate(pairs) if t[j] != SUPPRESSED}
        constraint({**shown, nx + ny + j: 1.0}, -np.inf, 0.0)
    upper_bounds = [len(members[leaf]) for leaf, _, _ in pairs] + [1] * (ny + nz)
    solved = milp(
        cost,
        constraints=LinearConstraint(np.array(rows), lower, upper),
        integrality=np.ones(total),
        bounds=Bounds(np.zeros(total), np.array(upper_bounds, dtype=float)),
    )
    if solved.x is None:
        raise ValueError(f"no per-class assignment found ({solved.message})")
    counts = np.rint(solved.x[:nx]).astype(int)

    released: list[tuple | None] = [None] * n
    levels: list[tuple | None] = [None] * n
    for leaf in leaves:
        order = sorted(members[leaf], key=lambda i: (-weight[i], ids[i]))
        chosen = [(t, lv, counts[p]) for p, (lf, t, lv) in enumerate(pairs) if lf == leaf and counts[p]]
        chosen.sort(key=lambda c: (sum(c[1]), c[1], c[0]))
        position = 0
        for t, lv, count in chosen:
            for i in order[position : position + count]:
                released[i], levels[i] = t, lv
            position += count
    sizes = Counter(released)
    if None in sizes or min(sizes.values()) < k:  # the solver's answer is checked, never trusted
        raise ValueError(f"per-class assignment broke k={k}: smallest class {min(sizes.values())}")
    table = units.with_columns(pl.Series(c, [r[j] for r in released], dtype=pl.Utf8) for j, c in enumerate(names))
    return PerClassResult(table, _report(names, heights, trees, truth, released, levels, k))


def _report(names, heights, trees, truth, released, levels, k) -> dict:
    """The keys of `engine.anonymize`'s report that a release reads: risk, levels, quality."""
    n = len(released)
    sizes = Counter(released)
    histogram = Counter(sizes.values())
    truth_sizes = Counter(truth)

    def covers(t, leaf) -> bool:
        return all(
            v == SUPPRESSED or (leaf[j] is not None and v in trees[c][leaf[j]])
            for j, (c, v) in enumerate(zip(names, t, strict=True))
        )

    population = {t: sum(1 for leaf in truth if covers(t, leaf)) for t in sizes}
    domain = {c: len(trees[c]) for c in names}

    def share(c, value) -> float:
        under = sum(1 for chain in trees[c].values() if value in chain)
        return (under - 1) / (domain[c] - 1) if domain[c] > 1 else 0.0

    loss = {
        c: round(sum(share(c, r[j]) if r[j] != SUPPRESSED else 1.0 for r in released) / n, 6)
        for j, c in enumerate(names)
    }
    level_text = {}
    for j, c in enumerate(names):
        spread = Counter(lv[j] for lv in levels)
        level_text[c] = "per class: " + ", ".join(f"level {lv} {spread[lv] / n:.0%}" for lv in sorted(spread))
    return {
        "method": "per_class",
        "levels": level_text,
        "risk": {
            "records": n,
            "classes": len(sizes),
            "k": min(sizes.values()),
            "l": {},
            "class_size_histogram": {str(s): histogram[s] for s in sorted(histogram)},
            "suppressed_records": 0,
            "suppressed_share": 0.0,
            "prosecutor_risk": {"max": 1 / min(sizes.values()), "average": len(sizes) / n},
            "journalist_risk": {
                "population": "the input table",
                "max": max(1 / p for p in population.values()),
                "average": sum(1 / population[r] for r in released) / n,
            },
            "marketer_risk": len(sizes) / n,
            "sample_uniques": {
                "before": round(sum(1 for t in truth if truth_sizes[t] == 1) / n, 6),
                "after": round(sum(1 for r in released if sizes[r] == 1) / n, 6),
            },
        },
        "quality": {"granularity": round(1 - sum(loss.values()) / len(names), 6), "loss_per_attribute": loss},
        "k": k,
    }

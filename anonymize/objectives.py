"""Search objectives, each split into a per-attribute total plus a suppression penalty.

Every objective is `aggregate(T)` where `T[i]` is attribute i's total over all records and
`aggregate` is increasing in each `T[i]`. Without suppression `T[i]` depends only on the node's
level for i (precomputed once), which gives a lower bound that only grows with generalization
(ARX's bound for Flash); suppressed records only add to `T[i]`. The lattice search prunes with both.

- `loss`: ARX's Loss metric (MetricMDNMLoss, its default): per attribute the records' domain shares
  (leaves covered / leaves; a suppressed cell covers all), normalized as (mean - 1/leaves) /
  (1 - 1/leaves), combined by ARX's geometric mean (prod(1 + v))^(1/q) - 1. This is what ARX
  minimizes, so it reproduces ARX's optimum.
- `granularity`: the README's aggregate loss, i.e. 1 - the reported quality, minimized directly; it
  can beat ARX's quality because ARX minimizes a different function of the same shares.
- `entropy`: ARX's precomputed non-uniform entropy in its default, non-monotone form
  (MetricMDNUNMEntropyPrecomputed): sum of a*log2(b/a) over leaf values (a = count of the value, b =
  count of its generalization) plus, for the suppressed records, c*log2(S/c) over their values.
"""

from __future__ import annotations

import numpy as np

from .hierarchy import Hierarchy
from .transform import CodedTable, Evaluation


def leaf_frequencies(table: CodedTable) -> list[np.ndarray]:
    """Records per leaf value, from a table still at the leaves."""
    return [
        np.bincount(table.codes[:, i], weights=table.weights, minlength=h.size(0))
        for i, h in enumerate(table.hierarchies)
    ]


def shares(h: Hierarchy, level: int) -> np.ndarray:
    """ARX's domain share of every code at `level`: leaves covered / all leaves."""
    return h.leaf_counts(level) / h.size(0)


class ShareObjective:
    """Shared part of `loss` and `granularity`: totals of domain shares, suppressed cells count 1."""

    name = "granularity"

    def __init__(self, hierarchies: tuple[Hierarchy, ...], frequencies: list[np.ndarray]) -> None:
        self.n = float(frequencies[0].sum())
        self.inverse_leaves = np.array([1.0 / h.size(0) for h in hierarchies])
        self.shares = [[shares(h, lv) for lv in range(h.height)] for h in hierarchies]
        self.totals = [
            np.array([float(f @ s[h.maps[lv]]) for lv, s in enumerate(sh)])
            for h, f, sh in zip(hierarchies, frequencies, self.shares, strict=True)
        ]

    def penalty(self, table: CodedTable, ev: Evaluation) -> np.ndarray:
        rows = ev.row_suppressed
        weights = table.weights[rows].astype(np.float64)  # int @ float is numpy's slow path
        return np.array(
            [
                float(weights @ (1.0 - self.shares[i][lv][codes[rows]]))
                for i, (lv, codes) in enumerate(zip(ev.levels, ev.generalized, strict=True))
            ]
        )

    def per_attribute(self, totals: np.ndarray) -> np.ndarray:
        """Normalized loss per attribute, 0 = leaves kept, 1 = all suppressed."""
        with np.errstate(invalid="ignore", divide="ignore"):
            value = (totals / self.n - self.inverse_leaves) / (1.0 - self.inverse_leaves)
        return np.clip(np.nan_to_num(value), 0.0, None)

    def aggregate(self, totals: np.ndarray) -> np.ndarray:
        floor = self.inverse_leaves.mean()
        return (np.mean(totals, axis=-1) / self.n - floor) / (1.0 - floor)


class LossObjective(ShareObjective):
    name = "loss"

    def aggregate(self, totals: np.ndarray) -> np.ndarray:
        return np.exp(np.mean(np.log1p(self.per_attribute(totals)), axis=-1)) - 1.0


class EntropyObjective:
    name = "entropy"
    needs_leaves = True

    def __init__(self, hierarchies: tuple[Hierarchy, ...], frequencies: list[np.ndarray]) -> None:
        self.totals = []
        for h, a in zip(hierarchies, frequencies, strict=True):
            values = []
            for lv in range(h.height):
                b = np.bincount(h.maps[lv], weights=a, minlength=h.size(lv))[h.maps[lv]]
                present = a > 0
                values.append(float((a[present] * np.log2(b[present] / a[present])).sum()))
            self.totals.append(np.array(values))

    def penalty(self, table: CodedTable, ev: Evaluation) -> np.ndarray:
        rows = ev.row_suppressed
        weights = table.weights[rows]
        total = weights.sum()
        result = np.zeros(table.codes.shape[1])
        if total == 0:
            return result
        for i in range(table.codes.shape[1]):
            counts = np.bincount(table.codes[rows, i], weights=weights)
            counts = counts[counts > 0]
            result[i] = float((counts * np.log2(total / counts)).sum())
        return result

    def aggregate(self, totals: np.ndarray) -> np.ndarray:
        return np.sum(totals, axis=-1)


def make_objective(name: str, hierarchies: tuple[Hierarchy, ...], frequencies: list[np.ndarray]):
    kinds = {"loss": LossObjective, "granularity": ShareObjective, "entropy": EntropyObjective}
    return kinds[name](hierarchies, frequencies)

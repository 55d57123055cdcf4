"""Optimal full-domain generalization: an exact search over the lattice with Flash/OLA-style pruning.

Two monotonicity facts prune the lattice without losing the optimum:
1. k-anonymity with suppression (ARX's criterion: classes under k or not l-diverse are suppressed, and
   at most the limit may be) is monotone: if a node fails, every specialization fails. One failing
   node excludes its whole down-set.
2. The objective's no-suppression part only grows with generalization, and suppression only adds to
   it (objectives.py). So a node whose bound exceeds the best value found so far is skipped. When an
   anonymous node X is evaluated, every specialization Y of X suppresses at least X's suppressed
   records, each at a cost at least as high as under X: that penalty is added to Y's bound.
Order: a greedy descent from the top finds a good anonymous node; then nodes are visited from the
most general down (a failing general node prunes most), cheapest bound first within a height.

Ties: the lowest objective (12 significant digits), then the fewest generalization steps (ARX's
tie rule: the lower lattice level), then the fewest suppressed records, then the lexicographically
smallest level vector.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from .transform import Evaluation, Evaluator

MAX_NODES = 5_000_000
REBASE_EVERY = 32


class InfeasiblePolicy(ValueError):
    """No generalization meets the policy; the message says why."""


@dataclass
class SearchResult:
    levels: tuple[int, ...]
    value: float
    evaluation: Evaluation
    stats: dict = field(default_factory=dict)


def _rank(value: float, ev: Evaluation) -> tuple:
    return (float(f"{value:.12g}"), sum(ev.levels), ev.suppressed, ev.levels)


class LatticeSearch:
    def __init__(self, evaluator: Evaluator, objective, rebase: bool = True) -> None:
        heights = [h.height for h in evaluator.table.hierarchies]
        total = int(np.prod(heights))
        if total > MAX_NODES:
            raise InfeasiblePolicy(
                f"the generalization lattice has {total:,} nodes (more than {MAX_NODES:,}): "
                "use fewer quasi-identifiers or fewer hierarchy levels"
            )
        self.evaluator = evaluator
        self.objective = objective
        self.rebase_allowed = rebase and not getattr(objective, "needs_leaves", False)
        self.heights = np.array(heights)
        self.nodes = np.stack(np.unravel_index(np.arange(total), heights), axis=1).astype(np.int16)
        self.base_totals = np.stack([objective.totals[i][self.nodes[:, i]] for i in range(len(heights))], axis=1)
        self.bound = objective.aggregate(self.base_totals)
        # at_most[i][v]: nodes whose level for attribute i is <= v (down-sets are ANDs of these)
        self.at_most = [[self.nodes[:, i] <= v for v in range(h)] for i, h in enumerate(heights)]
        self.failed = np.zeros(total, dtype=bool)
        self.done = np.zeros(total, dtype=bool)
        self.best: SearchResult | None = None
        self.evaluated = 0
        self.rebases = 0

    def _below(self, levels) -> np.ndarray:
        """Mask of the down-set of `levels` (the node and all its specializations)."""
        below = self.at_most[0][levels[0]].copy()
        for i in range(1, len(levels)):
            below &= self.at_most[i][levels[i]]
        return below

    def exclude_below(self, levels) -> None:
        """Known from outside to fail (and so do its specializations): never evaluate them."""
        self.failed |= self._below(levels)

    def _index(self, levels: np.ndarray) -> int:
        return int(np.ravel_multi_index(tuple(int(v) for v in levels), tuple(self.heights)))

    def _slack(self) -> float:
        if self.best is None:
            return np.inf
        return self.best.value + abs(self.best.value) * 1e-11 + 1e-12

    def evaluate(self, j: int) -> tuple[Evaluation, float]:
        levels = tuple(int(v) for v in self.nodes[j])
        ev = self.evaluator.classify(levels)
        self.done[j] = True
        self.evaluated += 1
        below = self._below(levels)
        if not ev.anonymous:
            self.failed |= below
            return ev, np.inf
        penalty = self.objective.penalty(self.evaluator.table, ev)
        value = float(self.objective.aggregate(self.base_totals[j] + penalty))
        if ev.valid and (self.best is None or _rank(value, ev) < _rank(self.best.value, self.best.evaluation)):
            self.best = SearchResult(levels, value, ev)
        if penalty.any():
            open_ = np.flatnonzero(below & ~self.done & ~self.failed)
            bound = self.objective.aggregate(self.base_totals[open_] + penalty)
            self.bound[open_] = np.maximum(self.bound[open_], bound)
        return ev, value

    def _descend(self) -> None:
        """Greedy: from the top, step to the best anonymous child until none is left."""
        current = self.heights - 1
        ev, value = self.evaluate(self._index(current))
        if not ev.valid:
            return
        while True:
            options = []
            for i in np.flatnonzero(current > 0):
                child = current.copy()
                child[i] -= 1
                j = self._index(child)
                if self.failed[j] or self.done[j]:
                    continue
                ev, value = self.evaluate(j)
                if ev.valid:
                    options.append((value, j))
            if not options:
                return
            current = self.nodes[min(options)[1]].astype(np.int64)

    def _rebase(self) -> None:
        """Roll the frequency table up to the lowest levels any remaining candidate still needs."""
        if not self.rebase_allowed:
            return
        open_ = ~self.done & ~self.failed & (self.bound <= self._slack())
        if not open_.any():
            return
        floor = tuple(int(v) for v in self.nodes[open_].min(axis=0))
        if any(f > b for f, b in zip(floor, self.evaluator.table.levels, strict=True)):
            self.evaluator.table = self.evaluator.table.rollup(floor)
            self.rebases += 1

    def run(self) -> SearchResult:
        started = time.perf_counter()
        self._descend()
        if self.best is None:
            raise InfeasiblePolicy("no generalization, not even suppressing every quasi-identifier, meets the policy")
        self._rebase()
        order = np.lexsort((self.bound, -self.nodes.sum(axis=1)))
        for j in order:
            if self.done[j] or self.failed[j] or self.bound[j] > self._slack():
                continue
            self.evaluate(int(j))
            if self.evaluated % REBASE_EVERY == 0:
                self._rebase()
        self.best.stats = {
            "nodes": int(len(self.nodes)),
            "evaluated": self.evaluated,
            "pruned_not_anonymous": int((self.failed & ~self.done).sum()),
            "pruned_by_bound": int((~self.failed & ~self.done).sum()),
            "table_rollups": self.rebases,
            "seconds": round(time.perf_counter() - started, 3),
        }
        return self.best


def brute_force(evaluator: Evaluator, objective) -> SearchResult | None:
    """Every node, no pruning: the reference the tests hold the search to (tiny lattices only)."""
    search = LatticeSearch(evaluator, objective, rebase=False)
    for j in range(len(search.nodes)):
        levels = tuple(int(v) for v in search.nodes[j])
        ev = evaluator.classify(levels)
        if not ev.valid:
            continue
        value = float(objective.aggregate(search.base_totals[j] + objective.penalty(evaluator.table, ev)))
        if search.best is None or _rank(value, ev) < _rank(search.best.value, search.best.evaluation):
            search.best = SearchResult(levels, value, ev)
    return search.best

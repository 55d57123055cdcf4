"""Local recoding of the suppressed remainder: give suppressed records a finer recoding than `*`.

After the global optimum X, the records suppressed under X are searched again on their own: the
lattice node Z under which the most of them form classes of >= k (and l-diverse), weighted by the
granularity they keep, is found with the same exact search (any amount of suppression allowed,
objective = granularity of the remainder, suppressed cells counting 1). Those classes are released
recoded under Z; the rest stays suppressed and the next round searches again. Each released class is
itself >= k and l-diverse, so k and l hold for the whole output (classes from different nodes that
happen to print the same can only merge, which never lowers k or l). At the end the remaining
suppressed class must be empty or >= k and l-diverse like any class: recoded classes are given back,
smallest first, until it is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .lattice import InfeasiblePolicy, LatticeSearch
from .objectives import ShareObjective, leaf_frequencies
from .transform import CodedTable, Evaluator, combine, subset

MAX_ROUNDS = 8


@dataclass
class Recoding:
    """Per row of the frequency table: index into `levels` (-1 = suppressed)."""

    levels: list[tuple[int, ...]]
    assignment: np.ndarray
    rounds: int = 0


def _classes(table: CodedTable, levels: tuple[int, ...], rows: np.ndarray) -> np.ndarray:
    """Class id (under `levels`) of each row in `rows`."""
    generalized = [
        h.up(0, lv)[table.codes[rows, i]] for i, (h, lv) in enumerate(zip(table.hierarchies, levels, strict=True))
    ]
    key, _ = combine(generalized, [h.size(lv) for h, lv in zip(table.hierarchies, levels, strict=True)])
    return np.unique(key, return_inverse=True)[1]


def recode(table: CodedTable, levels: tuple[int, ...], suppressed: np.ndarray, k: int, l_div: int | None) -> Recoding:
    """Recode the rows `suppressed` under the global node `levels` (table at the leaves)."""
    assignment = np.where(suppressed, -1, 0)
    chosen = [tuple(levels)]
    rounds = 0
    while rounds < MAX_ROUNDS:
        rows = np.flatnonzero(assignment == -1)
        if table.weights[rows].sum() < k:
            break
        part = subset(table, rows)
        # "anonymous" here means at least one record released: monotone, so a node releasing
        # nobody rules out its specializations, and so do the nodes already used (their leftover
        # classes are under k, and refining them cannot help).
        evaluator = Evaluator(part, k, l_div, max_suppressed=part.n - 1, suppressed_class=False)
        objective = ShareObjective(part.hierarchies, leaf_frequencies(part))
        search = LatticeSearch(evaluator, objective, rebase=False)
        for used in chosen:
            search.exclude_below(used)
        try:
            best = search.run()
        except InfeasiblePolicy:
            break
        released = ~best.evaluation.row_suppressed
        if not released.any():
            break
        chosen.append(best.levels)
        assignment[rows[released]] = len(chosen) - 1
        rounds += 1
    _restore_remainder(table, assignment, chosen, k, l_div or 1)
    return Recoding(chosen, assignment, rounds)


def _remainder_ok(table: CodedTable, rows: np.ndarray, k: int, l_div: int) -> bool:
    weight = table.weights[rows].sum()
    if weight == 0:
        return True
    return weight >= k and all(
        len(np.unique(table.sensitive[rows, j])) >= l_div for j in range(table.sensitive.shape[1])
    )


def _restore_remainder(table: CodedTable, assignment: np.ndarray, chosen: list, k: int, l_div: int) -> None:
    """Give recoded classes back to the suppressed class, smallest first, until it is a valid class."""
    if _remainder_ok(table, assignment == -1, k, l_div):
        return
    groups = []
    for index in range(len(chosen) - 1, 0, -1):
        rows = np.flatnonzero(assignment == index)
        if len(rows):
            ids = _classes(table, chosen[index], rows)
            sizes = np.bincount(ids, weights=table.weights[rows])
            groups += [(sizes[c], index, rows[ids == c]) for c in range(len(sizes))]
    for _, _, rows in sorted(groups, key=lambda g: (g[0], -g[1])):
        assignment[rows] = -1
        if _remainder_ok(table, assignment == -1, k, l_div):
            return

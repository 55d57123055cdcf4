"""Risk and utility of a transformed table, as one JSON-ready dict.

Everything is computed on the frequency table (rows with record counts), where each row carries the
level vector it was released under (the global node, a local-recoding node, or all-`*` when
suppressed). Equivalence classes are the distinct released tuples, so the suppressed records form
one class of their own (or join the all-`*` class), as an attacker would see them.

Risk models (ARX's names), with the input table taken as the population for the journalist:
- prosecutor: the attacker knows the target is in the release; risk of a record = 1 / its class size.
- journalist: the target is in the population (the input); risk = 1 / the number of input records
  whose values generalize to the class's tuple (suppressed records count there too).
- marketer: re-identify as many as possible; expected share = classes / records.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from .objectives import ShareObjective
from .transform import CodedTable, combine


def released_codes(table: CodedTable, levels: list[tuple[int, ...]], assignment: np.ndarray) -> list[np.ndarray]:
    """Per attribute, each row's (level, code) packed as one label index (see `label_table`)."""
    top = tuple(h.height - 1 for h in table.hierarchies)
    vectors = [*levels, top]
    which = np.where(assignment < 0, len(vectors) - 1, assignment)
    result = []
    for i, h in enumerate(table.hierarchies):
        offsets = np.cumsum([0] + [h.size(lv) for lv in range(h.height)])
        packed = np.zeros(table.rows, dtype=np.int64)
        for v, vector in enumerate(vectors):
            rows = which == v
            packed[rows] = offsets[vector[i]] + h.up(0, vector[i])[table.codes[rows, i]]
        result.append(packed)
    return result


def label_table(h) -> list[str]:
    """All labels of a hierarchy, level after level, indexed by the packed codes above."""
    return [label for level in h.labels for label in level]


def _population_counts(table: CodedTable, vector: tuple[int, ...]) -> np.ndarray:
    generalized = [
        h.up(0, lv)[table.codes[:, i]] for i, (h, lv) in enumerate(zip(table.hierarchies, vector, strict=True))
    ]
    key, _ = combine(generalized, [h.size(lv) for h, lv in zip(table.hierarchies, vector, strict=True)])
    _, inverse = np.unique(key, return_inverse=True)
    return np.bincount(inverse, weights=table.weights)[inverse]


def share_totals(objective: ShareObjective, table: CodedTable, levels, assignment) -> np.ndarray:
    """Per attribute, the sum over records of the domain share of the released value (`*` = 1)."""
    totals = np.zeros(len(table.hierarchies))
    suppressed = float(table.weights[assignment < 0].sum())
    groups = [(vector, np.flatnonzero(assignment == v)) for v, vector in enumerate(levels)]
    for i, h in enumerate(table.hierarchies):
        column = table.codes[:, i]
        for vector, rows in groups:
            shares = objective.shares[i][vector[i]][h.up(0, vector[i])[column[rows]]]
            totals[i] += float(np.dot(table.weights[rows].astype(np.float64), shares))
        totals[i] += suppressed
    return totals


def risk_report(table: CodedTable, levels: list[tuple[int, ...]], assignment: np.ndarray, names: list[str]) -> dict:
    """k, l, class sizes, prosecutor/journalist/marketer risk, uniques before/after, loss, suppression."""
    n = table.n
    weights = table.weights
    packed = released_codes(table, levels, assignment)
    spans = [int(p.max()) + 1 for p in packed]
    classes, inverse = np.unique(combine(packed, spans)[0], return_inverse=True)
    size = np.bincount(inverse, weights=weights)
    per_row_size = size[inverse]
    before_key, _ = combine(
        [table.codes[:, i] for i in range(table.codes.shape[1])], [h.size(0) for h in table.hierarchies]
    )
    _, before_inverse = np.unique(before_key, return_inverse=True)
    before_size = np.bincount(before_inverse, weights=weights)[before_inverse]

    population = np.full(table.rows, float(n))
    for v, vector in enumerate(levels):
        rows = assignment == v
        if rows.any():
            population[rows] = _population_counts(table, vector)[rows]
    class_population = np.zeros(len(classes))
    np.maximum.at(class_population, inverse, population)

    l_values = {}
    for j, name in enumerate(names[len(table.hierarchies) :]):
        pairs = np.unique(inverse * table.sensitive_sizes[j] + table.sensitive[:, j])
        distinct = np.bincount(pairs // table.sensitive_sizes[j], minlength=len(classes))
        l_values[name] = int(distinct.min())
    histogram = Counter(int(s) for s in size)
    suppressed = int(weights[assignment < 0].sum())
    return {
        "records": n,
        "classes": int(len(classes)),
        "k": int(size.min()),
        "l": l_values,
        "class_size_histogram": {str(s): histogram[s] for s in sorted(histogram)},
        "suppressed_records": suppressed,
        "suppressed_share": round(suppressed / n, 6),
        "prosecutor_risk": {"max": float(1 / size.min()), "average": float(len(classes) / n)},
        "journalist_risk": {
            "population": "the input table",
            "max": float((1 / class_population).max()),
            "average": float(np.dot(weights.astype(np.float64), 1 / class_population[inverse]) / n),
        },
        "marketer_risk": float(len(classes) / n),
        "sample_uniques": {
            "before": round(float(weights[before_size == 1].sum()) / n, 6),
            "after": round(float(weights[per_row_size == 1].sum()) / n, 6),
        },
    }


def quality_report(objective: ShareObjective, table: CodedTable, levels, assignment, names: list[str]) -> dict:
    """ARX's granularity quality (README of the Adult benchmark) and the loss per attribute."""
    totals = share_totals(objective, table, levels, assignment)
    per_attribute = objective.per_attribute(totals)
    return {
        "granularity": round(1.0 - float(ShareObjective.aggregate(objective, totals)), 6),
        "loss_per_attribute": {name: round(float(v), 6) for name, v in zip(names, per_attribute, strict=False)},
    }

"""The LP audit across rounds of complementary suppression (anonymize/tables/linear_audit.py): a cell proven
protected under a mask stays protected under any larger mask, so the auditor keeps its feasible points (witnesses)
between rounds and solves no LP for it again; a smaller mask drops them. Results equal a fresh auditor's."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from anonymize.tables import suppress, with_margins
from anonymize.tables.linear_audit import Auditor, short_of

DIMS = ["group", "kind"]


def _table(seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    interior = pl.DataFrame(
        [(f"g{g}", f"k{k}", int(v)) for g in range(4) for k in range(5) for v in [rng.choice([0, 3, 40, 900])]],
        schema=["group", "kind", "hours"],
        orient="row",
    )
    return with_margins(interior, DIMS, ["hours"])


def _counting(monkeypatch) -> list[int]:
    calls = []
    solve = Auditor._solve

    def counted(self, *args):
        calls.append(1)
        return solve(self, *args)

    monkeypatch.setattr(Auditor, "_solve", counted)
    return calls


def test_a_cell_proven_protected_is_not_solved_again_when_more_cells_are_suppressed(monkeypatch):
    interior = pl.DataFrame(
        [(f"g{g}", f"k{k}", 100) for g in range(3) for k in range(3)], schema=["group", "kind", "hours"], orient="row"
    )
    table = with_margins(interior, DIMS, ["hours"])
    values = table["hours"].to_numpy().astype(np.int64)
    keys = table.select(DIMS).rows()
    need = np.array([50 if k == ("g0", "k0") else 0 for k in keys])
    mask = np.array([k in {("g0", "k0"), ("g0", "k1"), ("g1", "k0"), ("g1", "k1")} for k in keys])
    auditor = Auditor(table, DIMS, values)
    assert short_of(auditor, mask, need) == []  # the rectangle lets g0 k0 move by 100 either way
    calls = _counting(monkeypatch)
    larger = mask.copy()
    larger[keys.index(("g2", "k1"))] = True  # joins the component through the k1 column: the proof still holds
    assert short_of(auditor, larger, need) == []
    assert calls == []  # no LP: the earlier round's feasible points still prove the interval


@pytest.mark.parametrize("seed", [2, 3, 4])
def test_kept_witnesses_give_a_fresh_auditors_answers_on_growing_and_shrinking_masks(seed):
    table = _table(seed)
    values = table["hours"].to_numpy().astype(np.int64)
    rng = np.random.default_rng(seed)
    need = np.where(rng.random(table.height) < 0.3, rng.integers(1, 200, table.height), 0)
    kept = Auditor(table, DIMS, values)
    masks = []
    mask = need > 0
    for _ in range(6):  # growing, as in complementary suppression
        masks.append(mask.copy())
        mask[rng.choice(table.height, 2, replace=False)] = True
    masks += [need > 0, masks[3]]  # then smaller again: the witnesses must be dropped
    for m in masks:
        assert sorted(short_of(kept, m, need)) == sorted(short_of(Auditor(table, DIMS, values), m, need))
        assert sorted(kept.exposed(m, np.flatnonzero(m), 1, 10)) == sorted(
            Auditor(table, DIMS, values).exposed(m, np.flatnonzero(m), 1, 10)
        )


def test_suppression_still_protects_every_dominated_cell():
    table = _table(5)
    values = table["hours"].to_numpy()
    need = np.where((values > 0) & (values < 50), 3, 0)
    result = suppress(table, DIMS, [], protection={"hours": need})
    found = result.audits["hours (p% rule)"]
    assert found and all(i.protected and i.lo <= i.value - 3 and i.hi >= i.value + 3 for i in found)


def test_the_complement_walk_gathers_the_same_indices_as_scipy_slicing():
    import scipy.sparse as sp

    from anonymize.tables.suppression import _gather

    rng = np.random.default_rng(6)
    for seed in range(40):
        csr = sp.random(12, 15, density=0.25, format="csr", random_state=seed)
        for matrix, size, pick in ((csr, 12, lambda m, p: m[p]), (csr.tocsc(), 15, lambda m, p: m[:, p])):
            picks = np.unique(rng.integers(0, size, rng.integers(0, 6)))
            assert sorted(_gather(matrix, picks).tolist()) == sorted(pick(matrix, picks).indices.tolist())

"""Accreditation histories: a decision sequence per provider that a reviewer would find plausible.

Initial -> Provisional Accreditation (2 years) -> Reaccreditation: Accreditation (4 years, sometimes
with a progress report due), Accreditation with Commendation (6 years), Probation (progress report,
then a Probation Follow-up), or Nonaccreditation; voluntary withdrawals are Status Change decisions
to Nonaccreditation. A Nonaccreditation ends the provider: it stops reporting. Decisions fall on the
board's meeting dates and never after the export. All providers step together (one decision per
provider per iteration), so the loop runs over decision rounds, not over providers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from warehouse.contract import codes

from . import calibration as cal
from .util import add_months, add_years, meeting_on_or_after, meeting_on_or_before, sample_masks

INITIAL, REACCREDITATION, PROGRESS, FOLLOW_UP, STATUS_CHANGE = range(5)
TYPE_NAMES = ("Initial", "Reaccreditation", "Progress Report", "Probation Follow-up", "Status Change")
PROVISIONAL, ACCREDITED, COMMENDATION, PROBATION, NONACCREDITED = range(5)
STATUS_NAMES = codes.ACCREDITATION_STATUSES
assert set(TYPE_NAMES) == set(codes.DECISION_TYPES)

#: Criteria reviewed in every decision, and the commendation menu (spec §2; pars-domain §1.6).
CORE_CRITERIA = tuple(f"C{i}" for i in range(1, 14)) + tuple(f"SII{i}" for i in range(1, 6))
COMMENDATION_CRITERIA = tuple(f"C{i}" for i in range(23, 39))
#: How a decision's findings read: a full review, a follow-up of earlier noncompliance, nothing reviewed.
FULL, FOLLOW, NOT_REVIEWED = range(3)
NAT = np.datetime64("NaT", "D")


@dataclass
class Histories:
    decisions: pl.DataFrame  # typed, spec columns but provider_id as provider index `p`
    findings: pl.DataFrame  # decision index `d`, criterion, finding
    end_day: np.ndarray  # first Nonaccreditation date per provider (NaT: still accredited)


def _random_bits(rng: np.random.Generator, n: int, low: int, high: int) -> np.ndarray:
    k = rng.integers(low, high + 1, n)
    return sample_masks(rng, np.ones(len(CORE_CRITERIA)), k)


def _draw(rng: np.random.Generator, probs: dict[str, float], pre: np.ndarray) -> np.ndarray:
    """Outcome status per decision; before the first reporting year nobody loses accreditation
    (why: the providers alive at the start are by definition survivors)."""
    names = list(probs)
    p = np.array([probs[k] for k in names])
    p_pre = np.where(np.array(names) == "Nonaccreditation", 0.0, p)
    cum = np.cumsum(p / p.sum())
    cum_pre = np.cumsum(p_pre / p_pre.sum())
    u = rng.random(len(pre))
    pick = np.where(pre, (u[:, None] > cum_pre[None, :]).sum(1), (u[:, None] > cum[None, :]).sum(1))
    return np.array([STATUS_NAMES.index(names[i]) for i in range(len(names))])[np.minimum(pick, len(names) - 1)]


def simulate(
    rng: np.random.Generator,
    initial: np.ndarray,
    withdraw: np.ndarray,
    first_day: np.datetime64,
    export_day: np.datetime64,
) -> Histories:
    """Run every provider's history from its initial accreditation up to the export."""
    n = len(initial)
    withdraw = withdraw.copy()
    nxt, kind = initial.copy(), np.full(n, INITIAL)
    status, nc = np.full(n, PROVISIONAL), np.zeros(n, np.int64)
    ts, te = np.full(n, NAT), np.full(n, NAT)
    alive, end_day = np.ones(n, bool), np.full(n, NAT)
    out: list[dict[str, np.ndarray]] = []
    while True:
        when = np.where(withdraw < nxt, withdraw, nxt)
        due = np.nonzero(alive & (when <= export_day))[0]
        if len(due) == 0:
            break
        d = when[due]
        k = np.where(withdraw[due] < nxt[due], STATUS_CHANGE, kind[due])
        pre = d < first_day
        m = len(due)
        new_status, new_nc = status[due].copy(), np.zeros(m, np.int64)
        scope, still = np.full(m, FULL), np.zeros(m, bool)
        new_ts, new_te, prd = ts[due].copy(), te[due].copy(), np.full(m, NAT)
        next_kind, next_day = np.full(m, REACCREDITATION), np.full(m, NAT)

        # Initial: Provisional Accreditation for two years.
        sel = k == INITIAL
        new_status[sel], new_ts[sel], new_te[sel] = PROVISIONAL, d[sel], add_years(d[sel], 2)

        # Reaccreditation: the outcome depends on whether the provider was provisional.
        sel = k == REACCREDITATION
        if sel.any():
            prov = status[due][sel] == PROVISIONAL
            out_p = _draw(rng, cal.AFTER_PROVISIONAL, pre[sel])
            out_r = _draw(rng, cal.REACCREDITATION, pre[sel])
            new_status[sel] = np.where(prov, out_p, out_r)
        st = new_status
        acc = sel & (st == ACCREDITED)
        com = sel & (st == COMMENDATION)
        prob = sel & (st == PROBATION)
        new_ts[acc | com | prob] = d[acc | com | prob]
        new_te[acc | prob] = add_years(d[acc | prob], 4)
        new_te[com] = add_years(d[com], 6)
        with_pr = acc & (rng.random(m) < cal.ACCREDITATION_WITH_PROGRESS_REPORT)
        new_nc[with_pr] = _random_bits(rng, int(with_pr.sum()), 1, 3)
        prd[with_pr] = add_months(d[with_pr], 12)
        new_nc[prob] = _random_bits(rng, int(prob.sum()), 3, 6)
        prd[prob] = add_months(d[prob], 6)

        # Progress report: earlier noncompliance re-examined, the term stays.
        sel = k == PROGRESS
        scope[sel] = FOLLOW
        still[sel] = rng.random(int(sel.sum())) < cal.PROGRESS_REPORT_STILL_NONCOMPLIANT
        new_nc[sel] = nc[due][sel]
        again = sel & still
        prd[again] = add_months(d[again], 12)

        # Probation follow-up: back to Accreditation (same term) or Nonaccreditation.
        sel = k == FOLLOW_UP
        scope[sel] = FOLLOW
        fails = sel & ~pre & (rng.random(m) < cal.PROBATION_FAILS)
        new_status[sel] = np.where(fails[sel], NONACCREDITED, ACCREDITED)
        still[fails] = True
        new_nc[sel] = nc[due][sel]

        # Voluntary withdrawal.
        sel = k == STATUS_CHANGE
        new_status[sel], scope[sel] = NONACCREDITED, NOT_REVIEWED

        dead = new_status == NONACCREDITED
        full_nonacc = dead & (k == REACCREDITATION)
        new_nc[full_nonacc] = _random_bits(rng, int(full_nonacc.sum()), 4, 8)
        new_ts[dead], new_te[dead] = NAT, NAT

        # What comes next: a progress report / follow-up if one is due in the term, else reaccreditation.
        follow = ~dead & ~np.isnat(prd)
        next_day[follow] = meeting_on_or_after(prd[follow] + np.timedelta64(30, "D"))
        in_term = follow & (next_day < new_te - np.timedelta64(180, "D"))
        next_kind[in_term] = np.where(new_status[in_term] == PROBATION, FOLLOW_UP, PROGRESS)
        # A probation whose follow-up would fall after the term still gets its follow-up first.
        pf = follow & ~in_term & (new_status == PROBATION)
        next_kind[pf], in_term = FOLLOW_UP, in_term | pf
        regular = ~dead & ~in_term
        next_day[regular] = meeting_on_or_before(new_te[regular] - np.timedelta64(1, "D"))
        next_day[regular] = np.maximum(next_day[regular], d[regular] + np.timedelta64(90, "D"))

        out.append(
            {
                "p": due,
                "date": d,
                "type": k,
                "status": new_status,
                "ts": new_ts,
                "te": new_te,
                "prd": prd,
                "nc": new_nc,
                "scope": scope,
                "still": still,
            }
        )
        status[due], nc[due], ts[due], te[due] = new_status, new_nc, new_ts, new_te
        kind[due], nxt[due] = next_kind, next_day
        alive[due[dead]] = False
        end_day[due[dead]] = d[dead]
        withdraw[due[dead]] = np.datetime64("2999-12-31")
    return _frames(rng, out, end_day)


def _frames(rng: np.random.Generator, out: list[dict[str, np.ndarray]], end_day: np.ndarray) -> Histories:
    cols = {k: np.concatenate([o[k] for o in out]) for k in out[0]} if out else None
    if cols is None:
        empty = pl.DataFrame(schema={"p": pl.Int64})
        return Histories(empty, empty, end_day)
    order = np.lexsort((cols["p"], cols["date"]))
    cols = {k: v[order] for k, v in cols.items()}
    decisions = pl.DataFrame(
        {
            "p": cols["p"].astype(np.int64),
            "decision_id": pl.Series(np.arange(1, len(order) + 1)).cast(pl.String).str.zfill(7),
            "decision_date": cols["date"],
            "decision_type": pl.Series(TYPE_NAMES).gather(cols["type"]),
            "status": pl.Series(STATUS_NAMES).gather(cols["status"]),
            "term_start_date": cols["ts"],
            "term_end_date": cols["te"],
            "progress_report_due_date": cols["prd"],
        }
    ).with_columns(("AD" + pl.col("decision_id")).alias("decision_id"))
    return Histories(decisions, _findings(rng, cols), end_day)


def _findings(rng: np.random.Generator, cols: dict[str, np.ndarray]) -> pl.DataFrame:
    """One finding per core criterion of every decision, plus the menu for commendation decisions."""
    comp, nonc, na = (codes.FINDINGS.index(x) for x in ("Compliance", "Noncompliance", "Not Applicable"))
    n, m = len(cols["p"]), len(CORE_CRITERIA)
    bits = (cols["nc"][:, None] >> np.arange(m)[None, :]) & 1 == 1
    scope, still = cols["scope"][:, None], cols["still"][:, None]
    grid = np.where(
        scope == FULL,
        np.where(bits, nonc, comp),
        np.where(scope == FOLLOW, np.where(bits, np.where(still, nonc, comp), na), na),
    )
    rows = np.repeat(np.arange(n), m)
    crit = np.tile(np.arange(m), n)
    core = pl.DataFrame(
        {
            "d": rows,
            "criterion": pl.Series(CORE_CRITERIA).gather(crit),
            "finding": pl.Series(codes.FINDINGS).gather(grid.ravel()),
        }
    )
    com = np.nonzero(cols["status"] == COMMENDATION)[0]
    k = len(COMMENDATION_CRITERIA)
    met = sample_masks(rng, np.ones(k), rng.integers(8, 13, len(com)))
    outcome_bits = 0b111 << (k - 3)  # C36-C38: at least one "Achieves Outcomes" criterion
    met = np.where(met & outcome_bits, met, met | (1 << (k - 1 - rng.integers(0, 3, len(com)))))
    grid = np.where((met[:, None] >> np.arange(k)[None, :]) & 1 == 1, comp, na)
    menu = pl.DataFrame(
        {
            "d": np.repeat(com, k),
            "criterion": pl.Series(COMMENDATION_CRITERIA).gather(np.tile(np.arange(k), len(com))),
            "finding": pl.Series(codes.FINDINGS).gather(grid.ravel()),
        }
    )
    return pl.concat([core, menu]).sort("d", maintain_order=True)

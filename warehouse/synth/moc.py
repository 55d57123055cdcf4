"""MOC registrations and learner completions, with a reusable pool of fictitious diplomates.

The pool depends on (seed, scale) only, not on the years, so the same learner completes activities
across years and, when certified by two boards, under each board's own ID. Completions are drawn per
registration in proportion to the activity's physicians, vectorized with np.repeat.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import polars as pl

from warehouse.contract import codes

from . import calibration as cal
from . import names
from .util import choice_index, digits, part_rng, sample_masks, to_hundredths, ymd

BOARDS = codes.BOARDS
#: Digits of a board ID per board [I: ABIM IDs are 6 digits; the others are our convention].
BOARD_ID_DIGITS = {"ABIM": 6, "ABA": 8, "ABP": 6, "ABS": 5, "ABPath": 5, "ABOS": 5, "ABOHNS": 5, "ABTS": 5}
_BOARD_W = np.array([cal.MOC_BOARD_WEIGHTS[b] for b in BOARDS])
#: Relative MOC uptake by activity type [I].
_MOC_TYPE_FACTOR = {"C": 1.2, "IEM": 1.2, "IL": 1.0, "JN": 1.0, "RSS": 0.8, "EM": 0.8}
#: Probability that each of a board's credit types (in code-list order) is offered [I].
_CREDIT_TYPE_P = (0.95, 0.2, 0.08)
#: Completions drawn per physician by board (relative) [I].
_COMPLETION_W = {
    "ABIM": 1.0,
    "ABA": 0.8,
    "ABP": 0.8,
    "ABS": 0.7,
    "ABPath": 0.7,
    "ABOS": 0.7,
    "ABOHNS": 0.7,
    "ABTS": 0.7,
}
BATCH = 250_000


@dataclass
class LearnerPool:
    first: pl.Series
    last: pl.Series
    birth_month: np.ndarray
    birth_day: np.ndarray
    #: per board: (person index, board ID, sampling probability)
    boards: dict[str, tuple[np.ndarray, pl.Series, np.ndarray]]


def learner_pool(seed: int, scale: float) -> LearnerPool:
    rng = part_rng(seed, 0, "learners")
    n = max(300, round(cal.LEARNER_POOL * scale))
    fz = 1.0 / (np.arange(len(names.GIVEN_NAMES)) + 5.0) ** 0.9
    lz = 1.0 / (np.arange(len(names.SURNAMES)) + 3.0) ** 0.8
    first = pl.Series(names.GIVEN_NAMES).gather(rng.choice(len(fz), n, p=fz / fz.sum()))
    last = pl.Series(names.SURNAMES).gather(rng.choice(len(lz), n, p=lz / lz.sum()))
    days = np.datetime64("2000-01-01") + rng.integers(0, 366, n).astype("timedelta64[D]")  # a leap year
    _, month, day = ymd(days)
    b1 = rng.choice(len(BOARDS), n, p=_BOARD_W / _BOARD_W.sum())
    b2 = rng.choice(len(BOARDS), n, p=_BOARD_W / _BOARD_W.sum())
    b2 = np.where(b2 == b1, (b1 + 1 + rng.integers(0, len(BOARDS) - 1, n)) % len(BOARDS), b2)
    two = rng.random(n) < cal.TWO_BOARDS_SHARE
    engagement = np.exp(rng.standard_normal(n))
    boards = {}
    for i, board in enumerate(BOARDS):
        people = np.nonzero((b1 == i) | (two & (b2 == i)))[0]
        if len(people) < 5:  # tiny pools: every board keeps a few diplomates
            people = np.union1d(people, rng.choice(n, 5, replace=False))
        width = max(BOARD_ID_DIGITS[board], len(str(len(people) * 20)))
        w = engagement[people]
        boards[board] = (people, digits(rng, len(people), width), w / w.sum())
    return LearnerPool(first, last, month, day, boards)


def registrations(seed: int, year: int, acts: pl.DataFrame) -> pl.DataFrame:
    """~10% of activities registered with 1-3 boards; larger activities register more often."""
    rng = part_rng(seed, year, "moc")
    n_all = acts.height
    # only the columns used below: a filter of all of `acts` copied every column (400 MB at 10x)
    used = ["activity_id", "activity_type", "physician_learners", "ama_pra_category1_credits"]
    used += ["hours_of_instruction", "start_date", "end_date"]
    cand = acts.lazy().filter((pl.col("status") != "Draft") & (pl.col("physician_learners") > 0)).select(used).collect()
    phys = cand["physician_learners"].to_numpy().astype(float)
    factor = cand["activity_type"].replace_strict(_MOC_TYPE_FACTOR, default=0.5, return_dtype=pl.Float64)
    g = factor.to_numpy() * np.sqrt(phys / max(phys.mean(), 1.0)) if cand.height else np.zeros(0)
    p = np.minimum(0.9, cal.MOC_ACTIVITY_SHARE * n_all * g / max(g.sum(), 1e-9))
    chosen = cand.filter(pl.Series(rng.random(cand.height) < p))
    shares = cal.MOC_BOARD_COUNT_SHARES
    k = np.array(list(shares))[choice_index(rng, list(shares.values()), chosen.height)]
    masks = sample_masks(rng, _BOARD_W, k)
    rows, board_i = np.nonzero((masks[:, None] >> np.arange(len(BOARDS))[None, :]) & 1)
    m = len(rows)
    allowed = [codes.CREDIT_TYPES_BY_BOARD[b] for b in BOARDS]
    offered = rng.random((m, 3)) < np.array(_CREDIT_TYPE_P)[None, :]
    n_types = np.array([len(a) for a in allowed])[board_i]
    offered &= np.arange(3)[None, :] < n_types[:, None]
    offered[:, 0] |= ~offered.any(axis=1)
    type_mask = (offered * np.array([1, 2, 4])[None, :]).sum(axis=1)
    lists = {
        (b, mk): ";".join(allowed[b][j] for j in range(len(allowed[b])) if mk >> j & 1)
        for b in range(len(BOARDS))
        for mk in range(1, 8)
    }
    key = board_i * 8 + type_mask
    table = pl.Series([lists.get((i // 8, i % 8)) for i in range(len(BOARDS) * 8)], dtype=pl.String)
    src = chosen[rows]
    credits = src["ama_pra_category1_credits"].fill_null(src["hours_of_instruction"]).to_numpy()
    areas = _practice_areas(rng, board_i)
    registered = src["start_date"].to_numpy() - rng.integers(0, 61, m).astype("timedelta64[D]")
    return pl.DataFrame(
        {
            "activity_id": src["activity_id"],
            "board": pl.Series(BOARDS).gather(board_i),
            "credit_types": table.gather(key),
            "moc_credits": np.maximum(credits, 25),
            "practice_areas": areas,
            "registered_date": registered,
            "type_mask": type_mask,
            "board_i": board_i,
            "physicians": src["physician_learners"],
            "start_date": src["start_date"],
            "end_date": src["end_date"],
        }
    )


def _practice_areas(rng: np.random.Generator, board_i: np.ndarray) -> pl.Series:
    options, offsets, counts = [], [], []
    for board in BOARDS:
        areas = names.PRACTICE_AREAS[board]
        opts = [a for a in areas] + [f"{a};{b}" for i, a in enumerate(areas) for b in areas[i + 1 :]]
        offsets.append(len(options))
        counts.append((len(areas), len(opts) - len(areas)))
        options += opts
    m = len(board_i)
    off = np.array(offsets)[board_i]
    singles = np.array([c[0] for c in counts])[board_i]
    pairs = np.array([c[1] for c in counts])[board_i]
    u = rng.random(m)
    pair = rng.random(m) < 0.3
    idx = np.where(pair, off + singles + (u * pairs).astype(np.int64), off + (u * singles).astype(np.int64))
    text = pl.Series(options).gather(idx)
    return pl.DataFrame({"t": text, "keep": rng.random(m) < 0.8}).select(pl.when("keep").then("t").alias("t"))["t"]


def completions(
    seed: int, year: int, scale: float, regs: pl.DataFrame, pool: LearnerPool, export_day: np.datetime64
) -> Iterator[pl.DataFrame]:
    """Learner completions of the year's registrations, in batches of at most BATCH rows."""
    rng = part_rng(seed, year, "completions")
    phys = regs["physicians"].to_numpy().astype(float)
    w = phys * np.array([_COMPLETION_W[b] for b in BOARDS])[regs["board_i"].to_numpy()]
    c = cal.COMPLETIONS_PER_YEAR * scale / max(w.sum(), 1.0)
    counts = np.minimum(rng.poisson(c * w), phys.astype(np.int64))
    differing = (
        (regs["board"] == "ABP").to_numpy()
        & (counts >= 2)
        & (rng.random(regs.height) < cal.ABP_DIFFERING_CREDITS_SHARE)
    )
    seq = 0
    bounds = np.searchsorted(np.cumsum(counts), np.arange(BATCH, counts.sum() + BATCH, BATCH), side="right")
    start = 0
    for stop in np.unique(np.r_[bounds, regs.height]):
        if stop <= start:
            continue
        part = slice(start, stop)
        batch = _batch(rng, year, regs[part], counts[part], differing[part], pool, export_day, seq)
        seq += batch.height
        start = stop
        yield batch


def _batch(
    rng: np.random.Generator,
    year: int,
    regs: pl.DataFrame,
    counts: np.ndarray,
    differing: np.ndarray,
    pool: LearnerPool,
    export_day: np.datetime64,
    seq: int,
) -> pl.DataFrame:
    r = np.repeat(np.arange(regs.height), counts)
    n = len(r)
    start = regs["start_date"].to_numpy()[r]
    end = regs["end_date"].to_numpy()[r]
    last_ok = export_day - np.timedelta64(1, "D")
    hi = np.minimum(end + np.timedelta64(364, "D"), last_ok)
    within = np.minimum(end, hi)
    after = rng.random(n) < 0.15
    lo2 = np.minimum(within, hi)
    span_in = (within - start).astype(np.int64) + 1
    span_after = (hi - lo2).astype(np.int64) + 1
    done = np.where(
        after,
        lo2 + (rng.random(n) * span_after).astype("timedelta64[D]"),
        start + (rng.random(n) * span_in).astype("timedelta64[D]"),
    )
    late = rng.random(n) < cal.LATE_COMPLETION_SHARE
    delay = np.where(late, rng.integers(31, 181, n), np.minimum(rng.geometric(0.2, n) - 1, 30))
    reported = np.maximum(np.minimum(done + delay.astype("timedelta64[D]"), export_day), done)
    status_i = choice_index(rng, list(cal.COMPLETION_STATUS_SHARES.values()), n)
    statuses = list(cal.COMPLETION_STATUS_SHARES)
    reason = pl.Series(names.REJECTION_REASONS).gather(rng.integers(0, len(names.REJECTION_REASONS), n))
    # Credit type: one of the registration's offered types; credits: ABP fixed, others variable.
    board_i = regs["board_i"].to_numpy()[r]
    tmask = regs["type_mask"].to_numpy()[r]
    bits = (tmask[:, None] >> np.arange(3)[None, :]) & 1
    nth = (rng.random(n) * bits.sum(axis=1)).astype(np.int64)
    j = np.argmax(np.cumsum(bits, axis=1) > nth[:, None], axis=1)
    allowed = [codes.CREDIT_TYPES_BY_BOARD[b] for b in BOARDS]
    table = pl.Series([allowed[b][jj] if jj < len(allowed[b]) else None for b in range(len(BOARDS)) for jj in range(3)])
    credit_type = table.gather(board_i * 3 + j)
    full = regs["moc_credits"].to_numpy()[r]
    partial = np.maximum(to_hundredths(full * rng.uniform(0.25, 1.0, n) / 100, 25), 25)
    abp = board_i == BOARDS.index("ABP")
    credits = np.where(abp | (rng.random(n) < 0.65), full, partial)
    first_of_reg = np.r_[True, r[1:] != r[:-1]] if n else np.zeros(0, bool)
    odd = abp & differing[r] & first_of_reg
    credits = np.where(odd, np.maximum(full // 2 // 25 * 25, 25), credits)
    credits = np.where(odd & (credits == full), full + 25, credits)
    person, board_id = _learners(rng, pool, board_i)
    return (
        pl.DataFrame(
            {
                "completion_id": pl.Series(year * 10**9 + 1 + seq + np.arange(n)).cast(pl.String),
                "activity_id": regs["activity_id"].gather(r),
                "board": pl.Series(BOARDS).gather(board_i),
                "learner_board_id": board_id,
                "first_name": pool.first.gather(person),
                "last_name": pool.last.gather(person),
                "birth_month": pool.birth_month[person],
                "birth_day": pool.birth_day[person],
                "completion_date": done,
                "credit_type": credit_type,
                "credits": credits,
                "reported_date": reported,
                "status": pl.Series(statuses).gather(status_i),
                "rejection_reason": reason,
                "rejected": status_i == statuses.index("Rejected"),
            }
        )
        .with_columns(pl.when("rejected").then("rejection_reason").alias("rejection_reason"))
        .drop("rejected")
    )


def _learners(rng: np.random.Generator, pool: LearnerPool, board_i: np.ndarray) -> tuple[np.ndarray, pl.Series]:
    n = len(board_i)
    person = np.zeros(n, np.int64)
    slot = np.zeros(n, np.int64)
    owner = np.zeros(n, np.int64)
    for i, board in enumerate(BOARDS):
        sel = np.nonzero(board_i == i)[0]
        people, _, prob = pool.boards[board]
        if len(sel) == 0 or len(people) == 0:
            continue
        k = rng.choice(len(people), len(sel), p=prob)
        person[sel], slot[sel], owner[sel] = people[k], k, i
    ids = pl.concat([pool.boards[b][1] for b in BOARDS])
    offsets = np.cumsum([0] + [len(pool.boards[b][1]) for b in BOARDS])[:-1]
    return person, ids.gather(offsets[owner] + slot)

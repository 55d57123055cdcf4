"""One reporting year of activities, drawn column by column (vectorized, no loop over activities).

Volumes are allocated to organization types by their published activity shares first and to
providers within a type by their persistent size (why: a few providers with a lognormal tail would
otherwise swing the organization mix, and with it the commercial-support share, at small scales).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from warehouse.contract import codes

from . import calibration as cal
from . import names
from .providers import ORGS, Universe
from .util import (
    choice_index,
    lognormal_mean,
    masks_to_lists,
    part_rng,
    quota,
    sample_masks,
    to_hundredths,
    year_start,
)

TYPES = codes.ACTIVITY_TYPES
STATUSES = list(cal.STATUS_SHARES)
ENDURING = np.isin(np.array(TYPES), codes.ENDURING_TYPES)
_CITY_TABLE = [(c, s, pop / len(cs)) for s, (pop, cs) in names.CITIES_BY_STATE.items() for c in cs]
#: Span in days (low, high) of an activity by type; C spans a few days, IL one.
_SPANS = {
    "C": (0, 4),
    "IL": (0, 0),
    "RSS": (60, 364),
    "EM": (90, 1094),
    "IEM": (90, 1094),
    "JN": (90, 1094),
    "PI": (90, 364),
}
_TEMPLATES = [(t, pre, suf, spec) for t in TYPES for pre, suf, spec in names.TITLE_TEMPLATES[t]]


def allocate(rng: np.random.Generator, universe: Universe, year: int, scale: float) -> np.ndarray:
    """Activity counts per reporting provider (index into universe.providers); every provider >= 1."""
    active = np.nonzero(universe.active(year))[0]
    org = universe.providers["org_i"].to_numpy()[active]
    size = universe.providers["size"].to_numpy()[active]
    size = size * np.exp(cal.PROVIDER_SIZE_YEAR_NOISE * rng.standard_normal(len(active)))
    total = max(len(active), round(cal.ACTIVITIES_PER_YEAR * scale))
    present = sorted(set(org.tolist()))
    targets = quota(total, [cal.ORG_TYPE_SHARES[ORGS[o]] for o in present])
    counts = np.ones(len(active), np.int64)
    for o, target in zip(present, targets, strict=True):
        members = np.nonzero(org == o)[0]
        extra = max(0, int(target) - len(members))
        w = size[members]
        counts[members] += rng.multinomial(extra, w / w.sum())
    return np.repeat(active, counts)


def build(
    seed: int, year: int, scale: float, universe: Universe, deadline: np.datetime64, export_day: np.datetime64
) -> pl.DataFrame:
    """Typed activities of `year` plus internal columns (p, org_i, acc_i, supported) for children."""
    rng = part_rng(seed, year, "activities")
    p = allocate(rng, universe, year, scale)
    n = len(p)
    prov = universe.providers
    org = prov["org_i"].to_numpy()[p]
    acc = prov["acc_i"].to_numpy()[p]
    shares = cal.activity_type_shares(year)
    type_i = np.array([TYPES.index(t) for t in shares])[choice_index(rng, list(shares.values()), n)]
    status_i = choice_index(rng, list(cal.STATUS_SHARES.values()), n)
    start, end = _dates(rng, year, type_i, status_i)
    order = np.lexsort((start, p))
    p, org, acc, type_i, status_i, start, end = (a[order] for a in (p, org, acc, type_i, status_i, start, end))
    draft = status_i == STATUSES.index("Draft")
    supported = ~draft & (rng.random(n) < np.array([cal.SUPPORT_RATE_BY_ORG[o] for o in ORGS])[org])
    tnames = np.array(TYPES)[type_i]
    mult = np.where(supported, cal.SUPPORTED_LEARNER_MULTIPLIER, 1.0)
    joint_acc = np.where(acc == codes.ACCREDITOR_TYPES.index("Joint"), cal.JOINT_ACCREDITOR_OTHER_MULTIPLIER, 1.0)
    phys_mean = np.array([cal.PHYSICIAN_MEAN_BY_TYPE[t] for t in TYPES])[type_i] * mult
    other_mean = np.array([cal.OTHER_MEAN_BY_TYPE[t] for t in TYPES])[type_i] * mult * joint_acc
    physicians = np.where(draft, 0, np.rint(lognormal_mean(rng, phys_mean, cal.PHYSICIAN_SIGMA))).astype(np.int64)
    others = np.where(draft, 0, np.rint(lognormal_mean(rng, other_mean, cal.OTHER_SIGMA))).astype(np.int64)
    hours = lognormal_mean(rng, np.array([cal.HOURS_MEAN_BY_TYPE[t] for t in TYPES])[type_i], cal.HOURS_SIGMA)
    hours = np.maximum(to_hundredths(hours, 25), 25)
    credits = np.where(rng.random(n) < 0.03, np.maximum(to_hundredths(hours / 200, 25), 25), hours)
    no_credits = rng.random(n) < cal.NO_AMA_CREDITS_SHARE
    closed = _closed_dates(rng, end, status_i, deadline, export_day)
    frame = pl.DataFrame(
        {
            "p": p,
            "org_i": org,
            "acc_i": acc,
            "type_i": type_i,
            "supported": supported,
            "activity_id": pl.Series(year * 10**8 + 1 + np.arange(n)).cast(pl.String),
            "provider_id": prov["provider_id"].gather(p),
            "provider_activity_id": _provider_activity_ids(universe, p, year),
            "reporting_year": np.full(n, year),
            "title": _titles(rng, type_i, year),
            "activity_type": pl.Series(TYPES).gather(type_i),
            "start_date": start,
            "end_date": end,
            "providership": np.where(rng.random(n) < cal.JOINT_PROVIDERSHIP_SHARE, "Joint", "Direct"),
            "hours_of_instruction": hours,
            "physician_learners": physicians,
            "other_learners": others,
            "ama_pra_category1_credits": credits,
            "no_credits": no_credits,
            "commercial_support_received": supported,
            "competencies": _competencies(rng, n),
            "status": pl.Series(STATUSES).gather(status_i),
            "closed_date": closed,
        }
    )
    frame = frame.with_columns(_design_flags(rng, n)).with_columns(_locations(rng, universe, p, tnames))
    return frame.with_columns(
        pl.when(pl.col("no_credits"))
        .then(None)
        .otherwise(pl.col("ama_pra_category1_credits"))
        .alias("ama_pra_category1_credits")
    ).drop("no_credits")


def _dates(
    rng: np.random.Generator, year: int, type_i: np.ndarray, status_i: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """End within the year, start one span earlier; open enduring materials run past the year."""
    n = len(type_i)
    low = np.array([_SPANS.get(t, (0, 180))[0] for t in TYPES])[type_i]
    high = np.array([_SPANS.get(t, (0, 180))[1] for t in TYPES])[type_i]
    span = (low + rng.random(n) * (high - low + 1)).astype(np.int64)
    span = np.minimum(span, high)
    end = year_start(year) + rng.integers(0, 365, n).astype("timedelta64[D]")
    start = end - span.astype("timedelta64[D]")
    running = ENDURING[type_i] & (status_i == STATUSES.index("Active"))
    start = np.where(running, year_start(year) + rng.integers(0, 365, n).astype("timedelta64[D]"), start)
    end = np.where(running, start + span.astype("timedelta64[D]"), end)
    return start, end


def _closed_dates(
    rng: np.random.Generator, end: np.ndarray, status_i: np.ndarray, deadline: np.datetime64, export_day: np.datetime64
) -> np.ndarray:
    """Closed between the end date and the deadline (mostly in the last weeks); a few close late."""
    n = len(end)
    room = (deadline - end).astype(np.int64)
    closed = end + np.floor(room * rng.beta(4.0, 1.5, n)).astype("timedelta64[D]")
    late_room = max(1, min(cal.MAX_DAYS_LATE, int((export_day - deadline).astype(np.int64))))
    late = rng.random(n) < cal.CLOSED_LATE_SHARE
    closed = np.where(late, deadline + rng.integers(1, late_room + 1, n).astype("timedelta64[D]"), closed)
    return np.where(status_i == STATUSES.index("Closed"), closed, np.datetime64("NaT", "D"))


def _provider_activity_ids(universe: Universe, p: np.ndarray, year: int) -> pl.Series:
    """The provider's own key, in one of three house styles; unique within the provider across years."""
    n = len(p)
    first = np.r_[0, np.nonzero(np.diff(p))[0] + 1]
    rank = np.arange(n) - np.repeat(first, np.diff(np.r_[first, n])) + 1
    style = universe.providers["style"].to_numpy()[p]
    counter = universe.counter[p] + rank
    np.maximum.at(universe.counter, p, counter)  # style 2 continues next year
    frame = pl.DataFrame({"style": style, "rank": rank, "counter": counter})
    return frame.select(
        pl.when(pl.col("style") == 0)
        .then(pl.lit(f"{year}-") + pl.col("rank").cast(pl.String).str.zfill(4))
        .when(pl.col("style") == 1)
        .then(pl.lit(f"CME{year % 100:02d}") + pl.col("rank").cast(pl.String).str.zfill(5))
        .otherwise(pl.col("counter").cast(pl.String))
        .alias("id")
    )["id"]


def _titles(rng: np.random.Generator, type_i: np.ndarray, year: int) -> pl.Series:
    n = len(type_i)
    per_type = [[i for i, tpl in enumerate(_TEMPLATES) if tpl[0] == t] for t in TYPES]
    offsets = np.array([rows[0] for rows in per_type])
    counts = np.array([len(rows) for rows in per_type])
    tpl = offsets[type_i] + (rng.random(n) * counts[type_i]).astype(np.int64)
    uses_spec = np.array([t[3] for t in _TEMPLATES])[tpl]
    topic = np.where(uses_spec, None, np.array(names.TOPICS, dtype=object)[rng.integers(0, len(names.TOPICS), n)])
    spec = np.array(names.SPECIALTIES, dtype=object)[rng.integers(0, len(names.SPECIALTIES), n)]
    with_year = (type_i == TYPES.index("C")) & (rng.random(n) < 0.5)
    frame = pl.DataFrame(
        {
            "pre": pl.Series([t[1] for t in _TEMPLATES]).gather(tpl),
            "subject": pl.Series(np.where(uses_spec, spec, topic).tolist(), dtype=pl.String),
            "suf": pl.Series([t[2] for t in _TEMPLATES]).gather(tpl),
            "yr": np.where(with_year, f" {year}", ""),
        }
    )
    return frame.select(pl.concat_str("pre", "subject", "suf", "yr").alias("title"))["title"]


def _competencies(rng: np.random.Generator, n: int) -> pl.Series:
    k = choice_index(rng, [0.15, 0.30, 0.25, 0.15, 0.10, 0.05], n) + 1
    k = np.where(rng.random(n) < cal.NO_COMPETENCY_SHARE, 0, k)
    masks = sample_masks(rng, [cal.COMPETENCY_WEIGHTS[c] for c in codes.COMPETENCIES], k)
    return masks_to_lists(masks, codes.COMPETENCIES)


def _design_flags(rng: np.random.Generator, n: int) -> list[pl.Series]:
    out = []
    for key, share in cal.DESIGNED_SHARES.items():
        designed = rng.random(n) < share
        evaluated = designed & (rng.random(n) < cal.EVALUATED_GIVEN_DESIGNED[key])
        out += [pl.Series(f"designed_to_change_{key}", designed), pl.Series(f"evaluated_change_{key}", evaluated)]
    return out


def _locations(rng: np.random.Generator, universe: Universe, p: np.ndarray, tnames: np.ndarray) -> list[pl.Series]:
    """C and RSS have a place: an RSS at the provider's seat; a course there, elsewhere, or abroad.

    Polars expressions, not numpy object arrays of Python strings: at 10x (2.3 million activities) those held
    about a gigabyte at once."""
    n = len(p)
    prov = universe.providers
    weights = np.array([w for _, _, w in _CITY_TABLE])
    pick = rng.choice(len(_CITY_TABLE), n, p=weights / weights.sum())
    foreign = rng.integers(0, len(names.FOREIGN_CITIES), n)
    u = rng.random(n)
    course = tnames == "C"
    frame = pl.DataFrame(
        {
            "city": prov["city"].gather(p),
            "state": prov["state"].gather(p),
            "country": prov["country"].gather(p),
            "elsewhere_city": pl.Series([c for c, _, _ in _CITY_TABLE], dtype=pl.String).gather(pick),
            "elsewhere_state": pl.Series([s for _, s, _ in _CITY_TABLE], dtype=pl.String).gather(pick),
            "abroad_city": pl.Series([c for c, _ in names.FOREIGN_CITIES], dtype=pl.String).gather(foreign),
            "abroad_country": pl.Series([k for _, k in names.FOREIGN_CITIES], dtype=pl.String).gather(foreign),
            "elsewhere": course & (u >= 0.6) & (u < 0.97),
            "abroad": course & (u >= 0.97),
            "placed": np.isin(tnames, ["C", "RSS"]),
        }
    )
    none = pl.lit(None, dtype=pl.String)

    def place(col: str, elsewhere: pl.Expr, abroad: pl.Expr) -> pl.Expr:
        return (
            pl.when(~pl.col("placed"))
            .then(none)
            .when(pl.col("abroad"))
            .then(abroad)
            .when(pl.col("elsewhere"))
            .then(elsewhere)
            .otherwise(pl.col(col))
            .alias(col)
        )

    placed = frame.select(
        place("city", pl.col("elsewhere_city"), pl.col("abroad_city")),
        place("state", pl.col("elsewhere_state"), none),
        place("country", pl.lit("USA"), pl.col("abroad_country")),
    )
    return placed.get_columns()

"""Activity children other than MOC: commercial supporters, joint providers, REMS, learner professions.

Each builder takes the year's typed activities and returns typed child rows; the completeness gaps
of spec §4 (joint without partner, support without supporter) are drawn here on purpose.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from warehouse.contract import codes

from . import calibration as cal
from . import names
from .util import (
    SAMPLE_BLOCK,
    choice_index,
    digits,
    masks_to_lists,
    part_rng,
    sample_items,
    sample_masks,
    to_hundredths,
)

_PUBLISHING = codes.ORGANIZATION_TYPES.index("Publishing/Education Company")
_NATURE_WEIGHTS = {
    "Durable equipment": 0.35,
    "Facilities/Space": 0.4,
    "Disposable supplies": 0.3,
    "Animal parts or tissue": 0.05,
    "Human parts or tissue": 0.05,
    "Other": 0.1,
}


def supporters(seed: int, year: int, scale: float, acts: pl.DataFrame) -> pl.DataFrame:
    """Supporter rows of supported activities; money is normalized to the national total, 70% of it
    to Publishing/Education companies (pars-domain §3.3), so the shares hold at any scale."""
    rng = part_rng(seed, year, "supporters")
    sup = acts.lazy().filter(pl.col("supported")).select("activity_id", "p", "org_i").collect()
    sup = sup.filter(pl.Series(rng.random(sup.height) >= cal.SUPPORT_WITHOUT_SUPPORTER_SHARE))
    k = 1 + np.minimum(rng.poisson(cal.EXTRA_SUPPORTERS_MEAN, sup.height), 5)
    zipf = 1.0 / (np.arange(len(names.SUPPORTER_NAMES)) + 3.0) ** 0.8
    rows, items = sample_items(rng, zipf, k)
    n = len(rows)
    in_kind = rng.random(n) < cal.IN_KIND_ROW_SHARE
    money = ~(in_kind & (rng.random(n) < cal.IN_KIND_ONLY_SHARE))
    weight = np.exp(1.2 * rng.standard_normal(sup.height))[rows] * rng.gamma(1.0, 1.0, n) * money
    pub = sup["org_i"].to_numpy()[rows] == _PUBLISHING
    amount = np.zeros(n)
    total = cal.COMMERCIAL_SUPPORT_TOTAL * scale
    pub_w, rest_w = weight[pub].sum(), weight[~pub].sum()
    pub_total = total * cal.PUBLISHING_SUPPORT_SHARE if rest_w > 0 else total
    if pub_w > 0:
        amount[pub] = weight[pub] / pub_w * pub_total
    if rest_w > 0:
        amount[~pub] = weight[~pub] / rest_w * (total - (pub_total if pub_w > 0 else 0))
    cents = np.where(money, np.maximum(to_hundredths(amount), 50_000), 0)
    nk = np.where(rng.random(n) < 0.7, 1, 2)
    nature = masks_to_lists(sample_masks(rng, list(_NATURE_WEIGHTS.values()), nk), codes.IN_KIND_NATURES)
    order = [codes.IN_KIND_NATURES.index(x) for x in _NATURE_WEIGHTS]
    assert order == list(range(len(order)))
    return pl.DataFrame(
        {
            "activity_id": sup["activity_id"].gather(rows),
            "p": sup["p"].gather(rows),
            "supporter_name": pl.Series(names.SUPPORTER_NAMES).gather(items),
            "monetary_amount": cents,
            "in_kind": in_kind,
            "in_kind_nature": nature,
        }
    ).with_columns(
        pl.when(pl.col("monetary_amount") > 0).then(pl.col("monetary_amount")).alias("monetary_amount"),
        pl.when(pl.col("in_kind")).then(pl.col("in_kind_nature")).alias("in_kind_nature"),
    )


def partner_pool(seed: int, scale: float) -> list[str]:
    """Organizations that co-provide activities (one pool per export, reused across years): 3,000 per national
    year, so 30,000 at 10x.

    The six base patterns make only 9,734 distinct names: the first `PARTNER_BASE_NAMES` come from them (drawn
    one by one, as always: the exports up to scale 1.6 are unchanged), the rest from `_more_partners`' larger
    patterns (the old loop, drawing until it had n distinct names, never ended above scale 3.2).
    """
    rng = part_rng(seed, 0, "partners")
    n = max(40, round(3000 * scale))
    states = list(names.STATE_NAMES.values())
    cities = [c for _, cs in names.CITIES_BY_STATE.values() for c in cs]
    # arrays once, not lists converted on every draw (the same draws, 6x faster)
    arrays = [np.array(v) for v in (cities, states, names.SPECIALTIES, names.SURNAMES, names.ORG_STEMS)]
    out: set[str] = set()
    while len(out) < min(n, PARTNER_BASE_NAMES):
        kind = rng.integers(0, 6)
        city, state, spec, sur, stem = (rng.choice(a) for a in arrays)
        out.add(
            [
                f"{state} Academy of {spec}",
                f"{city} {spec} Society",
                f"{sur} Medical Group",
                f"{city} Community Health Center",
                f"{stem} Foundation",
                f"{city} County Medical Society",
            ][kind]
        )
    if n > len(out):
        out |= _more_partners(rng, n - len(out), out, states, cities)
    return sorted(out)


#: How many partner names come from the six base patterns (about half of the 9,734 they can make).
PARTNER_BASE_NAMES = 4800


def _more_partners(rng: np.random.Generator, n: int, taken: set[str], states: list[str], cities: list[str]) -> set[str]:
    """`n` more distinct partner names, none in `taken`, from patterns with about 3.4 million names (drawn in
    vectorized rounds: 300,000 names at the largest scale, 100, take about a second)."""
    pick = {
        "state": np.array(states),
        "city": np.array(sorted(set(cities))),
        "spec": np.array(names.SPECIALTIES),
        "sur": np.array(names.SURNAMES),
        "stem": np.array(names.ORG_STEMS),
    }
    patterns = [
        ("{sur} {spec} Associates", ("sur", "spec")),
        ("{city} {stem} Institute", ("city", "stem")),
        ("{state} {sur} Health Partners", ("state", "sur")),
        ("{city} {sur} {spec} Group", ("city", "sur", "spec")),
    ]
    out: set[str] = set()
    while len(out) < n:
        m = 2 * (n - len(out)) + 100
        kind = rng.integers(0, len(patterns), m)
        drawn = {key: values[rng.integers(0, len(values), m)] for key, values in pick.items()}
        for i in range(m):
            template, keys = patterns[kind[i]]
            name = template.format(**{k: drawn[k][i] for k in keys})
            if name not in taken and name not in out:
                out.add(name)
                if len(out) == n:
                    break
    return out


def joint_providers(seed: int, year: int, acts: pl.DataFrame, pool: list[str]) -> pl.DataFrame:
    rng = part_rng(seed, year, "joint")
    joint = acts.lazy().filter(pl.col("providership") == "Joint").select("activity_id").collect()
    joint = joint.filter(pl.Series(rng.random(joint.height) >= cal.JOINT_WITHOUT_PARTNER_SHARE))
    shares = cal.JOINT_PARTNER_COUNT_SHARES
    k = np.array(list(shares))[choice_index(rng, list(shares.values()), joint.height)]
    rows = np.repeat(np.arange(joint.height), k)
    zipf = 1.0 / (np.arange(len(pool)) + 5.0)
    items = rng.choice(len(pool), len(rows), p=zipf / zipf.sum())
    return pl.DataFrame(
        {
            "activity_id": joint["activity_id"].gather(rows),
            "joint_provider_name": pl.Series(pool).gather(items),
        }
    ).unique(maintain_order=True)


def rems(seed: int, year: int, scale: float, acts: pl.DataFrame) -> pl.DataFrame:
    """REMS rows on a few hundred activities per year at scale 1, from 2013 on (pars-domain §1.8)."""
    empty = pl.DataFrame(schema={"activity_id": pl.String})
    if year < cal.REMS_FIRST_YEAR:
        return empty
    rng = part_rng(seed, year, "rems")
    weight = {"C": 0.45, "IL": 0.25, "IEM": 0.30}
    cand = (
        acts.lazy()
        .filter(
            pl.col("activity_type").is_in(list(weight))
            & (pl.col("status") != "Draft")
            & (pl.col("physician_learners") > 0)
        )
        .select("activity_id", "activity_type", "physician_learners", "other_learners")
        .collect()
    )
    r = min(cand.height, max(2, round(cal.REMS_ACTIVITIES_PER_YEAR * scale)))
    if r == 0:
        return empty
    w = cand["activity_type"].replace_strict(weight, return_dtype=pl.Float64).to_numpy()
    chosen = cand[np.sort(rng.choice(cand.height, r, replace=False, p=w / w.sum()))]
    compliant = rng.random(r) < cal.REMS_COMPLIANT_SHARE
    rpc = compliant & (rng.random(r) < cal.RPC_FUNDED_SHARE)
    learners = (chosen["physician_learners"] + chosen["other_learners"]).to_numpy()
    prescribers = np.rint(learners * rng.uniform(0.4, 0.8, r)).astype(np.int64)
    dea = np.floor(prescribers * rng.uniform(0.6, 0.95, r)).astype(np.int64)
    split = rng.multinomial(prescribers, [0.5, 0.15, 0.35])
    rpc_ids = "RPC" + digits(rng, r, 6)
    return (
        pl.DataFrame(
            {
                "activity_id": chosen["activity_id"],
                "rems_designation": np.where(compliant, "Compliant", "Related"),
                "rpc_grant_id": rpc_ids,
                "rpc": rpc,
                "prescriber_learners": prescribers,
                "dea_registered_learners": dea,
                "primary_care_learners": split[:, 0],
                "pain_specialist_learners": split[:, 1],
                "other_specialist_learners": split[:, 2],
            }
        )
        .with_columns(pl.when(pl.col("rpc")).then(pl.col("rpc_grant_id")).alias("rpc_grant_id"))
        .drop("rpc")
    )


def professions(seed: int, year: int, acts: pl.DataFrame) -> pl.DataFrame:
    """Other learners split by profession from 2019 on; counts sum to the activity's other_learners."""
    if year < codes.PROFESSIONS_FIRST_YEAR:
        return pl.DataFrame(schema={"activity_id": pl.String, "profession": pl.String, "learner_count": pl.Int64})
    rng = part_rng(seed, year, "professions")
    # lazy: only the two columns are filtered (an eager filter copied all of `acts` first: 400 MB at 10x)
    with_others = acts.lazy().filter(pl.col("other_learners") > 0).select("activity_id", "other_learners").collect()
    n = with_others.height
    shares = np.array([cal.PROFESSION_SHARES[p] for p in codes.PROFESSIONS])
    # An activity reaches a few professions, not all nine: 1-6 drawn by share, then the counts.
    k = choice_index(rng, [0.25, 0.25, 0.2, 0.15, 0.1, 0.05], n) + 1
    masks = sample_masks(rng, shares, k)
    learners = with_others["other_learners"].to_numpy()
    # by block of rows (the multinomial draws row after row: the same counts as in one block), so the
    # (rows x 9) matrices stay small at 10x
    rows, items, values = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    for lo in range(0, n, SAMPLE_BLOCK):
        present = (masks[lo : lo + SAMPLE_BLOCK, None] >> np.arange(len(shares))[None, :]) & 1
        probs = present * shares[None, :]
        counts = rng.multinomial(learners[lo : lo + SAMPLE_BLOCK], probs / probs.sum(axis=1, keepdims=True))
        r, i = np.nonzero(counts)
        rows.append(r + lo)
        items.append(i)
        values.append(counts[r, i])
    rows = np.concatenate(rows)
    return pl.DataFrame(
        {
            "activity_id": with_others["activity_id"].gather(rows),
            "profession": pl.Series(codes.PROFESSIONS).gather(np.concatenate(items)),
            "learner_count": np.concatenate(values),
        }
    )

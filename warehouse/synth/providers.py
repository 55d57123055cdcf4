"""The provider universe (persisting across years, with churn) and the yearly program summaries.

Providers are drawn once per export: the cohort accredited before the first reporting year plus a
few entrants per year, each with a size that persists (why: the same large providers dominate year
after year, as in the Data Report's quartiles). Accreditation histories decide who leaves.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from warehouse.contract import codes

from . import calibration as cal
from . import names
from .accreditation import simulate
from .util import (
    from_ymd,
    meeting_on_or_after,
    part_rng,
    quota,
    to_hundredths,
    year_end,
    year_start,
)

ORGS = codes.ORGANIZATION_TYPES
ACCREDITORS = codes.ACCREDITOR_TYPES
_US = [s for s in codes.US_STATES if s in names.CITIES_BY_STATE]
_US_WEIGHTS = np.array([names.CITIES_BY_STATE[s][0] for s in _US])
_ACCREDITOR_PATTERNS = ("{} Medical Society", "{} State Medical Association", "Medical Association of {}")


@dataclass
class Universe:
    providers: pl.DataFrame  # spec columns + internal: p, org_i, acc_i, size, style, city
    decisions: pl.DataFrame  # spec columns
    findings: pl.DataFrame  # spec columns
    initial: np.ndarray
    end_day: np.ndarray
    counter: np.ndarray  # running provider_activity_id number per provider (style 2)

    def active(self, year: int) -> np.ndarray:
        return reporting(self.initial, self.end_day, year)


def reporting(initial: np.ndarray, end_day: np.ndarray, year: int) -> np.ndarray:
    """Providers that report `year`: accredited before it starts, not nonaccredited by its end."""
    end = np.where(np.isnat(end_day), np.datetime64("2999-12-31"), end_day)
    return (initial < year_start(year)) & (end > year_end(year))


def _initial_dates(rng: np.random.Generator, years: np.ndarray) -> np.ndarray:
    first = from_ymd(years, rng.choice(np.array([1, 5, 9]), len(years)), rng.integers(1, 29, len(years)))
    return meeting_on_or_after(first)


def build_universe(seed: int, scale: float, first_year: int, last_year: int, export_day: np.datetime64) -> Universe:
    """All providers that report at least one year of the range, with their histories."""
    rng = part_rng(seed, 0, "providers")
    n0 = max(3, round(cal.PROVIDERS_PER_YEAR * scale))
    entrants = rng.poisson(cal.PROVIDER_ENTRY_RATE * n0, last_year - first_year + 1)
    n = n0 + int(entrants.sum())
    # Cohort: most accredited long before the first year; entrants a year before they first report.
    old = rng.random(n0) < 0.8
    latest_old = max(1983, first_year - 5)
    cohort_years = np.where(old, rng.integers(1982, latest_old, n0), rng.integers(first_year - 4, first_year, n0))
    entrant_years = np.repeat(np.arange(first_year - 1, last_year), entrants)
    initial = _initial_dates(rng, np.concatenate([cohort_years, entrant_years]))
    acc_i = np.concatenate(
        [
            _quota_labels(rng, n0, list(cal.ACCREDITOR_SHARES.values())),
            rng.choice(3, n - n0, p=list(cal.ACCREDITOR_SHARES.values())),
        ]
    )
    acc_i = np.array([ACCREDITORS.index(k) for k in cal.ACCREDITOR_SHARES])[acc_i]
    org_i = np.concatenate(
        [
            _quota_labels(rng, n0, list(cal.ORG_TYPE_SHARES.values())),
            rng.choice(len(ORGS), n - n0, p=list(cal.ORG_TYPE_SHARES.values())),
        ]
    )
    org_i = np.array([ORGS.index(k) for k in cal.ORG_TYPE_SHARES])[org_i]
    # Voluntary withdrawals: a Poisson process from the first reporting year on.
    start = np.maximum(initial, year_start(first_year))
    wait = rng.exponential(365.25 / cal.PROVIDER_WITHDRAWAL_RATE, n).astype(np.int64)
    withdraw = meeting_on_or_after(start + wait.astype("timedelta64[D]"))
    hist = simulate(rng, initial, withdraw, year_start(first_year), export_day)

    counter = rng.integers(1000, 90000, n)
    reports = np.zeros(n, bool)
    for year in range(first_year, last_year + 1):
        reports |= reporting(initial, hist.end_day, year)
    keep = np.nonzero(reports)[0]
    frame = _attributes(rng, n, acc_i, org_i, initial).filter(pl.col("p").is_in(keep))
    remap = pl.DataFrame({"p": keep, "new_p": np.arange(len(keep))})
    frame = frame.join(remap, on="p").drop("p").rename({"new_p": "p"}).sort("p")
    decisions = (
        hist.decisions.join(remap, on="p", maintain_order="left")
        .drop("p")
        .rename({"new_p": "p"})
        .join(frame.select("p", "provider_id"), on="p", maintain_order="left")
    )
    old_index = hist.decisions.with_row_index("d").select(pl.col("d").cast(pl.Int64), "decision_id")
    decisions = decisions.with_columns(pl.int_range(pl.len()).alias("d_new"))
    findings = (
        hist.findings.join(old_index, on="d", maintain_order="left")
        .join(decisions.select("decision_id", "d_new"), on="decision_id", maintain_order="left")
        .sort("d_new", maintain_order=True)
    )
    new_id = "AD" + (pl.col("d_new") + 1).cast(pl.String).str.zfill(7)
    decisions = decisions.with_columns(new_id.alias("decision_id")).drop("d_new")
    findings = findings.with_columns(new_id.alias("decision_id")).select("decision_id", "criterion", "finding")
    return Universe(frame, decisions, findings, initial[keep], hist.end_day[keep], counter[keep])


def _quota_labels(rng: np.random.Generator, n: int, shares: list[float]) -> np.ndarray:
    """Exactly quota-many of each label, in random order (why: small scales still hit the shares)."""
    return rng.permutation(np.repeat(np.arange(len(shares)), quota(n, shares)))


def _attributes(
    rng: np.random.Generator, n: int, acc_i: np.ndarray, org_i: np.ndarray, initial: np.ndarray
) -> pl.DataFrame:
    state = np.array(_US)[rng.choice(len(_US), n, p=_US_WEIGHTS / _US_WEIGHTS.sum())]
    city = np.array(
        [
            names.CITIES_BY_STATE[s][1][0] if rng.random() < 0.6 else rng.choice(names.CITIES_BY_STATE[s][1])
            for s in state
        ],
        dtype=object,
    )
    country = np.full(n, "USA", dtype=object)
    abroad = (acc_i != ACCREDITORS.index("State")) & (rng.random(n) < cal.NON_US_PROVIDER_SHARE)
    foreign = rng.integers(0, len(names.FOREIGN_CITIES), n)
    for i in np.nonzero(abroad)[0]:
        city[i], country[i] = names.FOREIGN_CITIES[foreign[i]]
    state_col = [None if abroad[i] else state[i] for i in range(n)]
    is_state = acc_i == ACCREDITORS.index("State")
    recognized = [
        _ACCREDITOR_PATTERNS[_US.index(state[i]) % 3].format(names.STATE_NAMES[state[i]]) if is_state[i] else None
        for i in range(n)
    ]
    provider_names = _unique([_provider_name(rng, ORGS[org_i[i]], state[i], city[i]) for i in range(n)], city, state)
    size = np.exp(cal.PROVIDER_SIZE_SIGMA * rng.standard_normal(n))
    return pl.DataFrame(
        {
            "p": np.arange(n),
            "provider_id": pl.Series(rng.choice(10**7 - 1, n, replace=False) + 1).cast(pl.String).str.zfill(7),
            "provider_name": provider_names,
            "organization_type": pl.Series(ORGS).gather(org_i),
            "accreditor_type": pl.Series(ACCREDITORS).gather(acc_i),
            "recognized_accreditor": pl.Series(recognized, dtype=pl.String),
            "state": pl.Series(state_col, dtype=pl.String),
            "country": pl.Series(country.tolist(), dtype=pl.String),
            "initial_accreditation_date": initial,
            "city": pl.Series(city.tolist(), dtype=pl.String),
            "org_i": org_i,
            "acc_i": acc_i,
            "size": size,
            "style": rng.integers(0, 3, n),
        }
    )


def _provider_name(rng: np.random.Generator, org: str, state: str, city: str) -> str:
    stem = rng.choice(names.ORG_STEMS)
    spec = rng.choice(names.SPECIALTIES)
    sur = rng.choice(names.SURNAMES)
    sname = names.STATE_NAMES[state]
    options = {
        "Publishing/Education Company": [
            f"{stem} Medical Education",
            f"{stem} CME Group",
            f"{stem} Clinical Education, LLC",
            f"{sur} Healthcare Communications",
        ],
        "School of Medicine": [
            f"{city} University School of Medicine",
            f"University of {city} College of Medicine",
            f"{sur} School of Medicine",
        ],
        "Nonprofit (Physician Membership Organization)": [
            f"{sname} Society of {spec}",
            f"{sname} Academy of Family Physicians",
            f"National Association of {spec} Physicians",
        ],
        "Nonprofit (Other)": [f"{stem} Foundation", f"{sname} Hospital Association", f"{city} Health Council"],
        "Hospital/Health Care Delivery System": [
            f"{city} General Hospital",
            f"{city} Memorial Hospital",
            f"{sur} Medical Center",
            f"{stem} Health System",
            f"{city} Regional Medical Center",
        ],
        "Government or Military": [
            f"{city} VA Medical Center",
            f"{sname} Department of Health",
            f"Naval Medical Center {city}",
        ],
        "Insurance Company/Managed Care Company": [f"{stem} Health Plan", f"{sname} Managed Care Partners"],
        "Other": [f"{stem} Institute", f"{stem} Learning Collaborative"],
    }[org]
    return str(options[rng.integers(0, len(options))])


def _unique(values: list[str], city: np.ndarray, state: np.ndarray) -> list[str]:
    """Disambiguate repeated names the way real organizations do: by place, then by number."""
    seen: dict[str, int] = {}
    out = []
    for i, name in enumerate(values):
        if name in seen:
            name = f"{name} - {city[i]}"
        while name in seen:
            seen[name] += 1
            name = f"{values[i]} ({seen[name]})"
        seen[name] = 1
        out.append(name)
    return out


def program_summaries(
    rng: np.random.Generator,
    year: int,
    scale: float,
    prov: pl.DataFrame,
    support_by_p: pl.DataFrame,
    deadline: np.datetime64,
    export_day: np.datetime64,
) -> pl.DataFrame:
    """One Program Summary per reporting provider; income lines normalized to the national totals.

    `prov` holds p, provider_id, org_i, n_activities. Before 2015 the old categories apply: other
    income (registration fees and parent allocations) and expenses; the new lines are then zero
    (why: the columns are required, and the money did not exist as separate categories).
    """
    n = prov.height
    acts = prov["n_activities"].to_numpy().astype(float)
    org = prov["org_i"].to_numpy()
    reg_w = np.array([cal.REGISTRATION_WEIGHT_BY_ORG[o] for o in ORGS])[org]

    def allocate(weight: np.ndarray, total: float) -> np.ndarray:
        w = weight * np.exp(0.8 * rng.standard_normal(n))
        return to_hundredths(total * scale * w / w.sum()) if w.sum() > 0 else np.zeros(n, np.int64)

    ads = allocate(acts * (rng.random(n) < cal.HAS_ADS_SHARE), cal.ADS_EXHIBITS_TOTAL)
    reg = allocate(acts * reg_w, cal.REGISTRATION_FEES_TOTAL)
    gov_w = np.where(np.isin(org, [ORGS.index("Government or Military"), ORGS.index("School of Medicine")]), 4, 1)
    grants = allocate(acts * gov_w * (rng.random(n) < cal.HAS_GRANTS_SHARE), cal.GOVERNMENT_GRANTS_TOTAL)
    donations = allocate(acts * (rng.random(n) < cal.HAS_DONATIONS_SHARE), cal.PRIVATE_DONATIONS_TOTAL)
    late = rng.random(n) < cal.LATE_SUMMARY_SHARE
    early = deadline - rng.integers(0, 75, n).astype("timedelta64[D]")
    late_days = max(1, min(cal.MAX_DAYS_LATE, int((export_day - deadline).astype(int))))
    submitted = np.where(late, deadline + rng.integers(1, late_days + 1, n).astype("timedelta64[D]"), early)
    legacy = year <= codes.LEGACY_INCOME_LAST_YEAR
    frame = pl.DataFrame(
        {
            "provider_id": prov["provider_id"],
            "reporting_year": np.full(n, year),
            "advertising_exhibit_income": ads,
            "registration_fees": reg,
            "government_grants": grants,
            "private_donations": donations,
            "submitted_date": submitted,
        }
    )
    if not legacy:
        return frame.with_columns(
            pl.lit(None, pl.Int64).alias("other_income"), pl.lit(None, pl.Int64).alias("total_expenses")
        )
    support = prov.select("p").join(support_by_p, on="p", how="left", maintain_order="left")["support"]
    support = support.fill_null(0).to_numpy()
    other = ((reg + grants + donations) * 1.15).astype(np.int64)
    expenses = ((ads + other + support) * rng.uniform(0.4, 0.8, n)).astype(np.int64)
    zero = np.zeros(n, np.int64)
    return frame.with_columns(
        registration_fees=zero,
        government_grants=zero,
        private_donations=zero,
        other_income=other,
        total_expenses=expenses,
    )

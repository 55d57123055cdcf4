"""Every calibration target of the synthetic generator, in one place, with its source.

Tests compare generated data against these constants, and the generator derives its parameters from
them, so a change of a published figure is made here and nowhere else. Sources are the sections of
`shared/domain/pars-domain.md` (§3.2 headline figures, §3.3 breakdowns, §3.4 REMS, §1.7 MOC) and
`shared/notes/performance.md` (scale factor 1). `[I]` marks a value we chose because no public figure
exists; it is plausible, not published.

All volumes are per reporting year at scale 1 (one national year at 2022 volume); `--scale` multiplies
them. The volume does not trend across years (perf notes: "a decade at SF1 is about 2.3 million
activities"), only the code lists change by year (OTH from 2017, professions from 2019).
"""

from __future__ import annotations

from warehouse.contract import codes

# --- Providers -------------------------------------------------------------------------------------

#: Providers reporting per year: 1,620 in 2022 (§3.2, ACCME 2022).
PROVIDERS_PER_YEAR = 1620
#: Accreditor split: 640 ACCME-accredited (2021, §3.2); Joint "~100-150" (issue brief) -> 125 [I];
#: the rest are state-accredited (~855; the older ~1,200 of accme.us predates the decline, §1.6).
ACCREDITOR_COUNTS = {"ACCME": 640, "Joint": 125, "State": 1620 - 640 - 125}
ACCREDITOR_SHARES = {k: v / PROVIDERS_PER_YEAR for k, v in ACCREDITOR_COUNTS.items()}
#: Organization types: the 2012 activity shares by organization type (§3.3, MeetingsNet), normalized.
#: No provider-level figure is published, so they are used for providers and for activities alike.
_ORG_RAW = {
    "Hospital/Health Care Delivery System": 35.0,
    "School of Medicine": 20.0,
    "Nonprofit (Physician Membership Organization)": 18.0,
    "Publishing/Education Company": 16.5,
    "Nonprofit (Other)": 3.0,
    "Government or Military": 3.0,
    "Insurance Company/Managed Care Company": 2.0,
    "Other": 1.8,
}
ORG_TYPE_SHARES = {k: v / sum(_ORG_RAW.values()) for k, v in _ORG_RAW.items()}
assert set(ORG_TYPE_SHARES) == set(codes.ORGANIZATION_TYPES)
#: Share of ACCME/Joint providers outside the USA [I].
NON_US_PROVIDER_SHARE = 0.02
#: Yearly churn [I]: new providers (Initial decisions) and voluntary withdrawals; together with the
#: Nonaccreditation outcomes below the count stays flat (the published count fell ~2%/yr 2012-2022).
PROVIDER_ENTRY_RATE = 0.028
PROVIDER_WITHDRAWAL_RATE = 0.02
#: Skew of activity volume across providers (lognormal sigma) [I]: the top 10% of providers hold
#: about half of all activities, as in the Data Report's quartile tables (§3.1, 2017).
PROVIDER_SIZE_SIGMA = 1.5
PROVIDER_SIZE_YEAR_NOISE = 0.25

# --- Accreditation decisions [I: shapes from §1.6 and §4, probabilities chosen] ----------------------
#: Outcome probabilities of a Reaccreditation after Provisional Accreditation.
AFTER_PROVISIONAL = {"Accreditation": 0.90, "Probation": 0.06, "Nonaccreditation": 0.04}
#: Outcome probabilities of a later Reaccreditation.
REACCREDITATION = {
    "Accreditation": 0.70,
    "Accreditation with Commendation": 0.22,
    "Probation": 0.06,
    "Nonaccreditation": 0.02,
}
#: Share of Accreditation decisions with noncompliance findings (then a progress report is due).
ACCREDITATION_WITH_PROGRESS_REPORT = 0.25
#: Share of progress-report decisions that still find noncompliance (another report is due).
PROGRESS_REPORT_STILL_NONCOMPLIANT = 0.15
#: Share of Probation follow-ups that end in Nonaccreditation.
PROBATION_FAILS = 0.15

# --- Activities ------------------------------------------------------------------------------------

#: Activities per year: ~230,000 in 2022 (§3.2).
ACTIVITIES_PER_YEAR = 230_000
#: Activity type mix [I, reconciled]: 2022 live courses ~85,000 (C+IL here: 36% = 82,800) and enduring
#: ~108,500 (EM+IEM+JN: 44% = 101,200) (§3.3, ACCME 2022); RSS takes most of the rest; the small
#: learner-directed types and OTH share the remainder (2012: top 3 types = 88%, §3.3).
ACTIVITY_TYPE_SHARES = {
    "C": 0.22,
    "RSS": 0.13,
    "IL": 0.14,
    "EM": 0.03,
    "IEM": 0.34,
    "JN": 0.07,
    "MR": 0.005,
    "TIW": 0.005,
    "CML": 0.005,
    "PI": 0.01,
    "ISL": 0.01,
    "LFT": 0.01,
    "OTH": 0.025,
}
assert set(ACTIVITY_TYPE_SHARES) == set(codes.ACTIVITY_TYPES)
assert abs(sum(ACTIVITY_TYPE_SHARES.values()) - 1) < 1e-9


def activity_type_shares(year: int) -> dict[str, float]:
    """The type mix of one reporting year: OTH exists from 2017 on, the others are renormalized."""
    shares = dict(ACTIVITY_TYPE_SHARES)
    if year < codes.OTH_FIRST_YEAR:
        shares.pop("OTH")
    total = sum(shares.values())
    return {k: v / total for k, v in shares.items()}


#: Physician and other-learner interactions per year: 21.74M and 27.49M in 2021 (§3.2).
PHYSICIAN_INTERACTIONS_PER_YEAR = 22_000_000
OTHER_INTERACTIONS_PER_YEAR = 27_000_000
#: Relative physician interactions per activity by type [I], shaped after the 2013 shares by type
#: (RSS 33%, IEM 30%, Course 15%, Journal 8%; §3.3): RSS counts every session attended.
PHYSICIAN_WEIGHT_BY_TYPE = {
    "C": 60,
    "RSS": 170,
    "IL": 70,
    "EM": 60,
    "IEM": 95,
    "JN": 110,
    "MR": 3,
    "TIW": 6,
    "CML": 15,
    "PI": 50,
    "ISL": 120,
    "LFT": 90,
    "OTH": 110,
}
#: Relative other-learner interactions per activity by type [I] (2012: IEM ~5M others, RSS >2M, §3.3).
OTHER_WEIGHT_BY_TYPE = {
    "C": 50,
    "RSS": 120,
    "IL": 90,
    "EM": 60,
    "IEM": 170,
    "JN": 60,
    "MR": 2,
    "TIW": 4,
    "CML": 20,
    "PI": 40,
    "ISL": 60,
    "LFT": 30,
    "OTH": 150,
}
#: Commercially supported activities draw more learners: 294 vs 160 (2015), 299 vs 157 (2016) (§3.3).
SUPPORTED_LEARNER_MULTIPLIER = 1.8
#: Jointly accredited (IPCE) providers teach mostly non-physicians [I].
JOINT_ACCREDITOR_OTHER_MULTIPLIER = 2.5
#: Heavy tails of learners per activity (lognormal sigma) [I].
PHYSICIAN_SIGMA = 1.2
OTHER_SIGMA = 1.4
#: Hours of instruction per activity by type (mean) [I]; ~6.7 h on average, as 2019's ~1.3M hours over
#: ~190,000 activities (§3.2).
HOURS_MEAN_BY_TYPE = {
    "C": 10.0,
    "RSS": 25.0,
    "IL": 1.5,
    "EM": 2.5,
    "IEM": 1.25,
    "JN": 1.0,
    "MR": 3.0,
    "TIW": 6.0,
    "CML": 8.0,
    "PI": 20.0,
    "ISL": 0.5,
    "LFT": 4.0,
    "OTH": 4.0,
}
HOURS_SIGMA = 0.6
#: Share of activities with no AMA PRA Category 1 credits designated [I].
NO_AMA_CREDITS_SHARE = 0.05

#: Activity statuses: past years are mostly Closed; ~2% are still open after the deadline (issue brief).
STATUS_SHARES = {"Closed": 0.978, "Ready to Close": 0.010, "Active": 0.009, "Draft": 0.003}
#: Share of Closed activities closed after the reporting deadline [I].
CLOSED_LATE_SHARE = 0.01
#: Late closings and late program summaries come within this many days after the deadline [I].
MAX_DAYS_LATE = 60

#: Designed to change: >90% competence, ~60% performance, ~30% patient outcomes (2015, §3.3).
DESIGNED_SHARES = {"competence": 0.93, "performance": 0.60, "patient_outcomes": 0.30}
#: Share of designed activities that also evaluate the change [I] (evaluated shares are lower).
EVALUATED_GIVEN_DESIGNED = {"competence": 0.80, "performance": 0.50, "patient_outcomes": 0.35}
#: Competency weights (relative) [I]; the number per activity is 1-6, empty for a few.
COMPETENCY_WEIGHTS = {
    "ACGME-PC": 10,
    "ACGME-MK": 12,
    "ACGME-PBLI": 4,
    "ACGME-ICS": 3,
    "ACGME-PROF": 2,
    "ACGME-SBP": 3,
    "IOM-PCC": 6,
    "IOM-IDT": 3,
    "IOM-EBP": 6,
    "IOM-QI": 4,
    "IOM-INF": 1,
    "IPEC-VE": 1,
    "IPEC-RR": 1,
    "IPEC-IC": 1.5,
    "IPEC-TT": 1.5,
    "OTHER": 0.5,
}
NO_COMPETENCY_SHARE = 0.03

#: Joint providership: share of activities [I, issue brief 25-30%]; partners per joint activity.
JOINT_PROVIDERSHIP_SHARE = 0.27
JOINT_PARTNER_COUNT_SHARES = {1: 0.75, 2: 0.20, 3: 0.05}
#: Completeness problems (spec §4), issue brief: joint activities with no joint provider row, support
#: Yes with no supporter row.
JOINT_WITHOUT_PARTNER_SHARE = 0.02
SUPPORT_WITHOUT_SUPPORTER_SHARE = 0.03

# --- Income (Program Summary and supporters) --------------------------------------------------------

#: 2021 income (§3.2): total ~$2.8B; commercial support $895M; ads & exhibits $367-387M; registration
#: fees $1.5B. Government grants and private donations are not published: small values [I].
COMMERCIAL_SUPPORT_TOTAL = 900_000_000
ADS_EXHIBITS_TOTAL = 380_000_000
REGISTRATION_FEES_TOTAL = 1_450_000_000
GOVERNMENT_GRANTS_TOTAL = 40_000_000
PRIVATE_DONATIONS_TOTAL = 30_000_000
TOTAL_INCOME = (
    COMMERCIAL_SUPPORT_TOTAL
    + ADS_EXHIBITS_TOTAL
    + REGISTRATION_FEES_TOTAL
    + GOVERNMENT_GRANTS_TOTAL
    + PRIVATE_DONATIONS_TOTAL
)
#: Share of commercial support going to Publishing/Education companies: 73% in 2021 (§3.3) -> 70%.
PUBLISHING_SUPPORT_SHARE = 0.70
#: Probability that an activity is commercially supported, by organization type [I]; gives ~9.5% of
#: activities overall (issue brief: 8-10%; 2013: 17%, declining since, §3.3).
SUPPORT_RATE_BY_ORG = {
    "Publishing/Education Company": 0.25,
    "School of Medicine": 0.09,
    "Nonprofit (Physician Membership Organization)": 0.08,
    "Nonprofit (Other)": 0.07,
    "Hospital/Health Care Delivery System": 0.05,
    "Government or Military": 0.01,
    "Insurance Company/Managed Care Company": 0.02,
    "Other": 0.05,
}
COMMERCIAL_SUPPORT_ACTIVITY_SHARE = sum(ORG_TYPE_SHARES[k] * v for k, v in SUPPORT_RATE_BY_ORG.items())
#: Supporter rows per supported activity: 1 + Poisson(0.7), at most 6 [I]; in-kind rows [I].
EXTRA_SUPPORTERS_MEAN = 0.7
IN_KIND_ROW_SHARE = 0.12
IN_KIND_ONLY_SHARE = 0.5
#: Registration fees and ads by organization type (relative per activity) [I]; providers without ads,
#: grants or donations in a year [I].
REGISTRATION_WEIGHT_BY_ORG = {
    "Publishing/Education Company": 1.2,
    "School of Medicine": 1.0,
    "Nonprofit (Physician Membership Organization)": 3.0,
    "Nonprofit (Other)": 1.5,
    "Hospital/Health Care Delivery System": 0.3,
    "Government or Military": 0.1,
    "Insurance Company/Managed Care Company": 0.2,
    "Other": 0.8,
}
HAS_ADS_SHARE = 0.45
HAS_GRANTS_SHARE = 0.10
HAS_DONATIONS_SHARE = 0.15
#: Program summaries submitted after the deadline [I].
LATE_SUMMARY_SHARE = 0.03

# --- MOC and learner completions -------------------------------------------------------------------

#: Share of activities registered for MOC [I, issue brief ~10%; >12,000 registered activities c. 2017].
MOC_ACTIVITY_SHARE = 0.10
#: Boards of a registration [I]: ABIM dominant, then ABA, ABP, ABS, ABPath, ABOS, ABOHNS, ABTS.
MOC_BOARD_WEIGHTS = {
    "ABIM": 0.55,
    "ABA": 0.12,
    "ABP": 0.10,
    "ABS": 0.08,
    "ABPath": 0.05,
    "ABOS": 0.04,
    "ABOHNS": 0.032,
    "ABTS": 0.028,
}
assert set(MOC_BOARD_WEIGHTS) == set(codes.BOARDS)
MOC_BOARD_COUNT_SHARES = {1: 0.80, 2: 0.15, 3: 0.05}
#: Learner completion rows per year: ~2 million (perf notes: "our assumption: no public figure").
COMPLETIONS_PER_YEAR = 2_000_000
#: Completion statuses (issue brief ~95/3/2) and the late share (> 30 days, issue brief ~10%).
COMPLETION_STATUS_SHARES = {"Accepted": 0.95, "Rejected": 0.03, "Pending": 0.02}
LATE_COMPLETION_SHARE = 0.10
#: Share of ABP registrations whose completions carry differing credits (spec §4) [I: "a few"].
ABP_DIFFERING_CREDITS_SHARE = 0.03
#: Distinct learners (diplomates) at scale 1 [I]: ~5 completions per learner per year.
LEARNER_POOL = 400_000
#: Share of learners certified by two boards, each with its own board ID [I].
TWO_BOARDS_SHARE = 0.08

# --- REMS and professions ----------------------------------------------------------------------------

#: OA REMS: 213 activities in 5.5 months of 2020 (§3.4) -> ~300 per year [I]; REMS fields since 2013.
REMS_ACTIVITIES_PER_YEAR = 300
REMS_FIRST_YEAR = 2013
REMS_COMPLIANT_SHARE = 0.70
#: RPC-funded share of compliant activities: 687 of 693 ER/LA REMS activities (§3.4) -> 90%.
RPC_FUNDED_SHARE = 0.90
#: Other learners by profession from 2019 (§3.1: nurses, pharmacists, ...): relative weights [I]. An
#: activity reaches 1-6 professions drawn by these weights, so the realized nurse share is higher
#: (~59% of other learners at scale 1); nurses are the largest group either way.
PROFESSION_SHARES = {
    "Nurse": 0.48,
    "Pharmacist": 0.14,
    "Pharmacy Technician": 0.03,
    "Physician Assistant": 0.10,
    "Optometrist": 0.02,
    "Psychologist": 0.04,
    "Social Worker": 0.05,
    "Dentist": 0.03,
    "Other": 0.11,
}
assert set(PROFESSION_SHARES) == set(codes.PROFESSIONS)


# --- Derived means (unsupported, non-Joint activity), so that the expected totals hit the targets ----


def _expected_multiplier(extra: float, share: float) -> float:
    return 1.0 + share * (extra - 1.0)


def _per_type_means(weights: dict[str, float], total: float, multiplier: float) -> dict[str, float]:
    """Scale relative weights so that 230k activities of the 2017+ mix draw `total` interactions."""
    mix = ACTIVITY_TYPE_SHARES
    open_drafts = STATUS_SHARES["Draft"]  # drafts report no learners
    per_activity = total / ACTIVITIES_PER_YEAR / (1 - open_drafts) / multiplier
    scale = per_activity / sum(mix[t] * weights[t] for t in mix)
    return {t: w * scale for t, w in weights.items()}


_SUPPORT_MULT = _expected_multiplier(SUPPORTED_LEARNER_MULTIPLIER, COMMERCIAL_SUPPORT_ACTIVITY_SHARE)
_JOINT_MULT = _expected_multiplier(JOINT_ACCREDITOR_OTHER_MULTIPLIER, ACCREDITOR_SHARES["Joint"])
#: Mean physician / other learners of an unsupported activity (of a non-Joint provider) by type.
PHYSICIAN_MEAN_BY_TYPE = _per_type_means(PHYSICIAN_WEIGHT_BY_TYPE, PHYSICIAN_INTERACTIONS_PER_YEAR, _SUPPORT_MULT)
OTHER_MEAN_BY_TYPE = _per_type_means(OTHER_WEIGHT_BY_TYPE, OTHER_INTERACTIONS_PER_YEAR, _SUPPORT_MULT * _JOINT_MULT)

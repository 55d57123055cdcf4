"""Code lists of the PARS export format v1 (spec §3), shared by the generator, the loader and the models."""

ACTIVITY_TYPES: tuple[str, ...] = (
    "C",
    "RSS",
    "IL",
    "EM",
    "IEM",
    "JN",
    "MR",
    "TIW",
    "CML",
    "PI",
    "ISL",
    "LFT",
    "OTH",
)
ACTIVITY_TYPE_NAMES: dict[str, str] = {
    "C": "Course",
    "RSS": "Regularly Scheduled Series",
    "IL": "Internet Live Course",
    "EM": "Enduring Material",
    "IEM": "Internet Enduring Material",
    "JN": "Journal-based CME",
    "MR": "Manuscript Review",
    "TIW": "Test Item Writing",
    "CML": "Committee Learning",
    "PI": "Performance Improvement",
    "ISL": "Internet Searching and Learning",
    "LFT": "Learning from Teaching",
    "OTH": "Other/Blended Learning",
}
LIVE_TYPES = ("C", "RSS", "IL")
ENDURING_TYPES = ("EM", "IEM", "JN")
#: `OTH` exists from reporting year 2017 on.
OTH_FIRST_YEAR = 2017
#: Other-learner professions are reported from reporting year 2019 on.
PROFESSIONS_FIRST_YEAR = 2019
#: other_income and total_expenses are reported only before this reporting year.
LEGACY_INCOME_LAST_YEAR = 2014

ORGANIZATION_TYPES: tuple[str, ...] = (
    "Publishing/Education Company",
    "School of Medicine",
    "Nonprofit (Physician Membership Organization)",
    "Nonprofit (Other)",
    "Hospital/Health Care Delivery System",
    "Government or Military",
    "Insurance Company/Managed Care Company",
    "Other",
)
ACCREDITOR_TYPES = ("ACCME", "State", "Joint")

US_STATES: tuple[str, ...] = (
    "AL",
    "AK",
    "AZ",
    "AR",
    "CA",
    "CO",
    "CT",
    "DE",
    "FL",
    "GA",
    "HI",
    "ID",
    "IL",
    "IN",
    "IA",
    "KS",
    "KY",
    "LA",
    "ME",
    "MD",
    "MA",
    "MI",
    "MN",
    "MS",
    "MO",
    "MT",
    "NE",
    "NV",
    "NH",
    "NJ",
    "NM",
    "NY",
    "NC",
    "ND",
    "OH",
    "OK",
    "OR",
    "PA",
    "RI",
    "SC",
    "SD",
    "TN",
    "TX",
    "UT",
    "VT",
    "VA",
    "WA",
    "WV",
    "WI",
    "WY",
    "DC",
    "AS",
    "GU",
    "MP",
    "PR",
    "VI",
)

DECISION_TYPES = ("Initial", "Reaccreditation", "Progress Report", "Probation Follow-up", "Status Change")
ACCREDITATION_STATUSES = (
    "Provisional Accreditation",
    "Accreditation",
    "Accreditation with Commendation",
    "Probation",
    "Nonaccreditation",
)
#: Term lengths in years that a decision's term may span (2 provisional, 4, 6 with commendation).
TERM_YEARS = (2, 4, 6)
CRITERIA: tuple[str, ...] = tuple(f"C{i}" for i in range(1, 39)) + tuple(f"SII{i}" for i in range(1, 6))
FINDINGS = ("Compliance", "Noncompliance", "Not Applicable")

PROVIDERSHIP = ("Direct", "Joint")
ACTIVITY_STATUSES = ("Draft", "Active", "Ready to Close", "Closed")
COMPETENCIES: tuple[str, ...] = (
    "ACGME-PC",
    "ACGME-MK",
    "ACGME-PBLI",
    "ACGME-ICS",
    "ACGME-PROF",
    "ACGME-SBP",
    "IOM-PCC",
    "IOM-IDT",
    "IOM-EBP",
    "IOM-QI",
    "IOM-INF",
    "IPEC-VE",
    "IPEC-RR",
    "IPEC-IC",
    "IPEC-TT",
    "OTHER",
)
IN_KIND_NATURES = (
    "Durable equipment",
    "Facilities/Space",
    "Disposable supplies",
    "Animal parts or tissue",
    "Human parts or tissue",
    "Other",
)

BOARDS = ("ABA", "ABIM", "ABOS", "ABOHNS", "ABPath", "ABP", "ABS", "ABTS")
CREDIT_TYPES_BY_BOARD: dict[str, tuple[str, ...]] = {
    "ABIM": ("MK", "PA", "PS"),
    "ABA": ("LL", "PS"),
    "ABP": ("LL", "IP"),
    "ABPath": ("LL", "SA"),
    "ABS": ("CME", "SA"),
    "ABOS": ("CME", "SA"),
    "ABOHNS": ("CME", "SA"),
    "ABTS": ("CME", "SA"),
}
CREDIT_TYPES = tuple(sorted({c for types in CREDIT_TYPES_BY_BOARD.values() for c in types}))
#: A completion reported more than this many days after completing is late.
LATE_AFTER_DAYS = 30

REMS_DESIGNATIONS = ("Compliant", "Related")
COMPLETION_STATUSES = ("Accepted", "Rejected", "Pending")
PROFESSIONS = (
    "Nurse",
    "Pharmacist",
    "Pharmacy Technician",
    "Physician Assistant",
    "Optometrist",
    "Psychologist",
    "Social Worker",
    "Dentist",
    "Other",
)

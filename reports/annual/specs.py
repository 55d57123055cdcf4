"""The Data Report's tables read from one annual_report mart each, said once as specs (`GroupSpec`: the mart, the
columns with labels and formats from reports/labels.py and reports/formats.py, how the total, the change row and
suppressed figures print), and the tables of one accreditor group in their order (`group_tables`)."""

from __future__ import annotations

from dataclasses import dataclass

from ..data import Warehouse
from ..tables import Table, TableSpec, change_row, col, with_total
from ..wording import source
from .tables import GROUP_NAMES, Numbering, change_table, changes, hide, matrix_tables, suppressed

#: every figure column's change against the measure of the same name
SAME = "same"


@dataclass(frozen=True)
class GroupSpec(TableSpec):
    """A Data Report table of one accreditor group read from one annual_report mart (its rows: that group's, in the
    year), with what it prints besides the rows."""

    title: str = ""
    total: bool = False  # a total row under the rows (the column sums; the first column is the row label)
    blank_in_total: tuple[str, ...] = ()  # figures the total row shows as "–" (a share of a sum)
    change: dict[str, str] | str | None = None  # a "Change vs <year - 1>" row: column -> enterprise_size measure
    suppress: bool = True  # print as "-" the figures annual_report.suppressed_cells names

    def table(self, w: Warehouse, year: int, group: str, num: Numbering) -> Table:
        tid, n = num.next()
        t = self.read(
            w, [year, group], tid, f"Table {n}. {self.title}, {year} ({GROUP_NAMES[group]})", source(self.mart, year)
        )
        key = t.columns[0].key
        if self.total:
            t = with_total(t, key)
        if t.total:
            t.total.update(dict.fromkeys(self.blank_in_total))
            columns = {c.key: c.key for c in t.columns[1:]} if self.change == SAME else self.change
            if columns:
                t.change = change_row(key, year, changes(w, year, group), columns)
        if not self.suppress:
            return t
        flags = suppressed(w, year, group, self.mart.split(".", 1)[1])
        return hide(t, lambda r, c: ("All" if r is t.total else r[key], c) in flags)


def _by_lookup(lookup: str, key: str) -> str:
    """The query of a group's rows in the order of a code list (`core.dim_<lookup>`'s sort_order)."""
    return (
        f"select m.* from {{mart}} m join core.dim_{lookup} s using ({key}) "
        "where report_year = ? and accreditor_group = ? order by s.sort_order"
    )


BY_ORGANIZATION_TYPE = _by_lookup("organization_types", "organization_type")
ORGANIZATION_TYPE = col("organization_type")

INCOME_BY_SOURCE = GroupSpec(
    "annual_report.income_by_source",
    "select * from {mart} where report_year = ? and accreditor_group = ? order by source_order",
    (
        col("income_source", "Source", "text"),
        col("income", "Income", "money"),
        col("share_of_total_income", "Share of total income", "share"),
    ),
    title="Income by source",
    total=True,
    blank_in_total=("share_of_total_income",),
    change={"income": "total_income"},
)
INCOME_BY_ORGANIZATION_TYPE = GroupSpec(
    "annual_report.income_by_organization_type",
    BY_ORGANIZATION_TYPE,
    (
        ORGANIZATION_TYPE,
        col("providers_reporting"),
        col("commercial_support_income", "Commercial support"),
        col("advertising_exhibit_income", "Advertising and exhibits"),
        col("registration_fees"),
        col("government_grants"),
        col("private_donations"),
        col("other_income", "Other"),
        col("total_income"),
    ),
    wide=True,
    title="Income by organization type",
    total=True,
    change=SAME,
)
COMMERCIAL_SUPPORT = GroupSpec(
    "annual_report.commercial_support_by_organization_type",
    BY_ORGANIZATION_TYPE,
    (
        ORGANIZATION_TYPE,
        col("activities"),
        col("activities_with_commercial_support", "Activities with support"),
        col("share_of_activities_with_commercial_support", "Share of activities supported", "share"),
        col("commercial_support_income", "Commercial support"),
        col("share_of_commercial_support_income", "Share of support income", "share"),
    ),
    title="Commercial support by organization type",
)
COMPETENCIES = GroupSpec(
    "annual_report.competencies_addressed",
    _by_lookup("competencies", "competency_code"),
    (
        col("competency_code", "Code"),
        col("competency_name", "Competency"),
        col("competency_framework", "Framework"),
        col("activities"),
        col("share_of_activities", "Share of activities", "share"),
    ),
    note="An activity may address several competencies: shares add up to more than 100%.",
    title="Competencies addressed",
    suppress=False,
)
PROFESSIONS = GroupSpec(
    "annual_report.other_learners_by_profession",
    _by_lookup("learner_professions", "profession"),
    (
        col("profession", "Profession"),
        col("activities", "Activities reporting"),
        col("other_learner_interactions", "Interactions"),
        col("share_of_other_learner_interactions", "Share", "share"),
    ),
    title="Other learners by profession",
)
QUARTILES = GroupSpec(
    "annual_report.provider_quartiles_by_organization_type",
    BY_ORGANIZATION_TYPE,
    (
        ORGANIZATION_TYPE,
        col("providers_reporting"),
        *(
            col(f"{measure}_{q}", f"{measure.capitalize()} {name}", "num1")
            for measure in ("activities", "interactions")
            for q, name in (("p25", "25th pct."), ("median", "median"), ("p75", "75th pct."))
        ),
    ),
    wide=True,
    title="Quartiles per reporting provider by organization type",
)


def group_tables(w: Warehouse, year: int, group: str, num: Numbering, lk: dict) -> list[Table]:
    """The tables repeated for each accreditor group (main report: All; supplement: ACCME, State, Joint)."""
    return [
        *matrix_tables(w, year, group, num, lk),
        INCOME_BY_SOURCE.table(w, year, group, num),
        INCOME_BY_ORGANIZATION_TYPE.table(w, year, group, num),
        COMMERCIAL_SUPPORT.table(w, year, group, num),
        change_table(w, year, group, num),
        COMPETENCIES.table(w, year, group, num),
        PROFESSIONS.table(w, year, group, num),
        QUARTILES.table(w, year, group, num),
    ]


# The tables' builders by their earlier names (callers of reports.annual keep working).
def income_tables(w: Warehouse, year: int, group: str, num: Numbering, lk: dict | None = None) -> list[Table]:
    return [INCOME_BY_SOURCE.table(w, year, group, num), INCOME_BY_ORGANIZATION_TYPE.table(w, year, group, num)]


def commercial_support_table(w: Warehouse, year: int, group: str, num: Numbering) -> Table:
    return COMMERCIAL_SUPPORT.table(w, year, group, num)


def competencies_table(w: Warehouse, year: int, group: str, num: Numbering) -> Table:
    return COMPETENCIES.table(w, year, group, num)


def professions_table(w: Warehouse, year: int, group: str, num: Numbering) -> Table:
    return PROFESSIONS.table(w, year, group, num)


def quartiles_table(w: Warehouse, year: int, group: str, num: Numbering) -> Table:
    return QUARTILES.table(w, year, group, num)

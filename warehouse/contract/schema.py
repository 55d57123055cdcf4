"""The shape of the export contract: rule names, bounds, and the dataclasses a file spec is made of."""

from __future__ import annotations

from dataclasses import dataclass

RULES: dict[str, str] = {
    "record_size": "a record longer than the record-size limit (pars load --max-record-size, default 32MB)",
    "field_count": "the row has a different number of fields than the header",
    "field_size": "a value longer than the field-size limit (pars load --max-field-size, default 16MB)",
    "duplicate_key": "two different rows of one export share a key (all of them are quarantined)",
    "required": "a required value is empty (or only whitespace)",
    "control_character": "a control character (U+0000-U+001F or U+007F; tab, LF and CRLF allowed) in a value",
    "id_format": "an id longer than 40 characters or with a character outside A-Z, a-z, 0-9 and '-' "
    "(or starting with '-')",
    "invalid_date": "not an ISO YYYY-MM-DD calendar date",
    "date_out_of_range": "a date or year outside 1950-2100",
    "invalid_year": "not a four-digit year",
    "invalid_bool": "not exactly Yes or No",
    "invalid_int": "not a base-10 integer without separators",
    "invalid_decimal": "not a base-10 number with '.' as decimal point",
    "invalid_money": "not a decimal USD amount with at most 2 decimals",
    "out_of_range": "a number outside its allowed range (negative, zero where > 0 is required, month 13 ...)",
    "unknown_code": "a value (or list element) that is not in the column's code list",
    "conditionally_required": "a value required by another column's value is empty",
    "date_order": "a date before the date it must follow",
    "max_span": "an RSS longer than 12 months or an enduring material longer than 3 years",
    "term_length": "an accreditation term that is not 2, 4 or 6 years (within 31 days)",
    "only_before_2015": "other_income / total_expenses reported for reporting year 2015 or later",
    "code_not_in_year": "a code used before the year it exists (OTH before 2017, professions before 2019)",
    "supporter_without_support": "a commercial supporter with neither a monetary amount nor in-kind support",
    "credit_type_for_board": "a credit type that the board does not allow",
    "dea_exceeds_prescribers": "more DEA-registered learners than prescribers",
    "invalid_birth_day": "a birth day that does not exist in the birth month (29 February allowed)",
    "unknown_reference": "a reference to a provider, decision, activity or MOC registration that does not exist",
    "parent_rejected": "a reference to a record that this export holds but that was itself quarantined",
    "completion_window": "a completion dated before the activity starts or more than 1 year after it ends",
}

#: Rules that guard against hostile or damaged files rather than data mistakes: the defect generator
#: (warehouse/synth) does not produce them; tests/security does.
GUARD_RULES = frozenset({"record_size", "field_size", "control_character"})

#: The id alphabet (RE2, whole value): ASCII letters, digits and '-', not starting with '-'. Ids name
#: files downstream (review packets by provider_id), so no path, quote, space or control character.
ID_PATTERN = "[A-Za-z0-9][A-Za-z0-9-]*"

#: Plausible bounds for every date and year (spec: dates must be real; 1900 and 2999 are typos).
MIN_DATE = "1950-01-01"
MAX_DATE = "2100-12-31"
MIN_YEAR, MAX_YEAR = 1950, 2100


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # id, text, code, date, year, bool, int, decimal, money, list
    optional: bool = False
    key: bool = False
    codes: tuple[str, ...] | frozenset[str] | None = None
    min: float | None = None
    min_exclusive: bool = False
    max: float | None = None


@dataclass(frozen=True)
class Check:
    """A rule across columns of one row; `violation` is SQL over the typed columns (true = broken)."""

    rule: str
    column: str
    violation: str


@dataclass(frozen=True)
class Reference:
    """Columns of this file that must name a record of `parent` (by the parent's key columns)."""

    columns: tuple[str, ...]
    parent: str
    parent_columns: tuple[str, ...]


@dataclass(frozen=True)
class FileSpec:
    name: str
    columns: tuple[Column, ...]
    required: bool = False
    checks: tuple[Check, ...] = ()
    references: tuple[Reference, ...] = ()
    #: Other column sets that must be unique within one export (besides the key).
    unique: tuple[tuple[str, ...], ...] = ()
    #: How a record finds its reporting year (for full-export deletion): own column or via activity.
    year_via: str | None = None
    contains_personal_data: bool = False

    @property
    def key(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.key)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

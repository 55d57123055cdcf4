"""The PARS export format v1 as data: code lists, files, columns, rules (see docs/loading.md)."""

from . import codes
from .files import CROSS_FILE_CHECKS, FILES, FILES_BY_NAME, FORMULA_PREFIXES, SIDECAR_FILES
from .schema import (
    GUARD_RULES,
    ID_PATTERN,
    MAX_DATE,
    MAX_YEAR,
    MIN_DATE,
    MIN_YEAR,
    RULES,
    Check,
    Column,
    FileSpec,
    Reference,
)

__all__ = [
    "CROSS_FILE_CHECKS",
    "FILES",
    "FILES_BY_NAME",
    "FORMULA_PREFIXES",
    "GUARD_RULES",
    "ID_PATTERN",
    "MAX_DATE",
    "MAX_YEAR",
    "MIN_DATE",
    "MIN_YEAR",
    "RULES",
    "SIDECAR_FILES",
    "Check",
    "Column",
    "FileSpec",
    "Reference",
    "codes",
]

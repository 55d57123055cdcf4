"""Public count tables: primary and complementary cell suppression with a linear-program audit (privacy.md
guarantee 4). linear_audit.py (relations, LP intervals, the protection rule) -> suppression.py (suppress, the result).
"""

from anonymize.tables.linear_audit import ALL, CellInterval, audit, is_protected, relations, with_margins
from anonymize.tables.suppression import SuppressionResult, TableExposedError, suppress

__all__ = [
    "ALL",
    "CellInterval",
    "SuppressionResult",
    "TableExposedError",
    "audit",
    "is_protected",
    "relations",
    "suppress",
    "with_margins",
]

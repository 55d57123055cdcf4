"""The defect kinds, per file: which rows qualify and how a row is made to break exactly one rule.

Each kind edits raw text (what the loader reads). Values are chosen so that every earlier rule of
docs/loading.md still passes (e.g. a 31 February in a column no row rule reads, a negative count in a
column without a cross-column check), so the rule a loader must record is certain.

The kinds are defined per file in defect_kinds_providers.py and defect_kinds_activities.py (from the
building blocks of defect_base.py) and joined here in file order, beside the formula-looking text and the
key columns a copied defect renews.
"""

from __future__ import annotations

import polars as pl

from .defect_base import Kind, Where, parent_ok
from .defect_kinds_activities import _COMPLETION_OK, ACTIVITY_KINDS
from .defect_kinds_providers import PROVIDER_KINDS

KINDS: dict[str, list[Kind]] = {**PROVIDER_KINDS, **ACTIVITY_KINDS}

#: Formula-looking text (valid; the loader stores it neutralized): file -> (column, values, where).
FORMULAS: dict[str, tuple[str, tuple[str, ...], Where]] = {
    "providers": ("provider_name", ("@Home Health Education Partners",), lambda ctx: pl.lit(True)),
    "activities": (
        "title",
        ('=HYPERLINK("https://example.org/register","Register")', "@SUM(1)"),
        parent_ok("providers"),
    ),
    "learner_completions": (
        "rejection_reason",
        ("-Board ID not found",),
        lambda ctx: (pl.col("status") == "Rejected") & _COMPLETION_OK(ctx),
    ),
}

#: Key columns given a fresh suffix when a defect is a copy rather than an edit.
FRESH_KEY: dict[str, tuple[str, ...]] = {
    "providers": ("provider_id",),
    "accreditation_decisions": ("decision_id",),
    "decision_findings": ("decision_id",),
    "program_summaries": ("provider_id",),
    "activities": ("activity_id", "provider_activity_id"),
    "learner_completions": ("completion_id",),
    **{
        n: ("activity_id",)
        for n in (
            "activity_commercial_supporters",
            "activity_joint_providers",
            "activity_moc_registrations",
            "activity_rems",
            "activity_learner_professions",
        )
    },
}

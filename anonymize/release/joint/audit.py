"""The joint audit in register.JOINT_AUDITS: which releases combine, and the refusal messages."""

from __future__ import annotations

from collections import defaultdict

import polars as pl

from .reading import HIGH, LOW, PSEUDONYM, _has_rows, _has_tables, _printable, sources
from .system import Exposure, JointAuditError, intervals

#: a cell published with nothing unknown beside it: shown as the first few cells in a refusal
SHOWN = 5


def _combinable(tables: list, rows: list) -> bool:
    return bool(tables) and (len(tables) > 1 or bool(rows))


def tables_activities_audit(candidate, registered) -> list[str]:
    """Reasons to refuse the candidate: a pseudonym link to a tables release, or a suppressed cell that the
    candidate combined with the registered releases makes derivable into [1, 10]."""
    found = {name: list(frame.columns) for name, frame in candidate.tables.items()}
    if not _has_tables(found) and not _has_rows(found):
        return []  # a learners release: nothing of it enters these systems
    try:
        tables, rows = sources(candidate, registered)
    except (OSError, ValueError, KeyError, pl.exceptions.PolarsError) as exc:
        from ..register import RegisterError

        raise RegisterError(
            f"release register: a registered release's data cannot be read for the joint audit "
            f"({_printable(exc)}); restore the register from the backup of the warehouse"
        ) from None
    new_tables = [t for t in tables if t.candidate]
    new_rows = [r for r in rows if r.candidate]
    if not new_tables and not new_rows:
        return []
    reasons = []
    for source in rows:
        partners = tables if source.candidate else new_tables
        partners = [t for t in partners if t is not source]
        if source.linked and partners:
            reasons.append(
                f"{source.label} carries the provider pseudonym ({PSEUDONYM!r} column, activities profile version "
                f"1) and is combined with {', '.join(t.label for t in partners)}: an integer program fitting each "
                f"pseudonym's activity rows to the published cells of the tables places the provider's state and "
                f"organization type and then recovers the suppressed cells (the pseudonym fit); make the "
                f"activities release without the provider pseudonym (the current activities profile) before "
                f"releasing tables"
            )
    if reasons:
        return reasons
    if not _combinable(tables, rows):
        return []
    try:
        combined = intervals(tables, rows)
    except JointAuditError as exc:
        return [f"{exc}; a release that cannot be audited with the register is not made"]
    exposed = combined.exposed
    old_tables = [t for t in tables if not t.candidate]
    old_rows = [r for r in rows if not r.candidate]
    if exposed and _combinable(old_tables, old_rows):
        try:
            before = {e.key() for e in intervals(old_tables, old_rows).exposed}
        except JointAuditError:
            before = set()
        exposed = [e for e in exposed if e.key() not in before]
    if not exposed:
        return []
    by_release: dict[str, list[Exposure]] = defaultdict(list)
    for e in exposed:
        by_release[e.release].append(e)
    for release, found in by_release.items():
        others = [s.label for s in (*tables, *rows) if s.label != release]
        shown = "; ".join(e.text() for e in found[:SHOWN]) + (
            f"; and {len(found) - SHOWN} more" if len(found) > SHOWN else ""
        )
        reasons.append(
            f"combined with {', '.join(others)}, {len(found)} suppressed cell value(s) of {release} become "
            f"derivable into [{LOW}, {HIGH}] (linear programs over the published cells and margins of every "
            f"tables release{' and the activity rows' if rows else ''}): {shown}"
        )
    return reasons

"""The joint disclosure audit: a tables release read together with activities releases and other tables releases.

The adversary (docs/releases.md) holds every release of the warehouse. The tables release's own audit proves that
no suppressed cell can be derived into [1, 10] from that release alone; this module proves it for the releases
combined, in both orders (a new tables release against the registered activities and tables releases, a new
activities release against the registered tables releases), through `register.JOINT_AUDITS`.

One linear system per disclosure measure (activities = row count, physician_interactions,
other_learner_interactions) over:

- the cells of every tables release's activity system (`activities_by_type_organization_year` and
  `activities_by_state_year` stacked, as the tables profile audits them): published cells are known, suppressed
  cells unknown, and every margin equation of each release holds. A cell of a concrete year is the same unknown
  in every tables release (so an earlier release's published cells are equalities on the new one's); a margin
  over the years (`All`) is an unknown of its own release (releases of other years sum other years).
- the rows of every activities release, per year and activity type: rows whose organization_type is a raw value
  are known to be in that cell; rows with a generalized value or `*` are split over the cells of the organization
  types they could have, by unknown parts u >= 0:
      cell(t, o, y) = (rows of t, y known to be o) + sum over generalized values v covering o of u(t, y, v, o)
      sum over o covered by v of u(t, y, v, o) = (rows of t, y showing v)
  (for activities the rows are counted, for interactions summed). So a cell is at least its known part, and
  the unknown parts add up to what the generalized rows hold.

Then the existing LP audit (`linear_audit.Auditor`: one warm-started HiGHS model per connected component) gives
the min and max of every suppressed cell of every combined tables release; a cell whose interval lies inside
[1, 10] makes the combination disclose it, and the new release is refused with the release, table, cell and
interval. Cells already derivable from the registered releases alone (without the new one) are not held against
the new release.

An activities release that still carries a provider pseudonym (a `provider` column: activities profile
version 1) links every row to a provider: an integer program fitting each pseudonym's rows to the published cells
places its state and organization type and then recovers the suppressed cells
(tests/release/test_attack_pseudonym_fit.py). This module does not try to prove such a combination safe: any
tables release combined with it is refused.

Limits (also in docs/releases.md): the audit is the LP relaxation per measure (as the tables profile's own audit);
it does not model that the same rows carry all three measures at once, nor match identical rows across two
activities releases. Releases made from different data (another load) whose numbers disagree are not combined
for the disagreeing years, and that is said in the result's notes.
"""

from __future__ import annotations

from .audit import SHOWN, tables_activities_audit
from .reading import (
    ACTIVITY_TYPES,
    BY_STATE,
    DIMENSIONS,
    HIERARCHY,
    HIGH,
    LOW,
    MEASURES,
    PSEUDONYM,
    ROW_COLUMNS,
    TYPE_ORG,
    UNION,
    RowsSource,
    TablesSource,
    activity_format_groups,
    organization_groups,
    sources,
)
from .star import star_for_tables
from .system import Exposure, JointAuditError, JointResult, intervals

__all__ = [
    "ACTIVITY_TYPES",
    "BY_STATE",
    "DIMENSIONS",
    "HIERARCHY",
    "HIGH",
    "LOW",
    "MEASURES",
    "PSEUDONYM",
    "ROW_COLUMNS",
    "SHOWN",
    "TYPE_ORG",
    "UNION",
    "Exposure",
    "JointAuditError",
    "JointResult",
    "RowsSource",
    "TablesSource",
    "activity_format_groups",
    "intervals",
    "organization_groups",
    "sources",
    "star_for_tables",
    "tables_activities_audit",
]

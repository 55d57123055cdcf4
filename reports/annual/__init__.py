"""The annual Data Report: tables, summary sentences and charts from the annual_report marts.

- `reports.annual.tables`: Table 1, the matrices, MOC and REMS, and what the tables share (numbering, suppression);
- `reports.annual.specs`: the tables read from one mart each, as specs, and a group's tables in order;
- `reports.annual.charts`: the figures;
- `reports.annual.context`: the summary, key figures and lineage, and `build_context` (what annual.html renders).
"""

from __future__ import annotations

from .charts import income_share_chart, number_figures, trend_charts
from .context import KEY_FIGURES, all_tables, build_context, key_figures, lineage, summary_sentences
from .specs import (
    commercial_support_table,
    competencies_table,
    group_tables,
    income_tables,
    professions_table,
    quartiles_table,
)
from .tables import (
    GROUP_NAMES,
    MATRIX_MEASURES,
    SIZE_MEASURES,
    SUPPRESSED_NOTE,
    Numbering,
    change_table,
    changes,
    hide,
    matrix_tables,
    moc_table,
    rems_table,
    size_table,
    suppressed,
)

__all__ = [
    "GROUP_NAMES",
    "KEY_FIGURES",
    "MATRIX_MEASURES",
    "SIZE_MEASURES",
    "SUPPRESSED_NOTE",
    "Numbering",
    "all_tables",
    "build_context",
    "change_table",
    "changes",
    "commercial_support_table",
    "competencies_table",
    "group_tables",
    "hide",
    "income_share_chart",
    "income_tables",
    "key_figures",
    "lineage",
    "matrix_tables",
    "moc_table",
    "number_figures",
    "professions_table",
    "quartiles_table",
    "rems_table",
    "size_table",
    "suppressed",
    "summary_sentences",
    "trend_charts",
]

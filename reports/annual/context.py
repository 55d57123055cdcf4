"""The Data Report's context for its template: the summary, the key figures, the tables, the figures, the lineage."""

from __future__ import annotations

from ..data import Warehouse
from ..tables import Table
from ..wording import plural
from .charts import income_share_chart, number_figures, trend_charts
from .specs import group_tables
from .tables import (
    GROUP_NAMES,
    SIZE_MEASURES,
    Numbering,
    changes,
    lookups,
    moc_table,
    rems_table,
    size_table,
    suppressed,
)


def summary_sentences(w: Warehouse, year: int) -> list[str]:
    """The executive summary: sentences whose every figure comes from annual_report.executive_summary."""
    r = w.one(
        "select * from annual_report.executive_summary where report_year = ? and accreditor_group = 'All'", [year]
    )
    if not r or not r["activities"]:
        return []

    def change(pct, what):
        if pct is None:
            return f"no figures for {year - 1} to compare with"
        return f"{pct:+.1f}% vs {year - 1}"

    physicians = r["physician_share_of_interactions"]
    out = [
        f"In {year}, {r['providers_accredited']:,} accredited providers offered {r['activities']:,} activities "
        f"({change(r['activities_percent_change'], str(year))}).",
        f"Those activities counted {r['total_interactions']:,} learner interactions "
        f"({change(r['total_interactions_percent_change'], str(year))}); physicians accounted for "
        f"{100 * physicians:.1f}% of them."
        if physicians is not None
        else f"Those activities counted {r['total_interactions']:,} learner interactions.",
        f"Total income was ${float(r['total_income']):,.0f} ({change(r['total_income_percent_change'], str(year))}).",
        f"{100 * r['share_of_activities_without_commercial_support']:.1f}% of activities received no commercial "
        "support.",
    ]
    if r["largest_organization_type"]:
        out.append(
            f"{r['largest_organization_type']} was the largest organization type, with "
            f"{r['largest_organization_type_activities']:,} activities "
            f"({100 * r['largest_organization_type_share']:.1f}% of the total)."
        )
    return out


#: the headline figures of the executive summary: Table 1's measures but the commercially supported activities
KEY_FIGURES = [m for m in SIZE_MEASURES if m[0] != "activities_with_commercial_support"]


def key_figures(w: Warehouse, year: int) -> list[dict]:
    """The headline figures of the year for all providers, each with its change against the previous year."""
    size = w.one(
        "select * from annual_report.enterprise_size where report_year = ? and accreditor_group = 'All'", [year]
    )
    if not size or not size["activities"]:
        return []
    pct = changes(w, year, "All")
    hidden = {m for row_key, m in suppressed(w, year, "All", "enterprise_size") if row_key == "Total"}
    return [
        {
            "label": label,
            "value": None if key in hidden else size[key],
            "kind": kind,
            "change": None if key in hidden else pct.get(key),
        }
        for key, label, kind in KEY_FIGURES
    ]


def lineage(w: Warehouse, tables: list[Table]) -> dict:
    """The methods appendix's technical lineage, for people: the exports (dates as dates), and which dataset of
    the warehouse each table reads."""
    exports = w.exports()
    for e in exports:
        e["exported_date"] = f"{e['exported_at']:%-d %B %Y}" if e["exported_at"] else "unknown"
        e["loaded_date"] = f"{e['loaded_at']:%-d %B %Y}" if e["loaded_at"] else "unknown"
        e["years_text"] = ", ".join(str(y) for y in sorted(e["reporting_years"] or []))
    newest = max((e["exported_at"] for e in exports if e["exported_at"]), default=None)
    built = w.rows("select max(built_at) as at from meta.build_watermarks") if exports else []
    marts: dict[str, list[str]] = {}
    for t in tables:
        if t.lineage:
            marts.setdefault(t.lineage, []).append(t.title.split(". ")[0])
    return {
        "exports": exports,
        "exports_text": plural(len(exports), "export"),
        "newest_export": f"{newest:%-d %B %Y}" if newest else None,
        "built": f"{built[0]['at']:%-d %B %Y}" if built and built[0]["at"] else None,
        "marts": sorted(marts.items(), key=lambda kv: int(kv[1][0].split()[-1]) if kv[1][0][-1:].isdigit() else 0),
    }


def build_context(w: Warehouse, year: int) -> dict:
    lk = lookups(w)
    main = Numbering()
    t1 = size_table(w, year, main, ["All", "ACCME", "State", "Joint"])
    main_tables = [t1, *group_tables(w, year, "All", main, lk), moc_table(w, year, main), rems_table(w, year, main)]
    supplement = []
    for group in ("ACCME", "State", "Joint"):
        num = Numbering(f"S-{group}.")
        supplement.append(
            (group, GROUP_NAMES[group], [size_table(w, year, num, [group]), *group_tables(w, year, group, num, lk)])
        )
    for t in main_tables + [t for _, _, ts in supplement for t in ts]:
        t.wide = True  # the chapters of tables are set on landscape pages
    income = income_share_chart(w, year)
    figures = number_figures(([(income.title, income)] if income else []) + trend_charts(w))
    for label, _title, ch in figures:
        if ch:
            ch.label = label
    as_of = w.data_as_of()
    return {
        "year": year,
        "years": w.years(),
        "summary": summary_sentences(w, year),
        "key_figures": key_figures(w, year),
        "tables": main_tables,
        "supplement": supplement,
        "income_chart": income,
        "charts": figures[1:] if income else figures,
        "data_as_of": f"{as_of:%-d %B %Y}" if as_of else None,
        "lineage": lineage(w, main_tables + [t for _, _, ts in supplement for t in ts]),
        "activity_types": lk["activity_types"],
    }


def all_tables(ctx: dict) -> list[Table]:
    return ctx["tables"] + [t for _, _, ts in ctx["supplement"] for t in ts]

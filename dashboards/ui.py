"""How the pages show data: text from the data as plain text, numbers, headline tiles and tables.

Text from the data (names, titles, ids, file names, messages that quote them) is shown through `plain()`: Streamlit
renders the labels, captions, headings, tooltips and messages of its elements as Markdown (with its own extensions:
colored text, icons, LaTeX), so a provider named `![x](http://host/beacon)` would make every viewer's browser fetch
from that host, and `[click](http://host)` would show a live link. Tables take their column labels and number
formats from `reports.labels` and `reports.formats`, so a dashboard prints a figure as the workbooks and PDFs do.
The pages' other building blocks have modules of their own: audited downloads (downloads.py), filters kept in the
URL (url_filters.py) and charts (charts.py).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pandas as pd
import streamlit as st
import yaml

from reports import formats, labels

MARTS = Path(__file__).resolve().parents[1] / "models" / "marts"

# Every ASCII punctuation character: CommonMark lets any of them be backslash-escaped, and an escaped one is always
# shown as itself. That covers Markdown (links, images, emphasis, headings, lists, code, tables), raw HTML and
# entities (< and &), GFM autolinks (the ':' of a scheme, the '.' of "www.", the '@' of an address), LaTeX ($) and
# Streamlit's :color[...] and :material/icon: directives.
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
# Control characters and line or paragraph breaks: a new line could start a block (a heading, a list, a quote).
_BREAKS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
# Escapes do not stop what is found in the text after parsing: GFM's autolink literals (http://, https://, www.,
# e-mail addresses) and Streamlit's emoji and icon shortcodes (:name:) are matched in the parsed text. An invisible
# WORD JOINER after every ':' and '@' and inside "www." breaks those patterns and changes nothing on screen.
_AFTER = re.compile(r"([:@]|www(?=\.))", re.IGNORECASE)
JOINER = "\u2060"


def plain(value) -> str:
    """`value` as text that Streamlit's Markdown shows as written, on one line: never a link, image or format.

    Every ASCII punctuation character is backslash-escaped, line breaks and control characters become spaces,
    and a WORD JOINER (U+2060, invisible) follows each ':' and '@' and splits "www." (see _AFTER).
    """
    text = _BREAKS.sub(" ", "" if value is None else str(value))
    text = _AFTER.sub(lambda m: m.group(1) + JOINER, text)
    return _PUNCTUATION.sub(r"\\\1", text)


def metric_row(row, figures: list[tuple], key: str | None = None) -> None:
    """Headline tiles: (label, column of `row`, formatter[, help]) each; a zero in each tile's own format ("$0")
    when `row` is None. The tiles sit in a wrapping row and take the width of their text, so that neither a value
    nor a label is ever cut ("$5…", "Other learner interacti…") at any window width."""
    with st.container(horizontal=True, gap="medium", key=key):
        for label, column, fmt, *help_text in figures:
            value = fmt(row[column]) if row is not None else fmt(0)
            st.metric(label, value, width="content", border=True, help=help_text[0] if help_text else None)


@functools.cache
def described(model: str, column: str) -> str:
    """A mart column's description from its model's yml (models/marts/<schema>/<name>.yml): the one definition, for
    a tile's or a column's help ("rems.summary", "rpc_funded_activities")."""
    schema, name = model.split(".")
    spec = yaml.safe_load((MARTS / schema / f"{name}.yml").read_text(encoding="utf-8"))
    model_spec = next(m for m in spec["models"] if m["name"] == name)
    return " ".join(next(c for c in model_spec["columns"] if c["name"] == column)["description"].split())


def number(value, decimals: int = 0) -> str:
    """A number with thousands separators; "–" for a missing one (None, NaN, and pandas' NA of a nullable integer
    column, such as the days until the term end of a provider without a term)."""
    if value is None or (not formats.is_list(value) and pd.isna(value)):
        return "–"
    return f"{float(value):,.{decimals}f}" if decimals else f"{int(round(float(value))):,}"


def hours(value) -> str:
    """Hours to one decimal, as the tables and the reports print them (reports.formats' "hours")."""
    return "–" if value is None or pd.isna(value) else formats.format_value(value, "hours")


def money(value) -> str:
    """Dollars, shortened to thousands or millions so that a metric fits its column."""
    if value is None or pd.isna(value):
        return "–"
    v = float(value)
    if abs(v) >= 1e6:
        return f"${v / 1e6:,.1f} M"
    if abs(v) >= 1e4:
        return f"${v / 1e3:,.0f} k"
    return f"${v:,.0f}"


def activity_type_names() -> dict[str, str]:
    """Activity type code -> name ("C" -> "Course"), in the catalogue's order (core.dim_activity_types)."""
    from dashboards import data

    names = data.select(
        "core.dim_activity_types", columns=["activity_type", "activity_type_name"], order_by=["sort_order"]
    )
    return dict(names.itertuples(index=False))


def activity_type(code, names: dict[str, str]) -> str:
    """An activity type as people read it: "C (Course)"; the code alone when the catalogue lacks it."""
    return f"{code} ({names[code]})" if code in names else str(code)


def with_activity_type_names(frame: pd.DataFrame, column: str = "activity_type") -> pd.DataFrame:
    """A copy whose activity type codes read "C (Course)"."""
    if column not in frame.columns or frame.empty:
        return frame
    names = activity_type_names()
    out = frame.copy()
    out[column] = out[column].map(lambda c: activity_type(c, names))
    return out


def by_year(frame: pd.DataFrame, column: str = "report_year") -> pd.DataFrame:
    """A copy whose year column is text, so that charts label it 2022 rather than 2,022."""
    out = frame.copy()
    out[column] = out[column].astype(str)
    return out


def table(
    frame: pd.DataFrame,
    *,
    first: list[str] | None = None,
    hide: list[str] | None = None,
    text: list[str] | None = None,
    key: str | None = None,
    **kwargs,
) -> None:
    """st.dataframe with labels for column names, `first` columns first, lists as text, numbers formatted by
    `reports.formats` (dollars as $1,230,520, shares as percent, counts with separators). `text` names columns
    the caller has already written as text (a column whose rows have formats of their own)."""
    shown = percent_points(frame.drop(columns=[c for c in (hide or []) if c in frame.columns]))
    config = {labels.label(c): column_config(c) for c in shown.columns if c not in (text or [])}
    st.dataframe(
        labels.labelled(shown, first),
        hide_index=True,
        key=key,
        column_config={k: v for k, v in config.items() if v is not None},
        **kwargs,
    )


STREAMLIT_FORMATS = {
    "integer": "%,d",
    "dollars": "$%,.0f",
    "hours": "%,.1f",
    "decimal": "%,.2f",
    "days": "%,.0f",
    "year": "%d",
    # a share shown x100 (percent_points): one format for every rate, "55.9%" and "100.0%" (Streamlit's own
    # "percent" printed "55.88%" beside "100%")
    "percent": f"%.{formats.PERCENT_DECIMALS}f%%",
}


def percent_points(frame: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """A copy whose shares (0..1: the "percent" columns of reports.formats, or `columns`) are percent points
    (0..100), for a grid column formatted STREAMLIT_FORMATS["percent"]. Only what is drawn: downloads keep 0..1."""
    wanted = columns if columns is not None else [c for c in frame.columns if formats.kind(c) == "percent"]
    if not wanted:
        return frame
    return frame.assign(**{c: frame[c] * 100 for c in wanted})


def column_config(column: str):
    kind = formats.kind(column)
    if kind in STREAMLIT_FORMATS:
        return st.column_config.NumberColumn(labels.label(column), format=STREAMLIT_FORMATS[kind])
    if kind == "date":
        return st.column_config.DateColumn(labels.label(column), format="YYYY-MM-DD")
    return None


def warehouse_guard() -> None:
    """Stop the page with a clear message when the warehouse file is missing."""
    from dashboards import data

    try:
        data.identity()
    except data.WarehouseUnavailable as exc:
        st.error(f"No data: {plain(exc)}.")
        st.stop()

"""Small building blocks shared by the pages: audited download buttons, number formatting and plain text.

Text from the data (names, titles, ids, file names, messages that quote them) is shown through `plain()`: Streamlit
renders the labels, captions, headings, tooltips and messages of its elements as Markdown (with its own extensions:
colored text, icons, LaTeX), so a provider named `![x](http://host/beacon)` would make every viewer's browser fetch
from that host, and `[click](http://host)` would show a live link.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboards import audit, auth, exports, settings
from reports import labels

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"

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


def audited(
    produce: Callable[[], bytes], user: dict, what: str, file_name: str, details: dict | None
) -> Callable[[], bytes]:
    """`produce`, writing an audit line (who, what, which file, when) once the bytes exist, as they are served."""

    def serve() -> bytes:
        payload = produce()
        audit.record(
            settings.audit_log(),
            user=user["name"],
            role=user["role"],
            action="download",
            what=what,
            file=file_name,
            details=details,
        )
        return payload

    return serve


def download(
    label: str,
    data: Callable[[], bytes],
    file_name: str,
    mime: str,
    *,
    what: str,
    key: str,
    details: dict | None = None,
    icon: str | None = ":material/download:",
) -> None:
    """A download button; the file is made when clicked and every download is written to the audit log.

    The data is a callable (Streamlit's deferred download): it runs in the server when the user clicks, so the
    audit line is written exactly when a file is served, and nothing is built for buttons nobody clicks. No rerun
    follows the click (on_click="ignore").
    """
    user = auth.current_user() or {"name": "?", "role": "?"}
    st.download_button(
        label,
        data=audited(data, user, what, file_name, details),
        file_name=file_name,
        mime=mime,
        key=key,
        icon=icon,
        on_click="ignore",
    )


def table_downloads(frame: pd.DataFrame, base_name: str, *, what: str, key: str, details: dict | None = None) -> None:
    """CSV and Excel buttons for a table (formula-injection guarded), both audited; built only on click."""
    with st.container(horizontal=True):
        download(
            "CSV", lambda: exports.to_csv(frame), f"{base_name}.csv", CSV, what=what, key=f"{key}-csv", details=details
        )
        download(
            "Excel",
            lambda: exports.to_xlsx(frame, base_name),
            f"{base_name}.xlsx",
            XLSX,
            what=what,
            key=f"{key}-xlsx",
            details=details,
        )


def report_downloads(kind: str, year: int, title: str, key: str) -> None:
    """PDF and Excel buttons for a report of `reports.api` (rendered on the first click, then cached)."""
    from dashboards import reporting

    if not reporting.available():
        st.caption("The reports need the reports package (reports.api), which this installation lacks.")
        return
    with st.container(horizontal=True):
        download(
            f"PDF {year}",
            lambda: reporting.report(kind, year, "pdf"),
            f"{kind}-report-{year}.pdf",
            PDF,
            what=f"{title} {year} (PDF)",
            key=f"{key}-pdf",
            details={"year": int(year)},
        )
        download(
            f"Excel {year}",
            lambda: reporting.report(kind, year, "xlsx"),
            f"{kind}-report-{year}.xlsx",
            XLSX,
            what=f"{title} {year} (Excel)",
            key=f"{key}-xlsx",
            details={"year": int(year)},
        )


def file_reader(path: Path) -> Callable[[], bytes]:
    return lambda: Path(path).read_bytes()


def metric_row(row, figures: list[tuple[str, str, Callable]], key: str | None = None) -> None:
    """Headline tiles: (label, column of `row`, formatter) each; a zero in each tile's own format ("$0") when `row`
    is None. The tiles sit in a wrapping row and take the width of their text, so that neither a value nor a label
    is ever cut ("$5…", "Other learner interacti…") at any window width."""
    with st.container(horizontal=True, gap="medium", key=key):
        for label, column, fmt in figures:
            st.metric(label, fmt(row[column]) if row is not None else fmt(0), width="content", border=True)


def number(value, decimals: int = 0) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "–"
    return f"{float(value):,.{decimals}f}" if decimals else f"{int(round(float(value))):,}"


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


def by_year(frame: pd.DataFrame, column: str = "report_year") -> pd.DataFrame:
    """A copy whose year column is text, so that charts label it 2022 rather than 2,022."""
    out = frame.copy()
    out[column] = out[column].astype(str)
    return out


# ------------------------------------------------------------------------------------ filters in the URL
#
# Every filter is a widget made by one of the functions below, which keep it in the page's URL (st.query_params):
# /moc?year=2021&board=ABIM&board=ABP. A reload, a bookmark or a shared link (after a sign-in if needed: the
# sign-in page runs at the same URL and keeps its query) opens the same page with the same filters. A filter's
# value is also remembered for the session under its URL name, so "year" chosen on one page is the year of the
# next page that has a year. A value from a URL is only ever matched against the widget's own options: text from a
# URL never becomes anything but the option it names (an unknown value falls back to the default).

REMEMBERED = "remembered-filters"


def _wanted(param: str, many: bool):
    """The filter's text in the URL, else the one remembered from another page, else None."""
    if many:
        values = st.query_params.get_all(param)
        if values:
            return values
    elif param in st.query_params:
        return st.query_params[param]
    return st.session_state.get(REMEMBERED, {}).get(param)


def _keep(param: str, text: str | list[str] | None) -> None:
    """Remember the filter and write it into the URL (only when it changed: each write is a message)."""
    st.session_state.setdefault(REMEMBERED, {})[param] = text
    wanted = [] if text is None else ([text] if isinstance(text, str) else list(text))
    if st.query_params.get_all(param) != wanted:
        if not wanted:
            del st.query_params[param]
        else:
            st.query_params[param] = wanted if isinstance(text, list) else wanted[0]


def sync_url(key: str = "url-sync") -> None:
    """Write st.query_params into the address bar (app.py after every page run, the explorer after its fragment's).

    Streamlit writes the URL itself when a run changes st.query_params (history.pushState: traced in every run
    under `pars serve`, Streamlit 1.67), but once its update did not reach the browser after a widget change, so
    each run's frame writes it too when the address bar lacks it (history.replaceState), once (url_sync_html).
    The query string is urlencoded (no quote, no '<'), so it is inert inside the script; the text changes with
    the query, so the script runs again whenever the filters change."""
    from urllib.parse import urlencode

    query = urlencode([(k, v) for k in st.query_params for v in st.query_params.get_all(k)])
    # An iframe of the app's own origin (srcdoc, sandboxed with allow-same-origin): its script runs whenever its
    # text changes, where a st.html script runs only when first mounted.
    with st.container(key=key, height=1, border=False):
        st.iframe(url_sync_html(query), height=1)


def url_sync_html(query: str) -> str:
    """The sync frame's document: a script that writes `?query` (urlencoded) into its parent's address bar, once.

    It writes when it is drawn (at the end of its run) and never again: a later write would undo a newer URL.
    Streamlit writes the URL itself in the middle of the next run (a filter changed: history.pushState), while the
    frame of the run before is still drawn; that frame's retries (300 ms and 1.5 s after it was drawn) put its older
    query back, and a reload in that moment opened the old selection. Frames drawn out of order (the page's and the
    explorer fragment's) give way to the one drawn last, by the stamp each leaves on the parent.
    """
    return (
        "<script>const w = window.parent, q = " + json.dumps("?" + query if query else "") + ","
        "me = performance.timeOrigin + performance.now();"
        "if ((w.__parsUrlStamp || 0) <= me) { w.__parsUrlStamp = me;"
        "if (w.location.search !== q) w.history.replaceState(w.history.state, '', w.location.pathname + q); }"
        "</script>"
    )


def _prime(key: str, param: str, options: list, default, text: Callable = str, many: bool = False) -> None:
    """Before the widget exists: its value from the URL or the session's memory when it has none (or a stale one)."""
    if key in st.session_state:
        value = st.session_state[key]
        if all(v in options for v in value) if many else value in options:
            return
    wanted = _wanted(param, many)
    by_text = {text(o): o for o in options}
    if wanted is None:
        value = default
    elif many:
        value = [by_text[t] for t in (wanted if isinstance(wanted, list) else [wanted]) if t in by_text]
    else:
        value = by_text.get(wanted, default)
    st.session_state[key] = value


def url_select(label: str, options, *, key: str, param: str, default=None, radio: bool = False, **kwargs):
    """st.selectbox (or st.radio) kept in the URL as `param`; `default` (else the first option) when not given."""
    options = list(options)
    _prime(key, param, options, options[0] if default is None or default not in options else default)
    widget = st.radio if radio else st.selectbox
    value = widget(label, options, key=key, **kwargs)
    _keep(param, str(value))
    return value


def url_multiselect(label: str, options, *, key: str, param: str, **kwargs) -> list:
    """st.multiselect kept in the URL as one `param` per chosen value (none: every value)."""
    options = list(options)
    _prime(key, param, options, [], many=True)
    value = st.multiselect(label, options, key=key, **kwargs)
    _keep(param, [str(v) for v in value])
    return value


def url_toggle(label: str, *, key: str, param: str, default: bool, **kwargs) -> bool:
    """st.toggle kept in the URL as param=yes or param=no."""
    yes_no = lambda v: "yes" if v else "no"  # noqa: E731
    _prime(key, param, [True, False], default, text=yes_no)
    value = st.toggle(label, key=key, **kwargs)
    _keep(param, yes_no(value))
    return value


def url_text(label: str, *, key: str, param: str, **kwargs) -> str:
    """st.text_input kept in the URL (empty: not in the URL); a text from the URL is cut to 100 characters."""
    if key not in st.session_state:
        wanted = _wanted(param, False)
        st.session_state[key] = str(wanted)[:100] if wanted else ""
    value = st.text_input(label, key=key, **kwargs)
    _keep(param, value.strip() or None)
    return value


# --------------------------------------------------------------------------------------- tables and tiles


def table(
    frame: pd.DataFrame,
    *,
    first: list[str] | None = None,
    hide: list[str] | None = None,
    key: str | None = None,
    **kwargs,
) -> None:
    """st.dataframe with labels for column names, `first` columns first, lists as text, numbers formatted by
    `reports.labels` (dollars as $1,230,520, shares as percent, counts with separators)."""
    shown = frame.drop(columns=[c for c in (hide or []) if c in frame.columns])
    config = {labels.label(c): column_config(c) for c in shown.columns}
    st.dataframe(
        labels.labelled(shown, first),
        hide_index=True,
        key=key,
        column_config={k: v for k, v in config.items() if v is not None},
        **kwargs,
    )


STREAMLIT_FORMATS = {"integer": "%,d", "dollars": "$%,.0f", "hours": "%,.1f", "decimal": "%,.2f", "year": "%d"}


def column_config(column: str):
    kind = labels.kind(column)
    if kind == "percent":
        return st.column_config.NumberColumn(labels.label(column), format="percent")
    if kind in STREAMLIT_FORMATS:
        return st.column_config.NumberColumn(labels.label(column), format=STREAMLIT_FORMATS[kind])
    if kind == "date":
        return st.column_config.DateColumn(labels.label(column), format="YYYY-MM-DD")
    return None


# ------------------------------------------------------------------------------------------------- charts
#
# One palette for every chart: 20 colours that differ in hue or lightness, so that up to 20 categories (13 activity
# types, the boards, the statuses) never share a colour. Every axis label is drawn (no overlap culling, no length
# limit), and legends list every entry.

PALETTE = [
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
    "#393b79",
    "#ad494a",
    "#637939",
    "#e7ba52",
    "#843c39",
    "#7b4173",
    "#3182bd",
    "#31a354",
    "#fd8d3c",
    "#636363",
]
AXIS = {"labelOverlap": False, "labelLimit": 0}
LEGEND = {"orient": "bottom", "direction": "horizontal", "columns": 3, "symbolLimit": 0, "labelLimit": 0, "title": None}


def _legend_room(frame: pd.DataFrame, color: str | None, order: list | None) -> int:
    """Pixels the legend takes below the plot: Streamlit's chart height includes it (autosize "fit")."""
    if not color:
        return 0
    spec = _color(frame, color, order)["color"]
    rows = -(-len(spec["scale"]["domain"]) // spec["legend"]["columns"])
    return 40 + 22 * rows


def _color(frame: pd.DataFrame, color: str | None, order: list | None) -> dict:
    if not color:
        return {}
    domain = order or sorted(frame[color].dropna().astype(str).unique().tolist())
    columns = 4 if max((len(str(d)) for d in domain), default=0) <= 8 else 2  # long names: two to a line
    return {
        "color": {
            "field": color,
            "type": "nominal",
            "title": labels.label(color),
            "scale": {"domain": domain, "range": PALETTE},
            "sort": domain,
            "legend": {**LEGEND, "columns": columns},
        }
    }


def bar_chart(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    color: str | None = None,
    x_title: str,
    y_title: str,
    horizontal: bool = False,
    color_order: list | None = None,
    key: str,
    height: int | None = None,
    sort: str | None = None,
) -> None:
    """Bars of `y` by `x` (stacked by `color`), every category labelled, colours from the palette."""
    category = {"field": x, "type": "nominal", "title": x_title, "axis": {**AXIS, "labelAngle": 0}}
    if sort:
        category["sort"] = sort
    value = {"field": y, "type": "quantitative", "title": y_title, "axis": {"format": ",d", "tickMinStep": 1}}
    n = max(frame[x].nunique(), 1)
    spec = {
        "mark": {"type": "bar"},
        "encoding": {
            ("y" if horizontal else "x"): category,
            ("x" if horizontal else "y"): value,
            **_color(frame, color, color_order),
            "tooltip": [
                {"field": x, "title": x_title},
                *([{"field": color, "title": labels.label(color)}] if color else []),
                {"field": y, "title": y_title, "type": "quantitative", "format": ",.0f"},
            ],
        },
    }
    plot = height or (max(160, 28 * n + 70) if horizontal else 240)
    st.vega_lite_chart(frame, spec, height=plot + _legend_room(frame, color, color_order), key=key)


def line_chart(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    color: str | None = None,
    x_title: str,
    y_title: str,
    key: str,
    height: int = 240,
    color_order: list | None = None,
) -> None:
    """Lines of `y` by `x` (one per `color`), with points, every series in the legend."""
    spec = {
        "mark": {"type": "line", "point": True},
        "encoding": {
            "x": {"field": x, "type": "ordinal", "title": x_title, "axis": {**AXIS, "labelAngle": 0}},
            "y": {"field": y, "type": "quantitative", "title": y_title, "axis": {"format": ",d"}},
            **_color(frame, color, color_order),
            "tooltip": [
                {"field": x, "title": x_title},
                *([{"field": color, "title": labels.label(color)}] if color else []),
                {"field": y, "title": y_title, "type": "quantitative", "format": ",.0f"},
            ],
        },
    }
    st.vega_lite_chart(frame, spec, height=height + _legend_room(frame, color, color_order), key=key)


def warehouse_guard() -> None:
    """Stop the page with a clear message when the warehouse file is missing."""
    from dashboards import data

    try:
        data.identity()
    except data.WarehouseUnavailable as exc:
        st.error(f"No data: {plain(exc)}.")
        st.stop()

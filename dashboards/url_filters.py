"""Filters kept in the page's URL (st.query_params), and the frame that writes the URL into the address bar.

Every filter is a widget made by one of the functions below, which keep it in the page's URL:
/moc?year=2021&board=ABIM&board=ABP. A reload, a bookmark or a shared link (after a sign-in if needed: the sign-in
page runs at the same URL and keeps its query) opens the same page with the same filters. A filter's value is also
remembered for the session under its URL name, so "year" chosen on one page is the year of the next page that has a
year. A value from a URL is only ever matched against the widget's own options: text from a URL never becomes
anything but the option it names (an unknown value falls back to the default, and the page says so: notices()).
"""

from __future__ import annotations

import json
from collections.abc import Callable

import streamlit as st

REMEMBERED = "remembered-filters"
NOTICES = "url-filter-notices"


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

    st.session_state.pop(NOTICES, None)  # a page without notices(): none is left for the next page
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


def _prime(
    key: str, param: str, options: list, default, text: Callable = str, many: bool = False, label: str = ""
) -> None:
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
    unknown = [t for t in (wanted if isinstance(wanted, list) else [wanted]) if t is not None and t not in by_text]
    if unknown and param in st.query_params:  # a link's value (not one remembered from another page)
        shown = ", ".join(str(text(v)) for v in value) if many else str(text(value))
        st.session_state.setdefault(NOTICES, []).append((label or param, unknown, shown or "all"))
    st.session_state[key] = value


def notices() -> None:
    """Say which of the link's filter values the page did not find (a state without data, a stale year), once, under
    the filters: "The link's state “WY” was not found: the page shows All." The values are the URL's text: plain."""
    from dashboards.ui import plain

    for label, unknown, shown in st.session_state.pop(NOTICES, []):
        values = ", ".join(f"“{plain(str(v)[:40])}”" for v in unknown)
        st.warning(
            f"The link's {plain(label[:1].lower() + label[1:])} {values} was not found: the page shows {plain(shown)}.",
            icon=":material/link_off:",
        )


def url_select(label: str, options, *, key: str, param: str, default=None, radio: bool = False, **kwargs):
    """st.selectbox (or st.radio) kept in the URL as `param`; `default` (else the first option) when not given."""
    options = list(options)
    _prime(key, param, options, options[0] if default is None or default not in options else default, label=label)
    widget = st.radio if radio else st.selectbox
    value = widget(label, options, key=key, **kwargs)
    _keep(param, str(value))
    return value


def url_multiselect(label: str, options, *, key: str, param: str, **kwargs) -> list:
    """st.multiselect kept in the URL as one `param` per chosen value (none: every value)."""
    options = list(options)
    _prime(key, param, options, [], many=True, label=label)
    value = st.multiselect(label, options, key=key, **kwargs)
    _keep(param, [str(v) for v in value])
    return value


def url_toggle(label: str, *, key: str, param: str, default: bool, **kwargs) -> bool:
    """st.toggle kept in the URL as param=yes or param=no."""
    yes_no = lambda v: "yes" if v else "no"  # noqa: E731
    _prime(key, param, [True, False], default, text=yes_no, label=label)
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

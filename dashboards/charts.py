"""The pages' charts (Vega-Lite specs drawn by st.vega_lite_chart), with one palette and one axis and legend style.

One palette for every chart: 20 colours that differ in hue or lightness, so that up to 20 categories (13 activity
types, the boards, the statuses) never share a colour. Every axis label is drawn (no overlap culling, no length
limit), and legends list every entry. Series and tooltips are named by `reports.labels`, as the tables are.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from reports import labels

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
# Statuses (accepted, rejected, pending) in colours of their own, none of PALETTE's: a board's colour in one chart
# never means a status in the next (orange was ABIM in the trend and "Rejected" in the bars above it).
STATUS_PALETTE = ["#1b7837", "#b2182b", "#bababa"]
AXIS = {"labelOverlap": False, "labelLimit": 0}
LEGEND = {"orient": "bottom", "direction": "horizontal", "columns": 3, "symbolLimit": 0, "labelLimit": 0, "title": None}


def _legend_room(frame: pd.DataFrame, color: str | None, order: list | None) -> int:
    """Pixels the legend takes below the plot: Streamlit's chart height includes it (autosize "fit")."""
    if not color:
        return 0
    spec = _color(frame, color, order, PALETTE)["color"]
    rows = -(-len(spec["scale"]["domain"]) // spec["legend"]["columns"])
    return 40 + 22 * rows


def _color(frame: pd.DataFrame, color: str | None, order: list | None, palette: list[str]) -> dict:
    if not color:
        return {}
    domain = order or sorted(frame[color].dropna().astype(str).unique().tolist())
    columns = 4 if max((len(str(d)) for d in domain), default=0) <= 8 else 2  # long names: two to a line
    return {
        "color": {
            "field": color,
            "type": "nominal",
            "title": labels.label(color),
            "scale": {"domain": domain, "range": palette},
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
    palette: list[str] = PALETTE,
) -> None:
    """Bars of `y` by `x` (stacked by `color`), every category labelled, colours from `palette` (STATUS_PALETTE for
    statuses)."""
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
            **_color(frame, color, color_order, palette),
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
            **_color(frame, color, color_order, PALETTE),
            "tooltip": [
                {"field": x, "title": x_title},
                *([{"field": color, "title": labels.label(color)}] if color else []),
                {"field": y, "title": y_title, "type": "quantitative", "format": ",.0f"},
            ],
        },
    }
    st.vega_lite_chart(frame, spec, height=height + _legend_room(frame, color, color_order), key=key)

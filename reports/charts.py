"""Trend charts as SVG with real text (matplotlib, svg.fonttype none) and a text alternative for each."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from decimal import Decimal

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

plt.rcParams.update(
    {
        "svg.fonttype": "none",  # keep text as text: searchable in the PDF, and legible
        "font.family": "DejaVu Sans",
        "font.size": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titlesize": 10,
        "axes.titleweight": "bold",
        "svg.hashsalt": "pars",  # deterministic ids
    }
)

PALETTE = ["#1f4e79", "#c55a11", "#548235", "#7030a0", "#bf9000", "#2e75b6"]


@dataclass
class Chart:
    id: str
    title: str
    svg: str
    alt: str
    label: str = ""  # "Figure 3": set by the report, numbered in reading order

    @property
    def data_uri(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode()).decode()


def _compact(x: float, _pos=None) -> str:
    for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= div:
            return f"{x / div:.1f}{suffix}".replace(".0", "")
    return f"{x:,.0f}"


def _num(v) -> float:
    return float(v) if isinstance(v, Decimal) else (v or 0)


def _svg(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg") :]


def trend_panels(
    chart_id: str, title: str, years: list[int], panels: list[tuple[str, list[tuple[str, list]]]], money: bool = False
) -> Chart:
    """Small multiples: one panel per measure, each with one or more series over the years."""
    n = len(panels)
    cols = 2 if n > 1 else 1
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(7.2, 2.05 * rows), squeeze=False)  # two figures a page
    alt_parts = []
    # panels side by side share their title height: the one with a legend sets it for its row
    legend_rows = [(len(series) + 1) // 2 if len(series) > 1 else 0 for _, series in panels]
    row_pad = [6 + 13 * max(legend_rows[r * cols : (r + 1) * cols]) for r in range(rows)]
    for k, (ax, (panel_title, series)) in enumerate(zip(axes.flat, panels, strict=False)):
        top = 0.0
        for i, (label, values) in enumerate(series):
            # a suppressed figure (None) is a gap in the line, and "suppressed" in the text alternative
            ys = [float("nan") if v is None else _num(v) for v in values]
            top = max([top, *(y for y in ys if y == y)])
            ax.plot(years, ys, marker="o", color=PALETTE[i % len(PALETTE)], label=label, linewidth=1.8, clip_on=False)
            desc = ", ".join(
                f"{y}: {'suppressed' if v is None else _compact(_num(v))}" for y, v in zip(years, values, strict=True)
            )
            alt_parts.append(f"{panel_title}{' – ' + label if len(series) > 1 else ''}: {desc}")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        # counts get whole-number ticks (a small group's providers read 0, 0, 0, 1, 1, 1 with 0.2 steps)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=not money, min_n_ticks=2))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda x, p: ("$" if money else "") + _compact(x)))
        # headroom: the highest point sits below the top of the plot, never against the panel title; a count
        # axis reaches at least 2 so that it has whole-number ticks (0, 1, 2)
        ax.set_ylim(0, max(top * 1.18, 0 if money else 2) or 1)
        ax.grid(axis="y", color="#dddddd", linewidth=0.6)
        if len(years) == 1:
            ax.set_xlim(years[0] - 1, years[0] + 1)
        else:
            ax.set_xlim(years[0] - 0.25, years[-1] + 0.25)
        if len(series) > 1:
            # the legend sits between the title and the plot, never on a line
            ax.legend(
                frameon=False,
                fontsize=8,
                loc="lower left",
                bbox_to_anchor=(0, 1.0),
                ncol=2,
                borderaxespad=0.2,
                handlelength=1.6,
                columnspacing=1.2,
            )
        ax.set_title(panel_title, loc="left", pad=row_pad[k // cols])
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    fig.tight_layout()
    alt = f"{title}. Line charts over {years[0]}–{years[-1]}. " + "; ".join(alt_parts) + "."
    return Chart(chart_id, title, _svg(fig), alt)


def bars(chart_id: str, title: str, labels: list[str], values: list, share: bool = False) -> Chart:
    """One horizontal bar chart (e.g. income by source)."""
    fig, ax = plt.subplots(figsize=(7.2, 0.35 * len(labels) + 0.8))
    ys = [_num(v) for v in values]
    ax.barh(range(len(labels)), ys, color=PALETTE[0])
    ax.set_yticks(range(len(labels)), labels)
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, p: f"{100 * x:.0f}%" if share else _compact(x)))
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_title(title, loc="left")
    fig.tight_layout()
    shown = [f"{lab}: {100 * v:.1f}%" if share else f"{lab}: {_compact(v)}" for lab, v in zip(labels, ys, strict=True)]
    return Chart(chart_id, title, _svg(fig), f"{title}. Bar chart. " + "; ".join(shown) + ".")

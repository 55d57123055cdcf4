"""Write a release directory all or nothing: data, dictionary, risk report (JSON and PDF), manifest.

Everything is written into a hidden temporary directory beside the target and renamed at the end, so a release that
fails (a guarantee not met, an identifier found, an error) leaves nothing. Files are deterministic: rows sorted,
no timestamps, charts with fixed ids, so the same inputs and secret rebuild byte-identical files.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable
from pathlib import Path

import polars as pl
from jinja2 import Environment, FileSystemLoader, select_autoescape

from warehouse.files import atomic_folder
from warehouse.paths import confined, safe_name
from warehouse.pdf import pdf_bytes
from warehouse.text import CONTROL_PATTERN, FORMULA_PATTERN, html_value

from .content import Content
from .profiles import ReleaseError
from .utility import describe as describe_utility
from .utility import percent

TEMPLATES = Path(__file__).parent / "templates"


def guard_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Prefix text cells that a spreadsheet would run as a formula with a single quote (CSV only).

    The rule is the project's one formula rule (`warehouse.text.FORMULA_PATTERN`, also behind `reports.safe_cell`):
    = + - @ and look-alikes after any leading blanks, or a leading tab or CR.
    """
    text = [c for c, t in frame.schema.items() if t == pl.Utf8]
    return frame.with_columns(_guard(c) for c in text)


def _guard(column: str) -> pl.Expr:
    risky = pl.col(column).str.contains(FORMULA_PATTERN)
    return pl.when(risky).then(pl.lit("'") + pl.col(column)).otherwise(pl.col(column)).alias(column)


def csv_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame as its CSV shows it: control characters replaced by U+FFFD, then formulas guarded (text only)."""
    text = [c for c, t in frame.schema.items() if t == pl.Utf8]
    cleaned = frame.with_columns(pl.col(c).str.replace_all(CONTROL_PATTERN, "\ufffd") for c in text)
    return guard_formulas(cleaned)


def write_csv(frame: pl.DataFrame, path: Path) -> None:
    """A release CSV: cleaned and guarded (`csv_frame`); polars quotes every field holding a CR, LF, comma or
    quote (checked by tests/security/test_outputs_text.py)."""
    csv_frame(frame).write_csv(path, quote_style="necessary")


def check_identifiers(content: Content) -> None:
    """No value of an input identifier may appear in any text cell of the release."""
    if not len(content.forbidden):
        return
    if isinstance(content.forbidden, pl.Series):
        forbidden = content.forbidden.cast(pl.Utf8).rename("v")
    else:
        forbidden = pl.Series("v", sorted(content.forbidden), dtype=pl.Utf8)
    for name, frame in content.tables.items():
        for column, dtype in frame.schema.items():
            if dtype != pl.Utf8:
                continue
            hits = frame.filter(pl.col(column).is_in(forbidden.implode()))
            if hits.height:
                raise ReleaseError(
                    f"table {name}, column {column}: {hits.height} cell(s) hold an input identifier "
                    f"(e.g. row {frame[column].to_list().index(hits[column][0]) + 1}); nothing was written"
                )


def check_guarantees(risk: dict) -> None:
    failed = [g for g in risk["guarantees"] if not g["ok"]]
    if failed:
        lines = "; ".join(f"{g['name']}: required {g['required']}, achieved {g['achieved']}" for g in failed)
        raise ReleaseError(f"the release does not meet its guarantees ({lines}); nothing was written")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def histogram_chart(histogram: dict[str, int], name: str) -> tuple[str, str]:
    """An SVG bar chart of class sizes (binned) with real text, and its text alternative."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # matplotlib's defaults and this chart's own settings, whatever the process set before (reports/charts.py sets
    # its fonts globally): a release rebuilt in a process that drew a report chart first had other axis ticks, so
    # another PDF and manifest
    own = {"svg.fonttype": "none", "svg.hashsalt": f"pars-{name}", "font.family": "DejaVu Sans"}
    with plt.style.context("default"), plt.rc_context(own):
        return _histogram_svg(histogram)


def _histogram_svg(histogram: dict[str, int]) -> tuple[str, str]:
    import matplotlib.pyplot as plt

    edges = [1, 2, 5, 11, 16, 21, 51, 101, 501, 1001]
    labels = ["1", "2-4", "5-10", "11-15", "16-20", "21-50", "51-100", "101-500", "501-1000", "1001+"]
    counts = [0] * len(labels)
    for size, classes in histogram.items():
        position = max(i for i, e in enumerate(edges) if int(size) >= e)
        counts[position] += classes
    keep = [i for i, c in enumerate(counts) if c] or [0]
    lo, hi = keep[0], keep[-1] + 1
    figure, axis = plt.subplots(figsize=(6.2, 2.2), dpi=72)
    axis.bar(labels[lo:hi], counts[lo:hi], color="#2f6f9f")
    axis.set_xlabel("records per equivalence class")
    axis.set_ylabel("classes")
    for spine in ("top", "right"):
        axis.spines[spine].set_visible(False)
    figure.tight_layout()
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(figure)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    text = ", ".join(f"{labels[i]}: {counts[i]:,} classes" for i in range(lo, hi))
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="Class sizes: {text}" ', 1)
    return svg, text


def render_pdf(path: Path, manifest: dict, risk: dict, files: list[dict]) -> None:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]), finalize=html_value)
    env.filters["percent"] = percent
    charts, texts = {}, {}
    for name, table in (risk.get("tables") or {}).items():
        charts[name], texts[name] = histogram_chart(table["class_size_histogram"], name)
    html = env.get_template("risk_report.html").render(
        manifest=manifest, risk=risk, files=files, charts=charts, histogram_text=texts
    )
    Path(path).write_bytes(pdf_bytes(html, base_url=TEMPLATES))  # inside the staged release folder


def column_utility(content: Content) -> dict[tuple[str, str], str]:
    """(table, column) -> the dictionary's utility line (shares published in full / generalized / suppressed)."""
    tables = (content.risk.get("utility") or {}).get("tables") or {}
    return {(t, c["column"]): describe_utility(c) for t, block in tables.items() for c in block["columns"]}


def dictionary_markdown(manifest: dict, content: Content) -> str:
    lines = [f"# Data dictionary: {manifest['title']}", "", manifest["description"], ""]
    utility = column_utility(content)
    if utility:
        lines += [
            "Utility: the share of rows (cells, for count tables) where the column is published at full "
            "detail, generalized (a group or band) and suppressed ('*', or an empty cell); see the risk "
            "report.",
            "",
        ]
    for table, columns in content.columns.items():
        frame = content.tables[table]
        lines += [
            f"## {table}",
            "",
            f"Files: data/{table}.parquet, data/{table}.csv ({frame.height:,} rows).",
            "",
            "| column | type | description | utility |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {c} | {frame.schema[c]} | {d.replace('|', '/')} | {utility.get((table, c), 'not measured')} |"
            for c, d in columns.items()
        ]
        lines.append("")
    return "\n".join(lines)


def write(out: Path, manifest: dict, content: Content, before_publish: Callable[[dict], None] | None = None) -> dict:
    """Write the release into `out` (must not exist or be empty); returns the final manifest.

    `before_publish(manifest)` runs when every file is staged, just before the rename that publishes them (the
    register records the release there); if it raises, nothing is published.
    """
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ReleaseError(f"output directory {out} already exists and is not empty")
    with atomic_folder(out) as staging:
        (staging / "data").mkdir()
        rows: dict[str, int | None] = {}
        for name, frame in sorted(content.tables.items()):
            if safe_name(name) != name:
                raise ReleaseError(f"table name {name!r} is not a plain file name; nothing was written")
            frame.write_parquet(confined(staging / "data", f"{name}.parquet"), statistics=False)
            write_csv(frame, confined(staging / "data", f"{name}.csv"))
            rows[f"data/{name}.parquet"] = rows[f"data/{name}.csv"] = frame.height
        utility = column_utility(content)
        dictionary = [
            {
                "table": t,
                "column": c,
                "type": str(content.tables[t].schema[c]),
                "description": d,
                **({"utility": utility[(t, c)]} if (t, c) in utility else {}),
            }
            for t, columns in content.columns.items()
            for c, d in columns.items()
        ]
        (staging / "data_dictionary.json").write_text(json.dumps(dictionary, indent=2) + "\n")
        (staging / "data_dictionary.md").write_text(dictionary_markdown(manifest, content))
        (staging / "risk_report.json").write_text(json.dumps(content.risk, indent=2, sort_keys=True) + "\n")
        files = _files(staging, rows)
        render_pdf(staging / "risk_report.pdf", manifest, content.risk, files)
        manifest = {
            **manifest,
            "row_counts": {t: f.height for t, f in sorted(content.tables.items())},
            "files": _files(staging, rows),
        }
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        if before_publish is not None:
            before_publish({**manifest, "manifest_sha256": sha256_of(staging / "manifest.json")})
    return manifest


def _files(root: Path, rows: dict[str, int | None]) -> list[dict]:
    found = []
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.name != "manifest.json"):
        relative = path.relative_to(root).as_posix()
        found.append(
            {"path": relative, "sha256": sha256_of(path), "bytes": path.stat().st_size, "rows": rows.get(relative)}
        )
    return found

"""Headroom (issue 16 item 4): the whole chain for one reporting year at a given scale, each step in its own
process under the default memory cap, with wall seconds, CPU seconds and peak memory per step.

    python -m benchmarks.headroom --scale 10 --year 2022 [--packets 20] [--work DIR] [--out DIR]
    python -m benchmarks.headroom --table-only          # the Markdown table again, from the JSON files in --out

Steps: synth, load, build, the three releases (activities, learners, tables), the annual, MOC and REMS
reports, and a sample of review packets (`--packets` providers evenly spaced in provider order plus the one
with the most activities in its term, rendered in one process with one Chromium, as each `--all` worker
does). Each step is timed once by benchmarks/steps.py (`measure`): `peak_mib` is the largest single
process's peak RSS, `tree_peak_mib` the sampled PSS of the command and its children together (Chromium's
for the packets). The cap is whatever the commands take by default (2GB unless $PARS_MEMORY_LIMIT is set):
the harness passes no --memory-limit.

Each run writes <out>/headroom-<scale>-<year>.json; the Markdown table (--markdown) is made from every
headroom JSON of that year in <out>: one row per step and scale, and the growth ratio from the smallest to
the largest scale (at most the scale ratio is linear). Where the time went: the progress lines `pars` prints
(`phases`, with the second each arrived) and, for the build, dbt's slowest nodes (run_results.json).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys
from pathlib import Path

from benchmarks.steps import ROOT, attempt, machine
from warehouse import resources

PY = sys.executable
PARS = [PY, "-m", "warehouse"]
#: the steps in chain order; a step after a failed one still runs when its input exists
STEPS = (
    "synth",
    "load",
    "build",
    "release_activities",
    "release_learners",
    "release_tables",
    "report_annual",
    "report_moc",
    "report_rems",
    "review_sample",
)

#: argv: db, output folder, number of evenly spaced providers. Prints one JSON line.
REVIEW_SAMPLE = """
import json, sys, time
from pathlib import Path
started = time.perf_counter()
from reports.data import Warehouse
from reports.render import ChromiumPdf
from reports.review import render_packet
db, out, n = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
out.mkdir(parents=True, exist_ok=True)
with Warehouse(db) as w:
    ids = [r['provider_id'] for r in w.rows('select provider_id from review.current_term order by 1')]
    biggest = w.rows('select provider_id, count(*) as n from review.term_activities'
                     ' group by 1 order by 2 desc, 1 limit 1')
    sample = [ids[i * len(ids) // n] for i in range(min(n, len(ids)))]
    sample += [r['provider_id'] for r in biggest if r['provider_id'] not in sample]
    opened = time.perf_counter()
    with ChromiumPdf() as pdf:
        for pid in sample:
            render_packet(w, pid, out, pdf)
    rendered = time.perf_counter() - opened
print(json.dumps({'seconds': time.perf_counter() - started, 'packets': len(sample), 'providers': len(ids),
                  'seconds_per_packet': rendered / max(1, len(sample)),
                  'biggest_term_activities': biggest[0]['n'] if biggest else 0}))
"""


def step_commands(scale: float, year: int, seed: int, work: Path, packets: int) -> dict[str, tuple[list[str], Path]]:
    """Each step's command and the output it makes (cleared before the step runs)."""
    export, db = work / "export", work / "warehouse.duckdb"
    out = {
        "synth": (
            [*PARS, "synth", "--scale", f"{scale:g}", "--years", str(year), "--seed", str(seed), "--out", str(export)],
            export,
        ),
        "load": ([*PARS, "load", str(export), "--db", str(db)], db),
        "build": (
            [*PARS, "build", "--db", str(db), "--report", str(work / "build-report.json")],
            work / "build-report.json",
        ),
    }
    for profile in ("activities", "learners", "tables"):
        target = work / "releases" / profile
        secret = work / "secrets" / f"{profile}.key"
        out[f"release_{profile}"] = (
            [*PARS, "release", profile, "--db", str(db), "--out", str(target), "--secret-file", str(secret)],
            target,
        )
    for kind in ("annual", "moc", "rems"):
        target = work / "reports" / kind
        out[f"report_{kind}"] = (
            [*PARS, "report", kind, "--year", str(year), "--db", str(db), "--out", str(target)],
            target,
        )
    target = work / "reports" / "review-sample"
    out["review_sample"] = ([PY, "-c", REVIEW_SAMPLE, str(db), str(target), str(packets)], target)
    return out


def _clear(path: Path, work: Path, name: str):
    def setup() -> None:
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
        if name == "load":  # a fresh warehouse: its WAL, dbt state and release register go too
            for extra in work.glob("warehouse.duckdb*"):
                shutil.rmtree(extra) if extra.is_dir() else extra.unlink()
        if name.startswith("release_"):
            (work / "secrets" / f"{name.removeprefix('release_')}.key").unlink(missing_ok=True)

    return setup


def slowest_nodes(work: Path, n: int = 8) -> list[list]:
    """The build's slowest dbt nodes [[unique_id, seconds], ...] from dbt's run_results.json beside the warehouse."""
    found = sorted(work.glob("warehouse.duckdb*/**/run_results.json"), key=lambda p: p.stat().st_mtime)
    if not found:
        return []
    results = json.loads(found[-1].read_text()).get("results", [])
    timed = sorted(((r["unique_id"], round(r.get("execution_time") or 0.0, 2)) for r in results), key=lambda r: -r[1])
    return [list(r) for r in timed[:n]]


def longest_phases(phases: list[list], total: float, n: int = 5) -> list[list]:
    """The progress lines that took longest until the next one (or the end): [[seconds, line], ...]."""
    marks = [(t, line) for t, line in phases if line.startswith("[")]
    spans = [
        [round((marks[i + 1][0] if i + 1 < len(marks) else total) - t, 2), line] for i, (t, line) in enumerate(marks)
    ]
    return sorted(spans, key=lambda s: -s[0])[:n]


def run_chain(
    scale: float, year: int, seed: int, work: Path, packets: int, steps: tuple[str, ...] = STEPS, repeat: int = 1
) -> dict:
    """Run `steps` in chain order, each in a fresh process (a failed step is recorded as failed, not timed)."""
    work.mkdir(parents=True, exist_ok=True)
    commands = step_commands(scale, year, seed, work, packets)
    results: dict[str, dict] = {}
    for name in STEPS:
        if name not in steps:
            continue
        cmd, output = commands[name]
        reports = name == "review_sample"
        print(f"[headroom {scale:g}] {name} ...", file=sys.stderr, flush=True)
        load_average = _load_average()
        step = attempt(cmd, repeat, setup=_clear(output, work, name), reports=reports, phases=not reports)
        step.update(load_average=load_average, load_average_at_end=_load_average())
        if "phases" in step:
            step["longest_phases"] = longest_phases(step["phases"], step["seconds"])
        if name == "build" and "failed" not in step:
            step["slowest_nodes"] = slowest_nodes(work)
        results[name] = step
        # the steps so far, in case the chain is stopped before the end (at 10x it takes hours on a busy machine)
        (work / "steps-so-far.json").write_text(json.dumps(results, indent=2) + "\n")
        print(f"[headroom {scale:g}] {name}: {_brief(step)}", file=sys.stderr, flush=True)
    export = work / "export"
    manifest = export / "manifest.json"
    rows = json.loads(manifest.read_text())["files"] if manifest.exists() else {}
    return {
        "scale": scale,
        "year": year,
        "seed": seed,
        "rows": {name.removesuffix(".csv"): f["rows"] for name, f in rows.items()},
        "csv_mib": round(sum(f["bytes"] for f in rows.values()) / 2**20, 1),
        "warehouse_mib": round((work / "warehouse.duckdb").stat().st_size / 2**20, 1)
        if (work / "warehouse.duckdb").exists()
        else None,
        "memory_limit": resources.memory_limit(),
        "steps": results,
    }


def _load_average() -> str:
    return " / ".join(f"{v:.1f}" for v in os.getloadavg())


def _brief(step: dict) -> str:
    if "failed" in step:
        return f"FAILED: {step['failed']}"
    return f"{step['seconds']} s, {step['cpu_seconds']} s CPU, peak {step['peak_mib']} MiB"


def cap_mib(limit: str) -> float:
    """The cap + 10% in MiB (the target for every step's peak)."""
    return round(resources.size_bytes(limit) * 1.1 / 2**20, 1)


def write_markdown(results: list[dict], path: Path, note: str = "") -> None:
    """One row per step and scale; the growth from the smallest to the largest scale when there are two or more."""
    results = sorted(results, key=lambda r: r["scale"])
    first, last = results[0], results[-1]
    limit = first["memory_limit"]
    scales = ", ".join(f"{r['scale']:g}" for r in results)
    lines = [f"# Headroom: one reporting year ({first['year']}) at scale {scales}", ""]
    if note:
        lines += [note, ""]
    m = first["machine"]
    lines += [
        f"Machine: {m['cores']} cores, {m['memory_gib']} GiB ({m['platform']}). Memory cap {limit} (the default; "
        f"target: every peak <= {cap_mib(limit):,} MiB, the cap + 10%). Each step once, in its own process. "
        "`peak` is the largest single process's peak RSS; `tree` the sampled PSS of the command and its "
        "children (Chromium for the packets).",
        "",
        "| scale | CSV MiB | learner_completions | activities | providers | warehouse MiB | load average at start |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        rows = r["rows"]
        lines.append(
            f"| {r['scale']:g} | {r['csv_mib']} | {rows.get('learner_completions', '')} | {rows.get('activities', '')} "
            f"| {rows.get('providers', '')} | {r['warehouse_mib']} | {r.get('load_average', '')} |"
        )
    lines += [
        "",
        "| step | scale | wall s | CPU s | peak MiB | tree MiB | under cap + 10% |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in STEPS:
        for r in results:
            s = r["steps"].get(name)
            if s is None:
                continue
            if "failed" in s:
                lines.append(f"| {name} | {r['scale']:g} | | | | | FAILED: {s['failed'].replace('|', '/')} |")
                continue
            ok = "yes" if s["peak_mib"] <= cap_mib(r["memory_limit"]) else "**no**"
            lines.append(
                f"| {name} | {r['scale']:g} | {s['seconds']} | {s['cpu_seconds']} | {s['peak_mib']} "
                f"| {s['tree_peak_mib']} | {ok} |"
            )
    if len(results) > 1:
        factor = last["scale"] / first["scale"]
        lines += [
            "",
            f"Growth from scale {first['scale']:g} to {last['scale']:g} (linear = {factor:g}x):",
            "",
            "| step | wall | CPU | peak | at most linear |",
            "|---|---|---|---|---|",
        ]
        for name, ratio in growth(first, last).items():
            if ratio is None:
                lines.append(f"| {name} | | | | not comparable (failed or not run) |")
                continue
            ok = "yes" if max(ratio["wall"], ratio["cpu"]) <= factor else "**no**"
            lines.append(f"| {name} | {ratio['wall']}x | {ratio['cpu']}x | {ratio['peak']}x | {ok} |")
    path.write_text("\n".join(lines) + "\n")


def growth(small: dict, big: dict) -> dict[str, dict | None]:
    """Per step, big / small for wall seconds, CPU seconds and peak (None when either failed or did not run)."""
    out: dict[str, dict | None] = {}
    for name in STEPS:
        a, b = small["steps"].get(name), big["steps"].get(name)
        if a is None and b is None:
            continue
        if not a or not b or "failed" in a or "failed" in b:
            out[name] = None
            continue
        out[name] = {
            key: round(b[field] / a[field], 2) if a[field] else None
            for key, field in (("wall", "seconds"), ("cpu", "cpu_seconds"), ("peak", "peak_mib"))
        }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--year", type=int, default=2022)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--packets", type=int, default=20, help="review packets of evenly spaced providers (+1)")
    parser.add_argument("--steps", nargs="+", choices=STEPS, default=list(STEPS), help="run only these steps")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--work", type=Path, default=None, help="folder for the export, warehouse and outputs")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--markdown", type=Path, default=None, help="write the table of every run in --out here")
    parser.add_argument("--table-only", action="store_true", help="run nothing: only write --markdown")
    parser.add_argument("--note", default="", help="a line for the Markdown (e.g. the machine's load)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if not args.table_only:
        work = args.work or ROOT / "benchmarks" / "work" / f"headroom-{args.scale:g}-{args.year}"
        load_average = _load_average()
        result = run_chain(args.scale, args.year, args.seed, work, args.packets, tuple(args.steps), args.repeat)
        result.update(
            date=dt.date.today().isoformat(),
            machine=machine(),
            load_average=load_average,
            load_average_at_end=_load_average(),
        )
        target = args.out / f"headroom-{args.scale:g}-{args.year}.json"
        if set(args.steps) != set(STEPS) and target.exists():
            # some steps again (after a fix): the other steps keep their earlier measurements
            earlier = json.loads(target.read_text())
            result["steps"] = {
                name: result["steps"].get(name, earlier["steps"].get(name))
                for name in STEPS
                if name in result["steps"] or name in earlier["steps"]
            }
            result["rerun"] = sorted(set(earlier.get("rerun", [])) | set(args.steps))
        target.write_text(json.dumps(result, indent=2) + "\n")
        print(json.dumps({k: _brief(v) for k, v in result["steps"].items()}, indent=1))
    if args.markdown:
        found = [json.loads(p.read_text()) for p in sorted(args.out.glob(f"headroom-*-{args.year}.json"))]
        if not found:
            print(f"no headroom results for {args.year} in {args.out}", file=sys.stderr)
            return 1
        write_markdown(found, args.markdown, args.note)
    return 0


if __name__ == "__main__":
    sys.exit(main())

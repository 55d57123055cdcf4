"""Build after one month vs full build, at one year or several: what incremental builds save as the data grows.

    python -m benchmarks.incremental --scale 0.02 --years 2018-2022 [--source DIR] [--label after]
        [--work /tmp/bench-incremental] [--json OUT.json]

The export (seed 1) is split into monthly exports (`pars split-months`). All months but the last are loaded
(in one process: the loads are not what is measured) and built once, untimed; then the last month is loaded and
`pars build` is timed: the build after one month. The full build is `pars build` of the whole export loaded into
a new file at the same path (so both builds find dbt's partial-parse state warm, as in normal use). Each build
is a fresh process: wall seconds, CPU seconds (user + system, from wait4: unlike wall time, not inflated by
other jobs on a shared machine), peak memory, the nodes dbt ran and the slowest ones (target/run_results.json).

`pars refresh` of the last month (load and build in one process, dbt imported while the load runs) is timed too,
from the same state, beside the month's `pars load` alone: "refresh" against "load + build" is what keeping dbt
warm saves.

`--one-step` (for a decade, whose 123 monthly loads would take hours): the export is split in two instead, all
months but the last (one incremental export: each record's version as of the end of the month before; an activity
that closes in the last month is in it as Active) and the last month; the first is loaded into a new file and
built, and that build is timed as the full build (it is one: the first build of the file), so the full build
covers the data without its last month (about 1% less at a decade); then the last month is loaded and its build
timed. Without it, the full build is of the whole export loaded at once, and the months before the last are
loaded one by one.

`--before-loaded FILE` (with `--one-step`): a warehouse holding the raw layer of all months but the last, loaded
before (the split's `before/` export: a decade's load of it takes 7-15 minutes), copied instead of loading again;
read only. Its `.loads.jsonl` is copied beside the copy when there is one.

`--source DIR` runs the pipeline from another checkout of the project (e.g. the commit before a change, from
`git archive`), so "before" and "after" are measured in one run on the same files.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

from warehouse.contract import FILES
from warehouse.synth.months import M, _assign_months, _manifest, _read
from warehouse.synth.writer import write_json

from .steps import ROOT, launched, machine, own_usage

PY = sys.executable
LOAD_ALL = (
    "import sys\nfrom warehouse.load import load_export\nfor p in sys.argv[2:]:\n    load_export(p, sys.argv[1])\n"
)


def run(cmd: list[str], source: Path) -> dict:
    """Run `cmd` from the checkout `source`; wall and CPU seconds and peak MiB of the process (its own: see
    steps.LAUNCHER)."""
    env = dict(os.environ, PYTHONPATH=str(source))
    with tempfile.TemporaryDirectory() as tmp, open(Path(tmp) / "stderr", "w+b") as err:
        rusage = Path(tmp) / "rusage.json"
        start = time.perf_counter()
        code = subprocess.run(
            launched(cmd, rusage), cwd=source, env=env, stdout=subprocess.DEVNULL, stderr=err
        ).returncode
        wall = time.perf_counter() - start
        if code != 0:
            err.seek(0)
            raise RuntimeError(f"{' '.join(map(str, cmd))} failed:\n{err.read().decode(errors='replace')[-2000:]}")
        cpu, peak = own_usage(rusage)
    return {"seconds": round(wall, 3), "cpu_seconds": round(cpu, 3), "peak_mib": round(peak, 1)}


def remove(db: Path) -> None:
    for path in (db, Path(f"{db}.wal")):
        path.unlink(missing_ok=True)


def timed_build(db: Path, source: Path) -> dict:
    report = db.with_name(db.name + ".report.json")
    step = run([PY, "-m", "warehouse", "build", "--db", str(db), "--report", str(report)], source)
    built = json.loads(report.read_text())
    results = json.loads((db.with_name(db.name + ".dbt") / "target" / "run_results.json").read_text())["results"]
    nodes = sorted(results, key=lambda r: -r["execution_time"])
    return step | {
        "dbt_startup_seconds": round(built["startup_seconds"], 3),
        "nodes": len(results),
        "models": sum(r["unique_id"].startswith("model.") for r in results),
        "node_seconds": round(sum(r["execution_time"] for r in results), 3),
        "slowest": [[r["unique_id"].split(".")[-1], round(r["execution_time"], 2)] for r in nodes[:5]],
    }


def split_last_month(export: Path, out: Path) -> tuple[Path, Path]:
    """`out/before/` (every month but the last, as one incremental export) and `out/last/` (the last month), the
    months of `pars split-months` (warehouse/synth/months.py); each record of `before` is its version as of the
    end of the month before the last."""
    manifest = json.loads((export / "manifest.json").read_text(encoding="utf-8-sig"))
    exported = manifest["exported_at"]
    lo, hi = min(manifest["reporting_years"]) * 12, int(exported[:4]) * 12 + int(exported[5:7]) - 1
    frames = _assign_months({spec.name: _read(export, spec.name) for spec in FILES}, lo, hi, True)
    before, last = out / "before", out / "last"
    for folder in (before, last):
        folder.mkdir(parents=True)
    for spec in FILES:
        frame = frames.pop(spec.name)
        earlier = frame.filter(pl.col(M) < hi)
        if spec.name == "activities":  # an activity's latest version before the last month (one row per key)
            earlier = earlier.with_row_index("_row").sort(M).unique("activity_id", keep="last").sort("_row")
            earlier = earlier.drop("_row")
        for part, folder in ((earlier, before), (frame.filter(pl.col(M) == hi), last)):
            part.drop(M).write_csv(folder / f"{spec.name}.csv", quote_style="necessary", line_terminator="\n")
        del frame, earlier
    write_json(
        before / "manifest.json", _manifest(manifest, hi - 1, hi) | {"export_id": manifest["export_id"] + ".before"}
    )
    write_json(last / "manifest.json", _manifest(manifest, hi, hi))
    return before, last


def timed_month(db: Path, base: Path, month: Path, source: Path) -> dict:
    """From the state `base` (built): the month's `pars load` alone, then `pars refresh` of it (load + build)."""
    shutil.copyfile(base, db)
    load = run([PY, "-m", "warehouse", "load", str(month), "--db", str(db)], source)
    shutil.copyfile(base, db)
    report = db.with_name(db.name + ".report.json")
    refresh = run([PY, "-m", "warehouse", "refresh", str(month), "--db", str(db), "--report", str(report)], source)
    built = json.loads(report.read_text())["build"]
    return {"load_month": load, "refresh": refresh | {"dbt_startup_seconds": round(built["startup_seconds"], 3)}}


def bench(
    scale: float,
    years: str,
    source: Path,
    work: Path,
    one_step: bool = False,
    export: Path | None = None,
    before_loaded: Path | None = None,
) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    if export is None:
        export = work / f"export-{scale:g}-{years}"
        if not (export / "manifest.json").is_file():
            shutil.rmtree(export, ignore_errors=True)
            run(
                [
                    PY,
                    "-m",
                    "warehouse",
                    "synth",
                    "--scale",
                    str(scale),
                    "--years",
                    years,
                    "--seed",
                    "1",
                    "--out",
                    str(export),
                ],
                source,
            )
    db, base = work / "w.duckdb", work / "w-base.duckdb"
    remove(db)
    shutil.rmtree(work / "w.duckdb.dbt", ignore_errors=True)
    if one_step:
        halves = work / f"halves-{export.name}"
        if not (halves / "last" / "manifest.json").is_file():
            shutil.rmtree(halves, ignore_errors=True)
            split_last_month(export, halves)
        months = [str(halves / "before"), str(halves / "last")]
        if before_loaded is not None:  # the same raw layer, loaded before
            shutil.copyfile(before_loaded, db)
            log = Path(f"{before_loaded}.loads.jsonl")
            if log.is_file():
                shutil.copyfile(log, Path(f"{db}.loads.jsonl"))
        else:
            run([PY, "-c", LOAD_ALL, str(db), months[0]], source)
        full = timed_build(db, source)  # the first build of the file: a full one, of all months but the last
    else:
        months_dir = work / f"months-{scale:g}-{years}"
        if not months_dir.is_dir():
            run([PY, "-m", "warehouse", "split-months", str(export), "--out", str(months_dir)], source)
        months = sorted(str(p) for p in months_dir.iterdir() if p.is_dir())
        run([PY, "-c", LOAD_ALL, str(db), *months[:-1]], source)
        run([PY, "-m", "warehouse", "build", "--db", str(db)], source)  # untimed: the state before the last month
    shutil.copyfile(db, base)
    run([PY, "-c", LOAD_ALL, str(db), months[-1]], source)
    after_one_month = timed_build(db, source)
    warm = timed_month(db, base, Path(months[-1]), source)
    if not one_step:
        remove(db)
        run([PY, "-c", LOAD_ALL, str(db), str(export)], source)
        full = timed_build(db, source)
    return {
        "scale": scale,
        "years": years,
        "months": len(months),
        "one_step": one_step,
        "csv_mib": round(sum(f.stat().st_size for f in export.glob("*.csv")) / 2**20, 1),
        "build_full": full,
        "build_after_one_month": after_one_month,
        **warm,
        "ratio_wall": round(after_one_month["seconds"] / full["seconds"], 3),
        "ratio_cpu": round(after_one_month["cpu_seconds"] / full["cpu_seconds"], 3),
    }


def markdown(rows: list[dict]) -> str:
    lines = [
        "| label | scale | years | build | wall s | CPU s | peak MiB | nodes (models) | slowest nodes (s) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        for step in ("build_full", "build_after_one_month"):
            s = r[step]
            slow = ", ".join(f"{n} {t}" for n, t in s["slowest"][:3])
            lines.append(
                f"| {r['label']} | {r['scale']:g} | {r['years']} | {step} | {s['seconds']} | {s['cpu_seconds']} | "
                f"{s['peak_mib']} | {s['nodes']} ({s['models']}) | {slow} |"
            )
        lines.append(
            f"| {r['label']} | {r['scale']:g} | {r['years']} | after one month / full | {r['ratio_wall']:.0%} | "
            f"{r['ratio_cpu']:.0%} | | | |"
        )
        if "refresh" in r:
            load, refresh, build = r["load_month"], r["refresh"], r["build_after_one_month"]
            lines.append(
                f"| {r['label']} | {r['scale']:g} | {r['years']} | month: load + build / refresh | "
                f"{load['seconds'] + build['seconds']:.1f} / {refresh['seconds']} | "
                f"{load['cpu_seconds'] + build['cpu_seconds']:.1f} / {refresh['cpu_seconds']} | "
                f"{refresh['peak_mib']} | | dbt start-up in refresh {refresh['dbt_startup_seconds']} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=0.02)
    parser.add_argument("--years", default="2022")
    parser.add_argument("--source", type=Path, default=ROOT, help="the checkout to run (default: this one)")
    parser.add_argument("--label", default="this checkout")
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench-incremental"))
    parser.add_argument("--json", type=Path, help="append the result as one JSON line to this file")
    parser.add_argument("--one-step", action="store_true", help="split the export in two, not by month (a decade)")
    parser.add_argument("--export", type=Path, help="an existing export (read only) instead of `pars synth`")
    parser.add_argument(
        "--before-loaded",
        type=Path,
        help="with --one-step: a warehouse with all months but the last loaded (read only)",
    )
    args = parser.parse_args(argv)
    if args.before_loaded is not None and not (args.one_step and args.before_loaded.is_file()):
        parser.error("--before-loaded needs --one-step and an existing warehouse file")
    measured = bench(
        args.scale, args.years, args.source.resolve(), args.work, args.one_step, args.export, args.before_loaded
    )
    row = {"label": args.label, **measured, "machine": machine()}
    if args.json:
        with args.json.open("a") as fh:
            fh.write(json.dumps(row) + "\n")
    print(markdown([row]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

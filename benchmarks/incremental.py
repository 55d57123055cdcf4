"""Build after one month vs full build, at one year or several: what incremental builds save as the data grows.

    python -m benchmarks.incremental --scale 0.02 --years 2018-2022 [--source DIR] [--label after]
        [--work /tmp/bench-incremental] [--json OUT.json]

The export (seed 1) is split into monthly exports (`pars split-months`). All months but the last are loaded
(in one process: the loads are not what is measured) and built once, untimed; then the last month is loaded and
`pars build` is timed: the build after one month. The full build is `pars build` of the whole export loaded into
a new file at the same path (so both builds find dbt's partial-parse state warm, as in normal use). Each build
is a fresh process: wall seconds, CPU seconds (user + system, from wait4: unlike wall time, not inflated by
other jobs on a shared machine), peak memory, the nodes dbt ran and the slowest ones (target/run_results.json).

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
import time
from pathlib import Path

from .steps import ROOT, machine

PY = sys.executable
LOAD_ALL = (
    "import sys\nfrom warehouse.load import load_export\nfor p in sys.argv[2:]:\n    load_export(p, sys.argv[1])\n"
)


def run(cmd: list[str], source: Path) -> dict:
    """Run `cmd` from the checkout `source`; wall and CPU seconds and peak MiB of the process."""
    env = dict(os.environ, PYTHONPATH=str(source))
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=source, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed:\n{err[-2000:]}")
    return {
        "seconds": round(wall, 3),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 3),
        "peak_mib": round(usage.ru_maxrss / 1024, 1),
    }


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


def bench(scale: float, years: str, source: Path, work: Path) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    export, months_dir = work / f"export-{scale:g}-{years}", work / f"months-{scale:g}-{years}"
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
    if not months_dir.is_dir():
        run([PY, "-m", "warehouse", "split-months", str(export), "--out", str(months_dir)], source)
    months = sorted(str(p) for p in months_dir.iterdir() if p.is_dir())
    db, base = work / "w.duckdb", work / "w-base.duckdb"
    remove(db)
    shutil.rmtree(work / "w.duckdb.dbt", ignore_errors=True)
    run([PY, "-c", LOAD_ALL, str(db), *months[:-1]], source)
    run([PY, "-m", "warehouse", "build", "--db", str(db)], source)  # untimed: the state before the last month
    shutil.copyfile(db, base)
    run([PY, "-c", LOAD_ALL, str(db), months[-1]], source)
    after_one_month = timed_build(db, source)
    remove(db)
    run([PY, "-c", LOAD_ALL, str(db), str(export)], source)
    full = timed_build(db, source)
    return {
        "scale": scale,
        "years": years,
        "months": len(months),
        "csv_mib": round(sum(f.stat().st_size for f in export.glob("*.csv")) / 2**20, 1),
        "build_full": full,
        "build_after_one_month": after_one_month,
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
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=0.02)
    parser.add_argument("--years", default="2022")
    parser.add_argument("--source", type=Path, default=ROOT, help="the checkout to run (default: this one)")
    parser.add_argument("--label", default="this checkout")
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench-incremental"))
    parser.add_argument("--json", type=Path, help="append the result as one JSON line to this file")
    args = parser.parse_args(argv)
    row = {"label": args.label, **bench(args.scale, args.years, args.source.resolve(), args.work), "machine": machine()}
    if args.json:
        with args.json.open("a") as fh:
            fh.write(json.dumps(row) + "\n")
    print(markdown([row]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

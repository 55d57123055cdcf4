"""Benchmark harness: each pipeline step in a fresh process, median wall time and peak memory.

    python benchmarks/run.py --scales 0.1 1 [--years 2022] [--repeat 3] [--out benchmarks/results]

Every step runs as its own subprocess so its peak resident memory (from wait4) is its own. Baselines run
in the same invocation on the same files, and results are reported as ratios against them: these
machines are shared and noisy, so absolute seconds do not compare across runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable

#: The floor for `pars load`: DuckDB merely reading the same CSV files into tables (no validation).
FLOOR_READ = """
import duckdb, sys, pathlib
con = duckdb.connect(sys.argv[2])
for f in sorted(pathlib.Path(sys.argv[1]).glob('*.csv')):
    con.sql(f"create table {f.stem} as select * from read_csv('{f}', header=true, all_varchar=true)")
con.close()
"""


def measure(cmd: list[str], repeat: int, setup=None) -> dict:
    """Median wall seconds and max peak RSS (MiB) of `cmd` over `repeat` fresh runs."""
    times, peaks = [], []
    for _ in range(repeat):
        if setup:
            setup()
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{err[-2000:]}")
        times.append(elapsed)
        peaks.append(usage.ru_maxrss / 1024)
    return {"seconds": round(statistics.median(times), 3), "runs": [round(t, 3) for t in times],
            "peak_mib": round(max(peaks), 1)}


def machine() -> dict:
    mem_kib = 0
    with open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    return {"cores": os.cpu_count(), "memory_gib": round(mem_kib / 1024 / 1024, 1),
            "python": platform.python_version(), "platform": platform.platform()}


def bench_scale(scale: float, years: str, repeat: int, work: Path) -> dict:
    export = work / f"export-{scale}"
    db = work / f"w-{scale}.duckdb"
    floor_db = work / f"floor-{scale}.duckdb"
    pars = [PY, "-m", "warehouse"]

    def fresh(*paths: Path):
        def clear() -> None:
            for p in paths:
                shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
                Path(str(p) + ".wal").unlink(missing_ok=True)
        return clear

    steps = {}
    steps["synth"] = measure(pars + ["synth", "--scale", str(scale), "--years", years, "--seed", "1",
                                     "--out", str(export)], repeat, setup=fresh(export))
    size = sum(f.stat().st_size for f in export.glob("*.csv"))
    steps["floor_duckdb_read"] = measure([PY, "-c", FLOOR_READ, str(export), str(floor_db)], repeat,
                                         setup=fresh(floor_db))
    steps["load"] = measure(pars + ["load", str(export), "--db", str(db)], repeat, setup=fresh(db))
    steps["reload_unchanged"] = measure(pars + ["load", str(export), "--db", str(db)], repeat)
    steps.update(bench_builds(pars, export, db, work, scale, repeat))
    rows = json.loads((export / "manifest.json").read_text())
    ratios = {"load_vs_floor_read": round(steps["load"]["seconds"] / steps["floor_duckdb_read"]["seconds"], 2),
              "build_after_one_month_vs_full": round(steps["build_after_one_month"]["seconds"]
                                                     / steps["build_full"]["seconds"], 3)}
    return {"scale": scale, "years": years, "export_id": rows["export_id"], "csv_mib": round(size / 2**20, 1),
            "steps": steps, "ratios": ratios}


def bench_builds(pars: list[str], export: Path, db: Path, work: Path, scale: float, repeat: int) -> dict:
    """`pars build` from scratch on the loaded export, and after one more month on a built warehouse.

    The monthly exports come from `pars split-months`; all months but the last are loaded and built once
    (untimed), then each run restores that state, loads the last month (untimed) and times the build.
    dbt's state folder beside each warehouse is kept between runs, as in normal use (partial parsing).
    The untimed work runs in subprocesses too: a child's peak memory (wait4) starts from its parent's
    at fork, so the harness itself must stay small.
    """

    def run(*args: str) -> None:
        subprocess.run([*pars, *args], cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    loaded, report = work / f"w-{scale}-loaded.duckdb", work / f"build-{scale}.json"
    shutil.copyfile(db, loaded)

    def restore(src: Path, dst: Path, then=None):
        def setup() -> None:
            shutil.copyfile(src, dst)
            Path(str(dst) + ".wal").unlink(missing_ok=True)
            if then:
                then()
        return setup

    def with_startup(step: dict) -> dict:
        result = json.loads(report.read_text())
        return step | {"dbt_startup_seconds": round(result["startup_seconds"], 3),
                       "dbt_seconds": round(result["dbt_seconds"], 3)}

    steps = {}
    steps["build_full"] = with_startup(measure(pars + ["build", "--db", str(db), "--report", str(report)],
                                               repeat, setup=restore(loaded, db)))
    months_dir, mdb, base = work / f"months-{scale}", work / f"m-{scale}.duckdb", work / f"m-{scale}-base.duckdb"
    shutil.rmtree(months_dir, ignore_errors=True)
    for path in (mdb, base, Path(str(mdb) + ".wal")):
        path.unlink(missing_ok=True)
    run("split-months", str(export), "--out", str(months_dir))
    months = sorted(p for p in months_dir.iterdir() if p.is_dir())
    for month in months[:-1]:
        run("load", str(month), "--db", str(mdb))
    run("build", "--db", str(mdb))
    shutil.copyfile(mdb, base)
    steps["build_after_one_month"] = with_startup(measure(
        pars + ["build", "--db", str(mdb), "--report", str(report)], repeat,
        setup=restore(base, mdb, then=lambda: run("load", str(months[-1]), "--db", str(mdb)))))
    return steps


def write_markdown(results: list[dict], path: Path) -> None:
    lines = [f"# Benchmark results ({results[0]['date']})", "",
             f"Machine: {results[0]['machine']['cores']} cores, {results[0]['machine']['memory_gib']} GiB.", "",
             "| scale | years | CSV MiB | step | median s | peak MiB |", "|---|---|---|---|---|---|"]
    for r in results:
        for name, s in r["steps"].items():
            cells = (r["scale"], r["years"], r["csv_mib"], name, s["seconds"], s["peak_mib"])
            lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    lines += ["", "| scale | ratio | value |", "|---|---|---|"]
    for r in results:
        for name, v in r["ratios"].items():
            lines.append(f"| {r['scale']} | {name} | {v}x |")
    path.write_text("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", nargs="+", type=float, default=[0.1, 1.0])
    parser.add_argument("--years", default="2022")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--work", type=Path, default=ROOT / "benchmarks" / "work")
    parser.add_argument("--markdown", type=Path, default=ROOT / "benchmarks" / "RESULTS.md")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    args.work.mkdir(parents=True, exist_ok=True)
    today = dt.date.today().isoformat()
    results = []
    for scale in args.scales:
        result = bench_scale(scale, args.years, args.repeat, args.work)
        result.update(date=today, machine=machine())
        (args.out / f"{today}-{scale:g}.json").write_text(json.dumps(result, indent=2) + "\n")
        results.append(result)
        print(json.dumps({"scale": scale, "steps": {k: v["seconds"] for k, v in result["steps"].items()},
                          "ratios": result["ratios"]}))
    write_markdown(results, args.markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What `pars refresh` saves over `pars load` then `pars build`: one run, the variants interleaved.

    python -m benchmarks.refresh EXPORT [--repeat 2] [--work DIR]

Each variant loads EXPORT into a new warehouse and builds it, in fresh processes: `load+build` (two commands),
`refresh` (one process, dbt imported in a background thread during the load) and `refresh_cold` (one process,
no background import: what keeping one process alone saves). Every variant has its own warehouse path, so dbt's
partial-parse state beside it is warmed by one untimed round and reused. Prints per variant the median wall
seconds, CPU seconds (user + system of the processes, from wait4: load on the machine distorts it least) and
the build's dbt start-up (from the call into dbt to its first node), then the ratios to `load+build`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COLD = "import warehouse.build.dbt_runner as d; d.warm_up = lambda: None; from warehouse.cli import main; main()"


def run(cmd: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one command in a fresh process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr.read().decode(errors='replace')[-2000:]}")
    proc.stderr.close()
    return wall, usage.ru_utime + usage.ru_stime


def variant(name: str, export: Path, work: Path) -> dict:
    db = work / name / "w.duckdb"
    db.parent.mkdir(parents=True, exist_ok=True)
    for path in db.parent.glob("w.duckdb*"):
        if path.is_file():
            path.unlink()  # a new warehouse each time; dbt's state folder w.duckdb.dbt/ stays
    report = work / name / "report.json"
    pars = [sys.executable, "-m", "warehouse"]
    if name == "load+build":
        steps = [
            pars + ["load", str(export), "--db", str(db)],
            pars + ["build", "--db", str(db), "--report", str(report)],
        ]
    else:
        python = [sys.executable, "-c", COLD] if name == "refresh_cold" else pars
        steps = [python + ["refresh", str(export), "--db", str(db), "--report", str(report)]]
    wall = cpu = 0.0
    for cmd in steps:
        w, c = run(cmd)
        wall, cpu = wall + w, cpu + c
    build = json.loads(report.read_text())
    build = build.get("build", build)
    assert build["ok"], build
    return {"wall": wall, "cpu": cpu, "dbt_startup": build["startup_seconds"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("export", type=Path)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--work", type=Path, help="folder for the warehouses (default: a temporary one)")
    args = parser.parse_args()
    names = ["load+build", "refresh", "refresh_cold"]
    with tempfile.TemporaryDirectory(dir=ROOT / "benchmarks") as tmp:
        work = args.work or Path(tmp)
        runs: dict[str, list[dict]] = {n: [] for n in names}
        for round_ in range(args.repeat + 1):
            for name in names:
                measured = variant(name, args.export.resolve(), work)
                print(name, round_, {k: round(v, 2) for k, v in measured.items()}, file=sys.stderr, flush=True)
                if round_:  # the first round builds dbt's partial-parse state
                    runs[name].append(measured)
    medians = {n: {k: round(statistics.median(r[k] for r in runs[n]), 2) for k in runs[n][0]} for n in names}
    base = medians["load+build"]
    ratios = {n: {k: round(medians[n][k] / base[k], 3) for k in ("wall", "cpu")} for n in names[1:]}
    print(json.dumps({"medians": medians, "ratios_to_load_build": ratios, "runs": runs}, indent=2))


if __name__ == "__main__":
    main()

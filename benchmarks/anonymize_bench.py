"""Anonymizer benchmark: ARX's Adult at k=5 and k=11, and a synthetic 5M-row table with 6 QIs.

    python -m benchmarks.anonymize_bench adult [--repeat 3]
    python -m benchmarks.anonymize_bench large [--rows 5000000] [--workdir /tmp/anon-bench]

`adult` times the search and the whole anonymization in-process (median of runs; ARX 3.9.2 takes
about 2 s for k=11). `large` writes a synthetic completion-like table (age, sex, ZIP, completion
date, board, state; sensitive: activity type) as Parquet, then runs `pars anonymize` under
/usr/bin/time -v for wall time and peak RSS. Results print as JSON.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]

from anonymize.engine import anonymize, read_table  # noqa: E402
from anonymize.policy import load_policy  # noqa: E402

ADULT = ROOT.parent / "shared" / "datasets" / "adult"


def machine() -> dict:
    import os

    return {"cores": os.cpu_count(), "python": platform.python_version(), "polars": pl.__version__}


def adult(repeat: int) -> dict:
    results = {}
    data = read_table(ADULT / "adult.csv", ";")
    for k in (5, 11):
        policy = load_policy(ROOT / "anonymize" / "examples" / f"adult_k{k}.yaml")
        runs = []
        for _ in range(repeat):
            for local in (False, True):
                started = time.perf_counter()
                report = anonymize(data, policy, local_recoding=local).report
                runs.append((local, time.perf_counter() - started, report))
        glob = [r for r in runs if not r[0]]
        loc = [r for r in runs if r[0]]
        report = loc[-1][2]
        results[f"k={k}"] = {
            "levels": list(report["levels"].values()),
            "suppressed": report["global"]["suppressed_records"],
            "granularity": report["global"]["granularity"],
            "search": report["search"],
            "search_seconds_median": statistics.median(r[2]["search"]["seconds"] for r in glob),
            "global_seconds_median": round(statistics.median(r[1] for r in glob), 3),
            "with_local_recoding_seconds_median": round(statistics.median(r[1] for r in loc), 3),
            "local_recoding_granularity": report["local_recoding"]["granularity"],
            "local_recoding_suppressed": report["local_recoding"]["suppressed_records"],
        }
    return results


HIERARCHIES = {
    "sex": [["F", "*"], ["M", "*"]],
    "board": [[f"B{b:02d}", f"G{b // 6}", "*"] for b in range(24)],
    "state": [[f"S{s:02d}", f"R{s // 13}", "*"] for s in range(50)],
}

POLICY = """\
identifiers: [learner_id]
quasi_identifiers:
  age: {intervals: [5, 10, 20]}
  sex: sex.csv
  zip: {mask: [1, 2, 3]}
  completed: {dates: [month, quarter, year]}
  board: board.csv
  state: state.csv
sensitive: [activity_type]
k: 11
l: 2
suppression_limit: 0.04
objective: loss
local_recoding: {local}
"""


def synthesize(rows: int, folder: Path, seed: int = 1, local: bool = False) -> Path:
    """Completion-like rows; ZIPs cluster by state and ages by board so the data is not uniform noise."""
    rng = np.random.default_rng(seed)
    state = rng.zipf(1.6, rows) % 50
    board = (rng.zipf(1.4, rows) + state) % 24
    zip_code = 10000 + state * 1800 + rng.integers(0, 60, rows) * 30 + rng.integers(0, 3, rows)
    days = rng.integers(0, 3 * 365, rows)
    table = pl.DataFrame(
        {
            "learner_id": np.arange(rows),
            "age": np.clip(rng.normal(48 + board % 7, 10, rows), 26, 80).astype(np.int64),
            "sex": np.where(rng.random(rows) < 0.42, "F", "M"),
            "zip": zip_code.astype(str),
            "completed": (np.datetime64("2021-01-01") + days.astype("timedelta64[D]")).astype(str),
            "board": np.char.add("B", np.char.zfill(board.astype(str), 2)),
            "state": np.char.add("S", np.char.zfill(state.astype(str), 2)),
            "activity_type": rng.choice(np.array(["course", "rss", "enduring", "journal", "pi"]), rows),
        }
    )
    folder.mkdir(parents=True, exist_ok=True)
    for name, hierarchy in HIERARCHIES.items():
        (folder / f"{name}.csv").write_text("".join(";".join(row) + "\n" for row in hierarchy))
    (folder / "policy.yaml").write_text(POLICY.replace("{local}", str(local).lower()))
    path = folder / f"completions_{rows}.parquet"
    table.write_parquet(path)
    return path


def large(rows: int, workdir: Path, local: bool) -> dict:
    started = time.perf_counter()
    data = synthesize(rows, workdir, local=local)
    generated = time.perf_counter() - started
    out = workdir / "out"
    if out.exists():
        import shutil

        shutil.rmtree(out)
    command = [
        "/usr/bin/time",
        "-v",
        sys.executable,
        "-m",
        "warehouse",
        "anonymize",
        "--input",
        str(data),
        "--policy",
        str(workdir / "policy.yaml"),
        "--out",
        str(out),
    ]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(done.stdout + done.stderr)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr).group(1))
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", done.stderr).group(1)
    report = json.loads((out / "risk_report.json").read_text())
    return {
        "rows": rows,
        "generate_seconds": round(generated, 1),
        "wall_clock": wall,
        "peak_rss_mib": round(rss / 1024),
        "engine_seconds": report["seconds"],
        "search": report["search"],
        "levels": report["levels"],
        "k": report["risk"]["k"],
        "l": report["risk"]["l"],
        "suppressed": report["risk"]["suppressed_records"],
        "granularity": report["quality"]["granularity"],
        "local_recoding": report.get("local_recoding", {}).get("granularity_gain"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["adult", "large"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/anon-bench"))
    parser.add_argument("--local", action="store_true", help="large: with local recoding")
    args = parser.parse_args()
    result = adult(args.repeat) if args.what == "adult" else large(args.rows, args.workdir, args.local)
    print(json.dumps({"machine": machine(), args.what: result}, indent=2))


if __name__ == "__main__":
    main()

"""`pars load` against DuckDB's bare read of the same files, in one run, each a fresh process.

    python -m benchmarks.load_ratio EXPORT [--work DIR] [--code DIR ...] [--repeat 1] [--no-floor]

The floor is benchmarks.run's FLOOR_READ (every CSV file read into a table, all text, no memory cap); the load is
`pars load EXPORT --db NEW` under the default cap, with its progress lines time-stamped (where its seconds go).
`--code` runs the load from another checkout of the repository (e.g. the unchanged code, extracted with
`git archive`) with this checkout's Python, so a before/after pair runs back to back under the same load on the
machine; the order is floor, then each code in turn. Prints one JSON object per step and the ratios; every
warehouse written is deleted at the end (`--keep` keeps the last one).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from benchmarks.run import FLOOR_READ
from benchmarks.steps import machine, measure

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable


def _clear(*paths: Path):
    def clear() -> None:
        for p in paths:
            for q in (p, Path(str(p) + ".wal"), Path(str(p) + ".spill"), Path(str(p) + ".loads.jsonl")):
                shutil.rmtree(q, ignore_errors=True) if q.is_dir() else q.unlink(missing_ok=True)

    return clear


def phases(lines: list[list]) -> list[tuple[str, float]]:
    """(progress line, seconds until the next line) for each time-stamped stderr line of a load."""
    out = []
    for (t0, text), (t1, _) in zip(lines, lines[1:], strict=False):
        out.append((text.strip()[-70:], round(t1 - t0, 1)))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("export", type=Path)
    parser.add_argument("--work", type=Path, default=ROOT / "tmp" / "load-ratio")
    parser.add_argument("--code", type=Path, action="append", help="a checkout to load from (default: this one)")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--no-floor", action="store_true")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--memory-limit", default=None)
    args = parser.parse_args(argv)
    args.work = args.work.resolve()  # absolute: a load from another checkout runs in that folder
    args.work.mkdir(parents=True, exist_ok=True)
    export = args.export.resolve()
    results: dict = {"machine": machine(), "export": str(export)}
    floor_db = args.work / "floor.duckdb"
    if not args.no_floor:
        step = measure([PY, "-c", FLOOR_READ, str(export), str(floor_db)], args.repeat, setup=_clear(floor_db))
        _clear(floor_db)()
        results["floor_duckdb_read"] = step
        print(json.dumps({"step": "floor_duckdb_read", **step}), flush=True)
    for i, code in enumerate(args.code or [ROOT]):
        db = args.work / f"load-{i}.duckdb"
        cmd = ["sh", "-c", 'cd "$0" && exec "$@"', str(code.resolve()), PY, "-m", "warehouse", "load", str(export)]
        cmd += ["--db", str(db)] + (["--memory-limit", args.memory_limit] if args.memory_limit else [])
        step = measure(cmd, args.repeat, setup=_clear(db), phases=True)
        if not args.keep:
            _clear(db)()
        step["phases"] = phases(step["phases"])
        name = f"load[{code}]"
        if "floor_duckdb_read" in results:
            step["vs_floor"] = round(step["seconds"] / results["floor_duckdb_read"]["seconds"], 2)
        results[name] = step
        print(json.dumps({"step": name, **step}), flush=True)
    (args.work / "results.json").write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

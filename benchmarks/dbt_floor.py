"""What `pars build` costs when the SQL costs nothing: the floor under any incremental build.

    python -m benchmarks.dbt_floor [--repeat 3] [--loaded W.duckdb]

Writes a dbt project with the same shape as ours (5 seeds, 39 table models, 26 views, 1 incremental model,
379 data tests; the numbers are read from our manifest when one is given with --manifest) whose every
model selects one row, and times `pars build` on it (the same runner: copy, in-process dbt, publish), after
one untimed build for dbt's partial-parse state. With --loaded it also times a full build of our project on
a copy of that loaded warehouse in the same run, so the floor is stated as a share of a real full build.

    python -m benchmarks.dbt_floor --manifest M --ran RUN_RESULTS

The shape of the nodes one build ran (a build after one month leaves out views, seeds and unit tests, and what
reads no source its loads wrote): the floor under that build, whatever its SQL.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
from collections import Counter
from pathlib import Path

import duckdb

from warehouse.build import build

ROOT = Path(__file__).resolve().parents[1]
#: (column, generic test): every model gets the first few, as many as the shape's test count needs.
CATALOGUE = [
    ("id", "not_null"),
    ("id", "unique"),
    ("id", "accepted_values"),
    ("id", "relationships"),
    ("name", "not_null"),
    ("name", "accepted_values"),
    ("name", "unique"),
    ("name", "relationships"),
]
SHAPE = {"seed": 5, "table": 39, "view": 26, "incremental": 1, "test": 379}


def shape_of(manifest: Path, ran: Path | None = None) -> dict[str, int]:
    """The node counts of our project's manifest; with `ran` (a run_results.json), of the nodes that run ran."""
    nodes = json.loads(manifest.read_text())["nodes"]
    if ran is not None:
        ids = {r["unique_id"] for r in json.loads(ran.read_text())["results"]}
        nodes = {key: node for key, node in nodes.items() if key in ids}
    kinds = Counter(
        n["resource_type"] if n["resource_type"] in ("seed", "test") else n["config"]["materialized"]
        for n in nodes.values()
        if n["resource_type"] in ("seed", "test", "model")
    )
    return {k: kinds.get(k, 0) for k in SHAPE}


def write_project(folder: Path, shape: dict[str, int]) -> Path:
    """A project of trivial nodes: each model reads the one before it (a chain of 4-model layers)."""
    (folder / "models").mkdir(parents=True)
    (folder / "seeds").mkdir()
    shutil.copy(ROOT / "profiles.yml", folder / "profiles.yml")
    (folder / "dbt_project.yml").write_text(
        "name: floor\nversion: '1.0.0'\nconfig-version: 2\nprofile: pars\nmodel-paths: [models]\nseed-paths: [seeds]\n"
    )
    for i in range(shape["seed"]):
        (folder / "seeds" / f"seed_{i}.csv").write_text("id,name\n1,a\n2,b\n")
    models = [(kind, n) for kind in ("table", "view", "incremental") for n in range(shape[kind])]
    names = []
    tests_left = shape["test"]
    per_model = -(-tests_left // max(len(models), 1))
    yml = ["version: 2", "models:"]
    for i, (kind, n) in enumerate(models):
        name = f"m_{kind}_{n}"
        if i >= 4 or shape["seed"]:
            upstream = f"ref('{names[i - 4]}')" if i >= 4 else f"ref('seed_{i % shape['seed']}')"
            body = f"select id, name from {{{{ {upstream} }}}}"
        else:  # no seeds (a build's shape that left them out): the first layer selects its rows
            body = "select * from (values (1, 'a'), (2, 'b')) as t(id, name)"
        (folder / "models" / f"{name}.sql").write_text(
            f"{{{{ config(materialized='{kind}'{', unique_key=' + repr('id') if kind == 'incremental' else ''}) }}}}\n"
            f"{body}\n"
        )
        names.append(name)
        kinds = CATALOGUE[: min(per_model, tests_left)]
        tests_left -= len(kinds)
        yml.append(f"  - name: {name}")
        if kinds:
            yml.append("    columns:")
        for column in ("id", "name"):
            mine = [t for c, t in kinds if c == column]
            if not mine:
                continue
            yml += [f"      - name: {column}", "        data_tests:"]
            for t in mine:
                if t == "accepted_values":
                    values = "[1, 2]" if column == "id" else "['a', 'b']"
                    yml += [
                        "          - accepted_values:",
                        "              arguments:",
                        f"                values: {values}",
                    ]
                elif t == "relationships":
                    parent = f"seed_{i % shape['seed']}" if shape["seed"] else names[0]
                    yml += [
                        "          - relationships:",
                        "              arguments:",
                        f"                to: ref('{parent}')",
                        f"                field: {column}",
                    ]
                else:
                    yml.append(f"          - {t}")
    (folder / "models" / "schema.yml").write_text("\n".join(yml) + "\n")
    return folder


def time_builds(db: Path, source: Path | None, project: Path | None, repeat: int) -> tuple[list[float], list[float]]:
    seconds, startup = [], []
    for run in range(repeat + 1):
        if source is not None:
            shutil.copyfile(source, db)
        # a full refresh: every node runs (an unchanged project's build leaves its views and seeds out)
        result = build(db, project_dir=project, full_refresh=True)
        if not result.ok:
            raise SystemExit(f"build failed: {result.error or [f.name for f in result.failures]}")
        if run:  # the first run builds dbt's partial-parse state
            seconds.append(result.seconds)
            startup.append(result.startup_seconds)
    return seconds, startup


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--manifest", type=Path, help="a manifest.json of our project: copy its node counts")
    parser.add_argument("--ran", type=Path, help="with --manifest: a run_results.json, count only the nodes it ran")
    parser.add_argument("--loaded", type=Path, help="a loaded, never-built warehouse: also time our full build")
    args = parser.parse_args()
    shape = shape_of(args.manifest, args.ran) if args.manifest else SHAPE
    with tempfile.TemporaryDirectory(dir=ROOT / "benchmarks") as tmp:
        work = Path(tmp)
        project = write_project(work / "floor", shape)
        db = work / "floor.duckdb"
        duckdb.connect(str(db)).close()
        floor, floor_start = time_builds(db, None, project, args.repeat)
        out = {
            "shape": shape,
            "floor_seconds": statistics.median(floor),
            "floor_startup_seconds": statistics.median(floor_start),
            "runs": floor,
        }
        if args.loaded:
            full, full_start = time_builds(work / "w.duckdb", args.loaded, None, args.repeat)
            out |= {
                "full_build_seconds": statistics.median(full),
                "full_startup_seconds": statistics.median(full_start),
                "floor_share_of_full": statistics.median(floor) / statistics.median(full),
            }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()

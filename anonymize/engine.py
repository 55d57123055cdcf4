"""The anonymization pipeline: read, encode, search the optimum, recode locally, report, write.

`anonymize` works on a DataFrame and returns the released table and its report; `run` is what
`pars anonymize` calls: it writes into a temporary directory beside the target and renames it at
the end, so a policy that cannot be met leaves nothing behind.
"""

from __future__ import annotations

import json
import math
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from warehouse.files import atomic_folder

from . import hierarchy as hier
from .lattice import InfeasiblePolicy, LatticeSearch
from .local_recoding import recode
from .metrics import label_table, quality_report, released_codes, risk_report
from .objectives import ShareObjective, leaf_frequencies, make_objective
from .policy import Policy, PolicyError, QuasiIdentifier, load_policy
from .transform import CodedTable, Evaluator, encode_table


@dataclass
class AnonymizationResult:
    table: pl.DataFrame
    report: dict


def read_table(path: Path, separator: str | None = None) -> pl.DataFrame:
    """CSV (every column as text, separator sniffed from the header unless given) or Parquet."""
    path = Path(path)
    if not path.is_file():
        raise PolicyError(f"input file not found: {path}")
    if path.suffix.lower() in {".parquet", ".pq"}:
        return pl.read_parquet(path)
    if separator is None:
        with path.open(encoding="utf-8") as handle:
            header = handle.readline()
        separator = max([";", ",", "\t", "|"], key=header.count)
    return pl.read_csv(path, separator=separator, infer_schema=False)


def build_hierarchy(qi: QuasiIdentifier, column: pl.Series) -> hier.Hierarchy:
    if qi.kind == "hierarchy":
        return hier.from_file(qi.name, qi.params["path"])
    if qi.kind == "derived":
        raise PolicyError(
            f"quasi-identifier {qi.name!r}: its hierarchy is derived by a release profile "
            f"({qi.params['levels']}); use `pars release`, not `pars anonymize`"
        )
    if qi.kind == "intervals":
        return hier.intervals(column, qi.params["widths"], qi.params.get("start", 0))
    if qi.kind == "dates":
        return hier.dates(column, qi.params["levels"], qi.params.get("format"))
    return hier.mask(column, qi.params["drops"])


def _check_columns(data: pl.DataFrame, policy: Policy) -> None:
    for role, names in (
        ("identifiers", policy.identifiers),
        ("quasi_identifiers", policy.qi_names),
        ("sensitive", policy.sensitive),
    ):
        missing = [name for name in names if name not in data.columns]
        if missing:
            raise PolicyError(f"{role}: column(s) {missing} not in the input (columns: {data.columns})")


def _check_feasible(data: pl.DataFrame, policy: Policy, records: int) -> None:
    """Say plainly why a policy cannot be met before searching for nothing."""
    if records < policy.k:
        raise InfeasiblePolicy(f"k={policy.k} but the table has only {records} records: no release can be k-anonymous")
    for name in policy.sensitive:
        distinct = data[name].n_unique()
        if policy.l and distinct < policy.l:
            raise InfeasiblePolicy(f"l={policy.l} but sensitive attribute {name!r} has only {distinct} distinct values")


def encode(
    data: pl.DataFrame,
    policy: Policy,
    given: dict[str, hier.Hierarchy] | None = None,
    weights: np.ndarray | None = None,
) -> tuple[CodedTable, np.ndarray]:
    """Hierarchies, leaf codes and the frequency table (with each input row's row in it).

    `given` supplies ready-made hierarchies by attribute (built from the data by a release profile); the
    policy's own builders make the others. `weights`: records per input row (`anonymize_classes`).
    """
    given = given or {}
    hierarchies = [given.get(qi.name) or build_hierarchy(qi, data[qi.name]) for qi in policy.quasi_identifiers]
    codes = [h.encode(data[h.attribute]) for h in hierarchies]
    sensitive = [
        data[name].cast(pl.Utf8).fill_null("").rank("dense").to_numpy().astype(np.int64) - 1
        for name in policy.sensitive
    ]
    return encode_table(hierarchies, codes, sensitive, weights)


def anonymize(
    data: pl.DataFrame,
    policy: Policy,
    local_recoding: bool | None = None,
    hierarchies: dict[str, hier.Hierarchy] | None = None,
) -> AnonymizationResult:
    """Optimal full-domain generalization under the policy, optionally improved by local recoding."""
    return _anonymize(data, policy, local_recoding, hierarchies, None)


def anonymize_classes(
    classes: pl.DataFrame,
    weight: str,
    policy: Policy,
    local_recoding: bool | None = None,
    hierarchies: dict[str, hier.Hierarchy] | None = None,
) -> AnonymizationResult:
    """`anonymize` of the records that `classes` stands for: each row is `weight` (a column, integers >= 1)
    records alike, e.g. the distinct combinations of the quasi-identifiers with their counts.

    The search, the local recoding and the report are those of `anonymize` over the expanded records (the
    frequency table is the same, row for row, and every decision is taken per row of it, so records alike are
    always released alike); the released table has one row per row of `classes`, without `weight`. A release with
    millions of records but far fewer combinations never holds one row per record (anonymize/release/learners.py).
    """
    if weight not in classes.columns:
        raise PolicyError(f"weight column {weight!r} not in the input (columns: {classes.columns})")
    weights = classes[weight]
    if not weights.dtype.is_integer() or weights.null_count() or (len(weights) and weights.min() < 1):
        raise PolicyError(f"weight column {weight!r} must hold integers >= 1")
    return _anonymize(classes.drop(weight), policy, local_recoding, hierarchies, weights.to_numpy())


def _anonymize(data, policy, local_recoding, hierarchies, weights) -> AnonymizationResult:
    started = time.perf_counter()
    _check_columns(data, policy)
    _check_feasible(data, policy, data.height if weights is None else int(weights.sum()))
    table, row_of = encode(data, policy, hierarchies, weights)
    max_suppressed = math.floor(policy.suppression_limit * table.n + 1e-9)
    frequencies = leaf_frequencies(table)
    objective = make_objective(policy.objective, table.hierarchies, frequencies)
    evaluator = Evaluator(table, policy.k, policy.l, max_suppressed)
    best = LatticeSearch(evaluator, objective).run()
    final = Evaluator(table, policy.k, policy.l, max_suppressed).classify(best.levels)
    levels, assignment = [best.levels], np.where(final.row_suppressed, -1, 0)
    granularity = ShareObjective(table.hierarchies, frequencies)
    names = policy.qi_names + list(policy.sensitive)
    report = {
        "levels": dict(zip(policy.qi_names, best.levels, strict=True)),
        "objective": {"name": policy.objective, "value": best.value},
        "search": best.stats,
        "global": {
            **quality_report(granularity, table, levels, assignment, policy.qi_names),
            "suppressed_records": final.suppressed,
        },
    }
    use_local = policy.local_recoding if local_recoding is None else local_recoding
    if use_local and final.suppressed:
        recoding = recode(table, best.levels, final.row_suppressed, policy.k, policy.l)
        levels, assignment = recoding.levels, recoding.assignment
        quality = quality_report(granularity, table, levels, assignment, policy.qi_names)
        report["local_recoding"] = {
            "rounds": recoding.rounds,
            "nodes": [dict(zip(policy.qi_names, lv, strict=True)) for lv in levels[1:]],
            "recoded_records": int(table.weights[assignment > 0].sum()),
            **quality,
            "suppressed_records": int(table.weights[assignment < 0].sum()),
            "granularity_gain": round(quality["granularity"] - report["global"]["granularity"], 6),
        }
    report["risk"] = risk_report(table, levels, assignment, names)
    report["quality"] = quality_report(granularity, table, levels, assignment, policy.qi_names)
    released = _release(data, policy, table, levels, assignment, row_of)
    report["policy"] = policy.as_dict()
    report["seconds"] = round(time.perf_counter() - started, 3)
    return AnonymizationResult(released, report)


def _release(data, policy: Policy, table: CodedTable, levels, assignment, row_of) -> pl.DataFrame:
    """Drop identifiers and replace each quasi-identifier by its released label, row order kept."""
    packed = released_codes(table, levels, assignment)
    columns = {
        h.attribute: pl.Series(h.attribute, label_table(h), dtype=pl.Utf8).gather(codes[row_of])
        for h, codes in zip(table.hierarchies, packed, strict=True)
    }
    kept = [name for name in data.columns if name not in policy.identifiers]
    return data.select(kept).with_columns(list(columns.values()))


def run(input_path: Path, policy_path: Path, out: Path, local_recoding: bool | None = None) -> dict:
    """Anonymize a file into `out` (Parquet, CSV, risk_report.json, the policy); all or nothing."""
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise PolicyError(f"output directory {out} already exists and is not empty")
    policy = load_policy(Path(policy_path))
    data = read_table(Path(input_path), policy.separator)
    result = anonymize(data, policy, local_recoding)
    result.report["input"] = str(Path(input_path).resolve())
    with atomic_folder(out) as staging:
        result.table.write_parquet(staging / "anonymized.parquet")
        from .release.writer import write_csv  # the project's CSV rule: CR/LF quoted, formulas and controls inert

        write_csv(result.table, staging / "anonymized.csv")
        (staging / "risk_report.json").write_text(json.dumps(result.report, indent=2) + "\n")
        shutil.copyfile(policy_path, staging / "policy.yaml")
    return result.report

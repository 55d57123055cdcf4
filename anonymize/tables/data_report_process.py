"""The Data Report's suppression (data_report.suppressed_cells) run in a process of its own.

Why: the dbt Python model `int_annual_report__suppressed_cells` runs inside dbt's process, beside dbt's other
thread. The suppression is Python work (polars, scipy's sparse matrices, a HiGHS linear program per suppressed
cell and side): in dbt's process it waited for the interpreter lock that dbt's thread holds while it renders and
runs the next nodes, and that thread waited for it (one national year's suppression took 3.2-4.2 s in a build
after one month, 1.4 s on its own). A child process has an interpreter of its own; it also keeps scipy and HiGHS
out of dbt's process.

The inputs and the result travel as Arrow IPC files in a private temporary folder (created here, 0700, removed
afterwards): file names are ours, never from data. A failure in the child raises with its error output.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import polars as pl

FRAMES = ("activities", "provider_years", "professions")


def suppressed_cells_apart(
    activities: pl.DataFrame,
    provider_years: pl.DataFrame,
    professions: pl.DataFrame,
    organization_types: list[str],
    profession_names: list[str],
) -> pl.DataFrame:
    """data_report.suppressed_cells of these inputs, computed by a child process (same arguments, same result)."""
    with tempfile.TemporaryDirectory(prefix="pars-suppression-") as folder:
        work = Path(folder)
        for name, frame in zip(FRAMES, (activities, provider_years, professions), strict=True):
            frame.write_ipc(work / f"{name}.arrow")
        (work / "lists.json").write_text(
            json.dumps({"organization_types": organization_types, "profession_names": profession_names})
        )
        done = subprocess.run(
            [sys.executable, "-m", "anonymize.tables.data_report_process", str(work)],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise RuntimeError(f"the Data Report's suppression failed in its process:\n{done.stderr.strip()}")
        return pl.read_ipc(work / "cells.arrow")


def main(argv: list[str]) -> int:
    from anonymize.tables.data_report import suppressed_cells

    work = Path(argv[0])
    frames = [pl.read_ipc(work / f"{name}.arrow") for name in FRAMES]
    lists = json.loads((work / "lists.json").read_text())
    cells = suppressed_cells(*frames, lists["organization_types"], lists["profession_names"])
    cells.write_ipc(work / "cells.arrow")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

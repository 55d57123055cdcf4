"""`pars release tables --dp EPSILON`: completion tables with differential privacy instead of suppression (OpenDP).

Privacy unit: one learner (a physician as known to one board). Each learner's completions are clipped to the
profile's contribution bound C (their first C by date), so adding or removing a learner moves the interior cells by
at most C in L1; OpenDP's discrete Laplace mechanism over the vector of interior cells (board x year, the public key
set: every board of the code list x every reporting year of the warehouse) is calibrated to spend exactly EPSILON.
Margins are sums of the noisy interior cells (post-processing: no extra privacy cost), so the table is consistent.
The 95% error of each cell is computed from the noise distribution: OpenDP's accuracy for an interior cell, the
exact distribution of a sum of m independent noises for a margin of m cells.
"""

from __future__ import annotations

import math

import duckdb
import numpy as np
import opendp.prelude as dp
import polars as pl

from anonymize.tables.linear_audit import with_margins
from warehouse.contract import codes

from .profiles import ReleaseError

dp.enable_features("contrib")
SPACE = (dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int))


def _reporting_years(con: duckdb.DuckDBPyConnection) -> list[int]:
    from .tables import reporting_years

    return reporting_years(con)


def sum_error(scale: float, cells: int, alpha: float) -> int:
    """Smallest e with P(|sum of `cells` discrete Laplace(scale) noises| <= e) >= 1 - alpha (exact, by FFT)."""
    q = math.exp(-1.0 / scale)
    half = int(math.ceil(scale * 60)) + 1
    support = np.arange(-half, half + 1)
    pmf = (1 - q) / (1 + q) * q ** np.abs(support)
    size = cells * (2 * half) + 1
    length = 1 << int(math.ceil(math.log2(size)))
    spectrum = np.fft.rfft(pmf, length) ** cells
    total = np.clip(np.fft.irfft(spectrum, length)[:size], 0, None)
    centre = cells * half
    covered = total[centre]
    for e in range(1, centre + 1):
        covered += total[centre - e] + total[centre + e]
        if covered >= 1 - alpha:
            return e
    return centre


def noisy_tables(con: duckdb.DuckDBPyConnection, system: dict, dims: dict[str, list[str]], settings: dict):
    """The DP tables of one system (one interior per table), with the report of what was spent."""
    epsilon = float(settings["epsilon"])
    bound = int(settings["contribution_bound"])
    alpha = float(settings.get("alpha", 0.05))
    if epsilon <= 0 or bound < 1:
        raise ReleaseError(f"--dp: epsilon must be > 0 (got {epsilon}) and the contribution bound >= 1")
    years = _reporting_years(con)
    per_table = epsilon / len(dims)
    published, reports = {}, {}
    for table, ds in dims.items():
        if ds != ["board", "report_year"]:
            raise ReleaseError(f"--dp supports board x report_year tables, not {table} ({ds})")
        # the year column of the profile (year of completion, the MOC report's basis); completions dated outside
        # the public years are dropped before the clipping, so a learner's kept completions are all counted
        year = system.get("columns", {}).get("report_year", "report_year")
        clipped = con.sql(
            f"""
            with kept as (
                select board, {year} as report_year, row_number() over (
                    partition by learner_key order by completion_date, completion_id) as n
                from {system["source"]}
                where completion_status in (select unnest($s)) and {year} in (select unnest($y))
            )
            select board, report_year::varchar as report_year, count(*)::bigint as completions
            from kept where n <= $bound group by all
            """,
            params={"s": system.get("statuses", []), "bound": bound, "y": years},
        ).pl()
        spine = pl.DataFrame({"board": list(codes.BOARDS)}).join(
            pl.DataFrame({"report_year": [str(y) for y in years]}), how="cross"
        )
        cells = spine.join(clipped, on=ds, how="left").with_columns(pl.col("completions").fill_null(0))
        scale = dp.binary_search_param(lambda s: dp.m.make_laplace(*SPACE, scale=s), d_in=bound, d_out=per_table)
        measurement = dp.m.make_laplace(*SPACE, scale=scale)
        spent = float(measurement.map(d_in=bound))
        noisy = measurement(cells["completions"].to_list())
        interior = cells.with_columns(pl.Series("completions", noisy, dtype=pl.Int64))
        full = with_margins(interior, ds, ["completions"])
        # a margin sums the noisy interior cells it covers; its error is that of a sum of as many noises
        error = {1: int(math.ceil(dp.discrete_laplacian_scale_to_accuracy(scale, alpha)))}
        errors = []
        for board, year in full.select(ds).iter_rows():
            covered = (len(codes.BOARDS) if board == "All" else 1) * (len(years) if year == "All" else 1)
            if covered not in error:
                error[covered] = sum_error(scale, covered, alpha)
            errors.append(error[covered])
        published[table] = full.with_columns(pl.Series("completions_error_95", errors, dtype=pl.Int64)).sort(ds)
        reports[table] = {
            "mechanism": "discrete Laplace (OpenDP make_laplace on integer vectors)",
            "privacy_unit": settings.get("privacy_unit", "learner"),
            "contribution_bound": bound,
            "epsilon": spent,
            "scale": scale,
            "alpha": alpha,
            "error_95_interior": error[1],
            "error_95_by_cells_covered": {str(k): v for k, v in sorted(error.items())},
            "public_key_set": {"board": list(codes.BOARDS), "report_year": years},
            "margins": "sums of the noisy interior cells (post-processing)",
        }
    return published, {"dp": reports, "epsilon": sum(r["epsilon"] for r in reports.values()), "tables": list(dims)}

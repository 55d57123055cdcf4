"""`--memory-limit`: load and build cap DuckDB's memory and spill beside the warehouse, then clean up."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from tests.helpers import query
from warehouse import resources
from warehouse.build import BuildError, build
from warehouse.cli import main
from warehouse.load import LoadError, load_export

ROOT = Path(__file__).resolve().parents[1]


def mib(setting: str) -> float:
    """DuckDB's display of a memory setting ('286.1 MiB', '1.8 GiB') in MiB."""
    number, unit = setting.split()
    return float(number) * {"KiB": 1 / 1024, "MiB": 1, "GiB": 1024}[unit]


@pytest.mark.parametrize(
    "given, expected", [("2GB", "2GB"), ("1500mb", "1500MB"), (" 3 GiB ", "3GIB"), ("0.5GB", "0.5GB")]
)
def test_sizes_are_normalized(given, expected):
    assert resources.memory_limit(given) == expected


@pytest.mark.parametrize("bad", ["lots", "2", "-1GB", "0GB", "2 gigabytes"])
def test_a_size_duckdb_would_not_take_is_refused(bad):
    with pytest.raises(resources.MemoryLimitError, match="memory"):
        resources.memory_limit(bad)


def test_the_environment_sets_the_default(monkeypatch):
    monkeypatch.setenv(resources.ENV, "750MB")
    assert resources.memory_limit() == "750MB"
    assert resources.memory_limit("1GB") == "1GB"  # the flag wins
    monkeypatch.delenv(resources.ENV)
    assert resources.memory_limit() == resources.DEFAULT


def test_settings_reach_duckdb(tmp_path):
    db = tmp_path / "w.duckdb"
    con = duckdb.connect(str(db))
    resources.apply(con, db, "300MB")
    limit, spill = con.sql("select current_setting('memory_limit'), current_setting('temp_directory')").fetchall()[0]
    con.close()
    assert 280 < mib(limit) < 300  # 300 MB is 286 MiB
    assert spill == str(tmp_path / "w.duckdb.spill")


@pytest.fixture(scope="module")
def capped_load(base_export, tmp_path_factory) -> dict:
    """`pars load` of the base export under a 64MB cap (in this process), with DuckDB's memory_limit (MiB) seen by
    each validation step: `{"db", "out", "seen"}`. Shared by the two tests of the load's cap (a load each before)."""
    from warehouse.load import validate

    folder = tmp_path_factory.mktemp("capped-load")
    seen: list[float] = []
    check = validate.run

    def run(con, *args, **kwargs):
        seen.append(mib(con.sql("select current_setting('memory_limit')").fetchall()[0][0]))
        return check(con, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(validate, "run", run)
        out = CliRunner().invoke(
            main, ["load", str(base_export), "--db", str(folder / "capped.duckdb"), "--memory-limit", "64MB"]
        )
    return {"db": folder / "capped.duckdb", "out": out, "seen": seen}


def test_load_under_a_small_cap_loads_everything_and_leaves_no_spill_folder(capped_load, loaded_db):
    """The capped load holds what the session's load of the same export under the default cap (2GB) holds."""
    capped = capped_load["db"]
    assert capped_load["out"].exit_code == 0, capped_load["out"].output
    for table in ("providers", "activities", "learner_completions", "quarantine"):
        assert query(capped, f"select count(*) from raw.{table}") == query(
            loaded_db, f"select count(*) from raw.{table}"
        )
    assert query(capped, "select count(*) from raw.activities")[0][0] > 0
    assert not list(capped.parent.glob("*.spill"))


def test_a_bad_limit_stops_the_load_before_the_warehouse_exists(base_export, tmp_path):
    db = tmp_path / "w.duckdb"
    out = CliRunner().invoke(main, ["load", str(base_export), "--db", str(db), "--memory-limit", "plenty"])
    assert out.exit_code == 1
    assert "--memory-limit" in out.output and "'plenty' is not a size" in out.output
    assert not db.exists()
    with pytest.raises(LoadError, match="memory_limit|not a size"):
        load_export(base_export, db, memory_limit="plenty")


@pytest.fixture
def probe_project(tmp_path) -> Path:
    """A dbt project with the repo's profiles.yml and one model reporting DuckDB's settings."""
    project = tmp_path / "probe"
    (project / "models").mkdir(parents=True)
    shutil.copy(ROOT / "profiles.yml", project / "profiles.yml")
    (project / "dbt_project.yml").write_text(
        "name: probe\nversion: '1.0.0'\nconfig-version: 2\nprofile: pars\nmodel-paths: [models]\n"
    )
    (project / "models" / "duckdb_settings.sql").write_text(
        "{{ config(materialized='table') }}\n"
        "select current_setting('memory_limit') as memory_limit, "
        "current_setting('temp_directory') as temp_directory\n"
    )
    return project


def test_build_passes_the_limit_and_spill_folder_to_dbt(probe_project, tmp_path):
    db = tmp_path / "w.duckdb"
    duckdb.connect(str(db)).close()
    out = CliRunner().invoke(
        main, ["build", "--db", str(db), "--project-dir", str(probe_project), "--memory-limit", "300MB"]
    )
    assert out.exit_code == 0, out.output
    [(limit, spill)] = query(db, "select memory_limit, temp_directory from main.duckdb_settings")
    assert 140 < mib(limit) < 150  # half of a small cap: the rest is dbt's own process (resources.build_share)
    assert spill == str(db.with_name("w.duckdb.spill"))
    assert not db.with_name("w.duckdb.spill").exists()  # removed after the build

    # the build gives DuckDB resources.build_share of the cap (above, through the command line, for a small cap); its
    # other branch: a big cap keeps all but the 500MB reserve for DuckDB (between them, 1GB less the reserve is half)
    assert resources.build_share("300MB") == "150000KB" and resources.build_share("1GB") == "500000KB"
    assert resources.build_share("4GB") == "3500000KB"


def test_a_bad_limit_stops_the_build_before_it_starts(probe_project, tmp_path):
    db = tmp_path / "w.duckdb"
    duckdb.connect(str(db)).close()
    with pytest.raises(BuildError, match="not a size"):
        build(db, project_dir=probe_project, memory_limit="huge")
    out = CliRunner().invoke(main, ["build", "--db", str(db), "--memory-limit", "huge"])
    assert out.exit_code == 1 and "not a size" in out.output and "was not changed" in out.output


# The commands that read the warehouse in bulk (releases, reports) take the same cap, with a private spill folder.

PROFILES = ("activities", "learners", "tables")
YEAR = 2022


def data_files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((folder / "data").iterdir())}


@pytest.mark.parametrize(
    "command",
    [
        ["release", "learners", "--out", "{out}", "--secret-file", "{tmp}/k.key"],
        ["release", "activities", "--out", "{out}", "--secret-file", "{tmp}/k.key"],
        ["report", "annual", "--year", "2022", "--out", "{out}"],
        ["report", "moc", "--year", "2022", "--out", "{out}"],
        ["report", "rems", "--year", "2022", "--out", "{out}"],
        ["report", "review", "--all", "--out", "{out}"],
        ["report", "review", "--provider", "P1", "--out", "{out}"],
    ],
    ids=lambda c: " ".join(c[:2]),
)
def test_a_bad_limit_stops_every_reading_command_before_it_writes(built_warehouse, tmp_path, monkeypatch, command):
    out = tmp_path / "out"
    args = [a.format(out=out, tmp=tmp_path) for a in command] + ["--db", str(built_warehouse)]
    result = CliRunner().invoke(main, [*args, "--memory-limit", "plenty"])
    assert result.exit_code == 1, result.output
    assert "--memory-limit: 'plenty' is not a size like 2GB" in result.output and "nothing was written" in result.output
    assert "Traceback" not in result.output
    monkeypatch.setenv(resources.ENV, "lots")  # a bad environment value is refused the same way, naming its source
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1 and f"{resources.ENV}: 'lots' is not a size" in result.output, result.output
    assert not out.exists() and not (tmp_path / "k.key").exists()


#: the smallest caps (MB) each release needs on the test warehouse (DuckDB gets half); learners' yearly lists need more
TINY = {"activities": 64, "learners": 128, "tables": 64}


@pytest.mark.parametrize("profile", PROFILES)
def test_a_release_under_a_tiny_cap_reads_under_it_and_writes_the_same_files(
    built_warehouse, tmp_path, monkeypatch, profile
):
    from anonymize import release

    db = tmp_path / "warehouse.duckdb"
    shutil.copy(built_warehouse, db)
    seen: list[tuple] = []
    builder = release.BUILDERS[profile]

    def spy(con, *args):
        limit, spill = con.sql("select current_setting('memory_limit'), current_setting('temp_directory')").fetchall()[
            0
        ]
        seen.append((limit, Path(spill)))
        return builder(con, *args)

    monkeypatch.setitem(release.BUILDERS, profile, spy)
    key = tmp_path / "release.key"
    out = CliRunner().invoke(
        main,
        ["release", profile, "--db", str(db), "--out", str(tmp_path / "capped" / profile), "--secret-file", str(key)]
        + ["--years", str(YEAR)],  # one year: the builders' code path is the same for every year
        env={resources.ENV: f"{TINY[profile]}MB"},
    )
    assert out.exit_code == 0, out.output
    [(limit, spill)] = seen
    assert abs(mib(limit) - TINY[profile] / 2 * 10**6 / 2**20) < 0.2  # DuckDB gets half of the release's cap
    assert spill.parent == tmp_path and spill.name.startswith(".warehouse.duckdb.spill-")
    assert not spill.exists()  # removed when the release ended
    free = tmp_path / "free" / profile
    release.make_release(profile, db, free, key, reuse_secret=True, years=[YEAR], memory_limit="4GB")
    assert 1800 < mib(seen[-1][0]) < 1950  # half of 4 GB: DuckDB shows 1.8 GiB
    assert data_files(tmp_path / "capped" / profile) == data_files(free)


def test_reports_under_a_tiny_cap_write_the_same_tables(built_warehouse, built_annual_report, tmp_path):
    """The annual report's tables read under a 64MB cap equal the run's one render of the report (default cap); the
    MOC and REMS reports run whole from the command line under the cap. The annual report reads the warehouse
    before it renders, on a connection closed first (reports.api._yearly): the cap cannot reach its PDF, so the
    tables are read and written here as the report does, without rendering its 34 pages a second time."""
    from reports.annual import all_tables, build_context
    from reports.data import Warehouse
    from reports.excel import write_csvs

    with Warehouse(built_warehouse, "64MB") as w:
        limit, spill = w.con.sql(
            "select current_setting('memory_limit'), current_setting('temp_directory')"
        ).fetchall()[0]
        assert 60 < mib(limit) < 62 and Path(spill).is_dir()
        capped = write_csvs(all_tables(build_context(w, YEAR)), tmp_path / "annual" / "csv")
    assert not Path(spill).exists()
    for kind in ("moc", "rems"):
        out = CliRunner().invoke(
            main,
            ["report", kind, "--year", str(YEAR), "--db", str(built_warehouse), "--out", str(tmp_path / kind)],
            env={resources.ENV: "64MB"},
        )
        assert out.exit_code == 0, out.output
        assert list((tmp_path / kind).glob("*.pdf"))
    # the same tables without the tiny cap (the run's one render of the report, under the default cap of 2GB)
    free = built_annual_report["csv_dir"]
    assert {p.name: p.read_bytes() for p in free.iterdir()} == {p.name: p.read_bytes() for p in capped.iterdir()}
    assert not list(built_warehouse.parent.glob("*.spill*"))


def test_review_workers_share_the_cap(built_warehouse, tmp_path, monkeypatch):
    """On a copy of the built warehouse reduced to two providers: the packets themselves, all of them with two
    workers, are checked in tests/test_reports_review_moc_rems.py; here the cap's split is the point."""
    from reports import review

    db = tmp_path / "warehouse.duckdb"
    shutil.copy(built_warehouse, db)
    con = duckdb.connect(str(db))
    con.execute(
        "delete from review.current_term where provider_id not in "
        "(select provider_id from review.current_term order by 1 limit 2)"
    )
    con.close()

    started: list[tuple] = []
    real_pool = review.ProcessPoolExecutor

    def pool(*args, **kwargs):
        started.append(kwargs["initargs"])
        return real_pool(*args, **kwargs)

    monkeypatch.setattr(review, "ProcessPoolExecutor", pool)
    out = tmp_path / "packets"
    result = CliRunner().invoke(
        main,
        ["report", "review", "--all", "--workers", "2", "--db", str(db), "--out", str(out)],
        env={resources.ENV: "64MB"},
    )
    assert result.exit_code == 0, result.output
    [(_db, _out, share)] = started
    assert share == "32000KB"  # half of 64 MB for each of the two workers
    providers = query(db, "select provider_id from review.current_term")
    assert len(list(out.glob("review-*.pdf"))) == len(providers) == 2


@pytest.mark.parametrize("as_series", [True, False])
def test_identifiers_held_as_a_series_are_still_refused_in_any_text_cell(as_series):
    """The activities and learners profiles hand their input identifiers to the writer as a polars Series (a decade's
    2.3 million activity ids as Python strings took hundreds of MiB); a cell holding one still stops the release."""
    import polars as pl

    from anonymize.release.content import Content
    from anonymize.release.profiles import ReleaseError
    from anonymize.release.writer import check_identifiers

    ids = ["A-1", "A-2", "P-9"]
    frame = pl.DataFrame({"n": [1, 2], "note": ["fine", "P-9"]})
    content = Content(
        tables={"t": frame}, risk={}, columns={}, forbidden=pl.Series("activity_id", ids) if as_series else set(ids)
    )
    with pytest.raises(ReleaseError, match="column note: 1 cell"):
        check_identifiers(content)
    check_identifiers(Content(tables={"t": frame.head(1)}, risk={}, columns={}, forbidden=content.forbidden))


def test_a_release_that_does_not_fit_under_its_cap_says_so_in_one_line(built_warehouse, tmp_path):
    """DuckDB's out-of-memory error under a too small cap ended the release with its exception (a traceback)."""
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(built_warehouse, db)
    out, key = tmp_path / "release", tmp_path / "release.key"
    args = ["release", "learners", "--db", str(db), "--out", str(out), "--secret-file", str(key)]
    result = CliRunner().invoke(main, [*args, "--memory-limit", "16MB"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    assert "DuckDB ran out of memory under the release's cap of 16MB" in result.output, result.output
    assert "--memory-limit" in result.output and "Traceback" not in result.output
    assert not out.exists() and not key.exists() and not list(tmp_path.glob(".warehouse.duckdb.spill-*"))


def test_the_load_leaves_room_under_the_cap_beside_duckdb(capped_load):
    """At a decade the load peaked at 2,304 MiB under the default 2 GB cap (cap + 10% is 2,098 MiB): DuckDB had the
    whole cap, and its CSV reader's buffers and the process itself came on top. DuckDB now gets LOAD_SHARE of it."""
    seen = capped_load["seen"]
    cap = 64e6 / 2**20
    assert seen and all(0.7 * cap < s <= 0.85 * cap for s in seen), (seen, cap)

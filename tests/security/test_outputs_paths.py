"""Item 3: every output path is confined, whatever the ids in the warehouse say.

The loader quarantines ids with path characters, so an attacker needs a warehouse that got past it (an older one, or
one edited behind the loader's back): these tests take a copy of the built test warehouse and UPDATE one provider's
id in every mart to a path, as that attacker would, then run the real report code on it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from tests.helpers.reportchecks import pdf_text
from warehouse.cli import main

HOSTILE = "../../../../escape/x"


def _set_provider_id(db: Path, old: str, new: str) -> None:
    con = duckdb.connect(str(db))
    try:
        tables = con.sql(
            "select c.table_schema, c.table_name from information_schema.columns c "
            "join information_schema.tables t using (table_schema, table_name) "
            "where c.column_name = 'provider_id' and t.table_type = 'BASE TABLE'"
        ).fetchall()
        for schema, table in tables:
            con.execute(f'update "{schema}"."{table}" set provider_id = ? where provider_id = ?', [new, old])
    finally:
        con.close()


@pytest.fixture(scope="module")
def hostile(built_warehouse, tmp_path_factory):
    """A built warehouse whose biggest provider (a packet with a CSV folder) has the id HOSTILE; only it and the
    second biggest stay in review.current_term, so `--all` renders two packets."""
    db = tmp_path_factory.mktemp("hostile") / "warehouse.duckdb"
    shutil.copy(built_warehouse, db)
    con = duckdb.connect(str(db))
    try:
        big = con.sql(
            "select provider_id, count(*) from review.term_activities group by 1 order by 2 desc, 1 limit 2"
        ).fetchall()
        con.execute("delete from review.current_term where provider_id not in (?, ?)", [big[0][0], big[1][0]])
    finally:
        con.close()
    assert big[0][1] > 50 and big[1][1] > 50, "the test needs two packets with a CSV folder"
    _set_provider_id(db, big[0][0], HOSTILE)
    return {"db": db, "other": big[1][0]}


def _escape_target(out: Path) -> Path:
    """Where the old code put the hostile packet: out/review-../../../../escape/x."""
    return Path(os.path.normpath(out / f"review-{HOSTILE}")).parent


def _files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file() or p.is_symlink()}


def _plant_victim(out: Path) -> Path:
    victim = _escape_target(out) / "x-csv"
    victim.mkdir(parents=True)
    (victim / "keep.txt").write_text("precious")
    return victim


def test_review_packet_of_a_path_like_id_stays_under_out(hostile, tmp_path):
    out = tmp_path / "w1" / "w2" / "w3" / "out"
    victim = _plant_victim(out)
    before = _files_under(tmp_path)
    r = CliRunner().invoke(
        main, ["report", "review", "--provider", HOSTILE, "--db", str(hostile["db"]), "--out", str(out)]
    )
    assert r.exit_code == 0, r.output
    assert (victim / "keep.txt").read_text() == "precious"  # the old code deleted this folder
    assert not (_escape_target(out) / "x.pdf").exists()  # ... and wrote this file
    new = _files_under(tmp_path) - before
    assert new and all(p.resolve().is_relative_to(out.resolve()) for p in new), sorted(map(str, new))
    pdfs = [p for p in new if p.suffix == ".pdf"]
    assert len(pdfs) == 1 and pdfs[0].parent == out
    assert set(pdfs[0].name) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.%")
    assert HOSTILE in " ".join(pdf_text(pdfs[0]).split())  # the packet still shows the id as it is
    assert any(p.suffix == ".csv" and p.parent.parent == out for p in new)  # the full lists, inside out


def test_all_review_packets_stay_under_out(hostile, tmp_path):
    out = tmp_path / "w1" / "w2" / "w3" / "out"
    victim = _plant_victim(out)
    before = _files_under(tmp_path)
    r = CliRunner().invoke(
        main, ["report", "review", "--all", "--workers", "1", "--db", str(hostile["db"]), "--out", str(out)]
    )
    assert r.exit_code == 0, r.output
    assert (victim / "keep.txt").read_text() == "precious"
    new = _files_under(tmp_path) - before
    assert all(p.resolve().is_relative_to(out.resolve()) for p in new), sorted(map(str, new))
    assert len([p for p in new if p.suffix == ".pdf"]) == 2


def test_dashboard_packet_button_stays_under_its_cache(hostile, tmp_path, monkeypatch):
    import tempfile

    from dashboards import reporting

    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    monkeypatch.setenv("PARS_DASH_DB", str(hostile["db"]))
    pdf = reporting.review_packet(HOSTILE)
    assert pdf.startswith(b"%PDF")
    assert not list(root.rglob("x.pdf")) and not list(root.rglob("escape"))
    cache = reporting._cache_dir("review_packet", "x").parent
    assert all(p.resolve().is_relative_to(cache.resolve()) for p in _files_under(root)), sorted(
        map(str, _files_under(root))
    )


def test_dashboard_cache_marker_cannot_point_outside(hostile, tmp_path, monkeypatch):
    """Another local user (or a stale cache) plants the 'already rendered' marker naming a file of theirs choosing:
    the old code served that file's bytes as the packet."""
    import hashlib
    import tempfile

    from dashboards import reporting

    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    monkeypatch.setenv("PARS_DASH_DB", str(hostile["db"]))
    secret = tmp_path / "secret.txt"
    secret.write_text("not a packet")
    pid = hostile["other"]
    out = reporting._cache_dir("review_packet", hashlib.sha256(pid.encode()).hexdigest()[:16])
    moc = out.parent.parent / "moc" / "2022"
    for folder in (out, moc):  # the markers of the old code (path.txt, paths.tsv) and of the new (files.tsv)
        folder.mkdir(parents=True)
        (folder / "path.txt").write_text(str(secret))
        for marker in ("paths.tsv", "files.tsv"):
            (folder / marker).write_text(f"pdf\t{secret}\nxlsx\t{secret}\n")
    (moc / "files.tsv").write_text("pdf\t../../../../../secret.txt\n")
    assert reporting.review_packet(pid).startswith(b"%PDF")
    assert reporting.report("moc", 2022, "pdf").startswith(b"%PDF")


def test_planted_symlinks_in_out_are_refused(hostile, tmp_path):
    """A symlink where a packet or its CSV folder goes (planted by another user of a shared folder): nothing is
    written or deleted through it; one line, exit 1."""
    out = tmp_path / "out"
    out.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("precious")
    target = tmp_path / "target.pdf"
    target.write_text("mine")
    pid = hostile["other"]
    (out / f"review-{pid}-csv").symlink_to(outside, target_is_directory=True)
    r = CliRunner().invoke(main, ["report", "review", "--provider", pid, "--db", str(hostile["db"]), "--out", str(out)])
    assert r.exit_code == 1 and r.exception is None or isinstance(r.exception, SystemExit), r.exc_info
    assert r.exit_code == 1
    assert r.output.startswith("Error: ") and len(r.output.strip().splitlines()) == 1, r.output
    assert "outside" in r.output and "Traceback" not in r.output
    assert sorted(os.listdir(outside)) == ["keep.txt"] and not (out / f"review-{pid}.pdf").exists()
    (out / f"review-{pid}-csv").unlink()
    (out / f"review-{pid}.pdf").symlink_to(target)
    r = CliRunner().invoke(main, ["report", "review", "--provider", pid, "--db", str(hostile["db"]), "--out", str(out)])
    assert r.exit_code == 1 and "outside" in r.output, r.output
    assert target.read_text() == "mine" and (out / f"review-{pid}.pdf").is_symlink()


def test_safe_names_are_single_inert_components():
    from warehouse.paths import safe_name

    ids = [
        "P1",
        "",
        ".",
        "..",
        "../x",
        "..%2Fx",
        "a/b",
        "a\\b",
        "%",
        "%25",
        "a b",
        "\x00",
        "é",
        "x" * 400,
        "x" * 399 + "y",
        "-",
        "_",
        "CON",
        "~",
    ]
    names = [safe_name(i) for i in ids]
    assert len(set(names)) == len(ids)  # no two ids share a file
    for n in names:
        assert n and n not in (".", "..") and len(n.encode()) <= 200
        assert set(n) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-%~")
    assert safe_name("P00123") == "P00123" and safe_name("ab-c_D9") == "ab-c_D9"  # ordinary ids unchanged


def test_confined_refuses_escapes(tmp_path):
    from warehouse.paths import UnsafePath, confined

    base = tmp_path / "base"
    base.mkdir()
    (base / "link").symlink_to(tmp_path)
    assert confined(base, "a.pdf") == base.resolve() / "a.pdf"
    for name in ("../a.pdf", "/etc/passwd", "link/a.pdf", ".", "", "sub/../../a"):
        with pytest.raises(UnsafePath) as exc:
            confined(base, name)
        assert "\n" not in str(exc.value) and str(base) in str(exc.value)


def test_release_files_cannot_leave_the_release(tmp_path):
    """Release file names come from the profiles, not the data; still, a table name that is a path is refused before
    anything is written (the old writer put `../../../escape.parquet` beside the release folder)."""
    import polars as pl

    from anonymize.release.content import Content
    from anonymize.release.profiles import ReleaseError
    from anonymize.release.writer import write

    out = tmp_path / "releases" / "r1"
    content = Content(tables={"../../../escape": pl.DataFrame({"a": [1]})}, risk={}, columns={})
    with pytest.raises(ReleaseError, match="not a plain file name"):
        write(out, {"title": "t", "description": "d"}, content)
    assert [p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")] == ["releases"]

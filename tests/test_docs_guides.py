"""The user guides' commands work as written, and their load-failure messages are the loader's real ones
(issue 14, item 5).

Every `pars` line of a ```sh block in docs/guide-*.md is parsed by the real command line (the subcommand exists,
every option exists and takes its value). The staff and reviewers' guides' load, build and report lines are run, in
order, on a copy of examples/export-small, so the example also loads, builds and reports. Each message of the
staff guide's "When a load fails" table is produced by breaking a copy of the example as the table says and
loading it: the line printed must be in the guide verbatim.

Old code: there were no guides (FileNotFoundError).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from tests.helpers import query
from tests.helpers.dbtwork import dbt_work  # noqa: F401  (the shared fixture)
from warehouse.cli import main

ROOT = Path(__file__).resolve().parents[1]
GUIDES = ("guide-staff.md", "guide-reviewers.md", "guide-researchers.md")
RUN = {"load", "build", "report"}  # what the walkthrough runs; the rest is parsed only (serve, release, users)


def commands(guide: str) -> list[list[str]]:
    """The `pars` command lines of the guide's ```sh blocks, as argument lists (comments and `\\` joins handled)."""
    text = (ROOT / "docs" / guide).read_text(encoding="utf-8")
    out = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.DOTALL):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.strip()
            if line.startswith("pars "):
                out.append(shlex.split(line, comments=True)[1:])
    return out


def parse(args: list[str]) -> str:
    """Parse `pars ARGS` down to the leaf command without running it; returns the command path."""
    ctx = main.make_context("pars", list(args), resilient_parsing=False)
    command, rest, path = main, _rest(ctx), ["pars"]
    while isinstance(command, click.Group):
        name, command, rest = command.resolve_command(ctx, rest)
        path.append(name)
        ctx = command.make_context(name, rest, parent=ctx)
        rest = _rest(ctx) if isinstance(command, click.Group) else []
    return " ".join(path)


def _rest(ctx: click.Context) -> list[str]:
    """A group's unparsed tokens: the subcommand and its arguments (click 8.2 keeps the first apart)."""
    return [*getattr(ctx, "_protected_args", []), *ctx.args]


@pytest.fixture(scope="module")
def walkthrough(dbt_work) -> Path:  # noqa: F811
    """A folder where the staff and reviewers' guides' load, build and report lines have run, in order.

    The worker's dbt folder (tests/helpers/dbtwork.py), emptied: the guides' `w.duckdb` is at the path where the
    worker's other build test files build, so dbt parses only what changed since the last of them."""
    root = dbt_work
    shutil.copytree(ROOT / "examples" / "export-small", root / "examples" / "export-small")
    (root / "releases").mkdir()
    (root / "users.json").write_text("{}")
    runner, ran, before = CliRunner(), [], os.getcwd()
    os.chdir(root)
    try:
        for guide in GUIDES[:2]:
            for args in commands(guide):
                if args[0] in RUN and "--all" not in args and tuple(args) not in ran:
                    result = runner.invoke(main, args)
                    assert result.exit_code == 0, (guide, args, result.output[-2000:])
                    ran.append(tuple(args))
    finally:
        os.chdir(before)
    assert ran, "the guides show load, build and report lines"
    return root


@pytest.mark.parametrize("guide", GUIDES)
def test_every_command_of_the_guide_parses(walkthrough, guide, monkeypatch):
    monkeypatch.chdir(walkthrough)
    found = commands(guide)
    assert found, guide
    for args in found:
        parse(args)


def test_the_walkthrough_loads_builds_and_reports_the_example(walkthrough):
    db = walkthrough / "w.duckdb"
    manifest = json.loads((ROOT / "examples/export-small/manifest.json").read_text())
    assert query(db, "select export_id from raw.load_history") == [(manifest["export_id"],)]
    providers = query(db, "select count(*) from core.dim_providers")[0][0]
    assert providers == manifest["files"]["providers.csv"]["rows"]
    assert query(db, "select count(*) from annual_report.enterprise_size where report_year = 2022")[0][0] > 0
    for name in ("data-report-2022.pdf", "moc-report-2022.pdf", "rems-report-2022.pdf"):
        assert (walkthrough / "reports" / name).stat().st_size > 10_000, name
    assert (walkthrough / "reports/review/review-3597798.pdf").exists()
    assert (walkthrough / "w.duckdb.loads.jsonl").exists()  # the guide says attempts are recorded there


# --- "When a load fails": every message shown is the loader's own -------------------------------------------------


def _drop_files(export: Path, suffix: str = "") -> None:
    manifest = json.loads((export / "manifest.json").read_text())
    manifest.pop("files")
    manifest["export_id"] += suffix
    (export / "manifest.json").write_text(json.dumps(manifest))


def _no_manifest(e: Path) -> None:
    (e / "manifest.json").unlink()


def _misspelled_header(e: Path) -> None:
    _drop_files(e, "-h")
    path = e / "activities.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("title", "titel", 1), encoding="utf-8")


def _not_utf8(e: Path) -> None:
    _drop_files(e, "-enc")
    path = e / "providers.csv"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\xe9\n", 2))


def _cut_mid_row(e: Path, keep_files: bool) -> None:
    if not keep_files:
        _drop_files(e, "-t")
    path = e / "activities.csv"
    data = path.read_bytes().rstrip(b"\n")
    path.write_bytes(data[: data.rfind(b",", 0, len(data) - 40)])


def _mass_deletion(e: Path) -> None:
    _drop_files(e, "-cut")
    path = e / "activities.csv"
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[: 1 + int((len(lines) - 1) * 0.7)]))


def _same_id_other_content(e: Path) -> None:
    _drop_files(e)
    path = e / "providers.csv"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))


BREAKS = {
    "no manifest": _no_manifest,
    "misspelled header": _misspelled_header,
    "not UTF-8": _not_utf8,
    "cut mid-row": lambda e: _cut_mid_row(e, keep_files=False),
    "cut, manifest lists files": lambda e: _cut_mid_row(e, keep_files=True),
    "mass deletion": _mass_deletion,
    "corrected export, same id": _same_id_other_content,
}


@pytest.mark.parametrize("case", list(BREAKS))
def test_each_failure_message_in_the_staff_guide_is_real(walkthrough, case, tmp_path):
    export = tmp_path / "export"
    shutil.copytree(ROOT / "examples" / "export-small", export)
    BREAKS[case](export)
    db = tmp_path / "w.duckdb"
    shutil.copyfile(walkthrough / "w.duckdb", db)
    result = CliRunner().invoke(main, ["load", str(export), "--db", str(db)])
    assert result.exit_code == 1
    [line] = [x for x in result.output.splitlines() if x.startswith("Error:")]
    guide = (ROOT / "docs" / "guide-staff.md").read_text(encoding="utf-8")
    assert f"`{line}`" in guide, line

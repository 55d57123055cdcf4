"""docs/export-format.md is the project's own complete description of the export format (issue 14, item 5), and
examples/export-small/ is a loadable example that cannot go stale.

The document is checked against the contract the generator and the loader share (warehouse/contract): every file,
every column with its type and its key/optional mark, every code of every code list, every quarantine rule and
every manifest field. The example is checked byte for byte against `pars synth` with the command the document
gives (tests/test_docs_guides.py loads, builds and reports it).

Old code: the document named no quarantine rule, no id alphabet or date bounds, not the size limits, and there was
no example export in the repository.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from warehouse.contract import FILES, RULES, codes

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "export-format.md"
EXAMPLE = ROOT / "examples" / "export-small"


def doc() -> str:
    return DOC.read_text(encoding="utf-8")


def section(text: str, heading: str) -> str:
    start = text.index(heading)
    end = text.find("\n### ", start + 1)
    end2 = text.find("\n## ", start + 1)
    ends = [e for e in (end, end2) if e != -1]
    return text[start : min(ends)] if ends else text[start:]


def test_every_file_and_column_is_described_with_its_type_and_marks():
    text = doc()
    for spec in FILES:
        part = section(text, f"### {spec.name}.csv")
        rows = {}
        for line in part.splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if line.startswith("|") and len(cells) >= 2 and cells[0] not in ("column", "---"):
                rows[cells[0]] = cells[1]
        expected = {}
        for c in spec.columns:
            mark = " (key)" if c.key else " (opt)" if c.optional else ""
            expected[f"{c.name}{mark}"] = c.type
        assert rows == expected, spec.name


def test_every_code_of_every_code_list_is_written_out():
    text = doc()
    lists = [
        codes.ACTIVITY_TYPES,
        codes.ORGANIZATION_TYPES,
        codes.ACCREDITOR_TYPES,
        codes.DECISION_TYPES,
        codes.ACCREDITATION_STATUSES,
        codes.FINDINGS,
        codes.PROVIDERSHIP,
        codes.ACTIVITY_STATUSES,
        codes.COMPETENCIES,
        codes.IN_KIND_NATURES,
        codes.BOARDS,
        codes.CREDIT_TYPES,
        codes.REMS_DESIGNATIONS,
        codes.COMPLETION_STATUSES,
        codes.PROFESSIONS,
        codes.US_STATES,
    ]
    missing = [code for values in lists for code in values if f"`{code}`" not in text]
    assert missing == []
    for name, full in codes.ACTIVITY_TYPE_NAMES.items():
        assert f"`{name}` {full}" in text
    for board, types in codes.CREDIT_TYPES_BY_BOARD.items():
        line = next(part for part in text.split("·") if f"`{board}`:" in part)
        assert all(f"`{t}`" in line or f" {t}" in line for t in types), board


def test_every_quarantine_rule_and_the_limits_are_in_the_document():
    text = doc()
    assert [rule for rule in RULES if f"`{rule}`" not in text] == []
    for fact in ("A-Z", "1950-01-01", "2100-12-31", "16MB", "32MB", "1 MB"):
        assert fact in text, fact
    for field in (
        "format_version",
        "export_id",
        "exported_at",
        "kind",
        "reporting_years",
        "files",
        "sha256",
        "rows",
        "bytes",
    ):
        assert f"`{field}`" in text, field


def test_the_document_never_points_outside_the_repository():
    for path in [*ROOT.glob("docs/*.md"), ROOT / "README.md"]:
        assert "../shared" not in path.read_text(encoding="utf-8"), path


def example_command() -> list[str]:
    """The `pars synth` line that docs/export-format.md gives for the example."""
    found = re.search(r"^pars (synth [^\n]*--out examples/export-small)$", doc(), re.MULTILINE)
    assert found, "docs/export-format.md shows how examples/export-small was made"
    return shlex.split(found.group(1))


def test_the_example_is_what_the_documented_command_makes(tmp_path):
    from click.testing import CliRunner

    from warehouse.cli import main

    args = example_command()
    out = tmp_path / "export-small"
    args[args.index("--out") + 1] = str(out)
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    made = sorted(p.name for p in out.iterdir())
    assert made == sorted(p.name for p in EXAMPLE.iterdir())
    for name in made:
        assert (out / name).read_bytes() == (EXAMPLE / name).read_bytes(), name
    size = sum(p.stat().st_size for p in EXAMPLE.iterdir())
    assert size < 200_000, size  # a few files of a handful of providers, small enough to read


@pytest.mark.parametrize("name", ["guide-staff.md", "guide-reviewers.md", "guide-researchers.md"])
def test_the_readme_links_each_guide(name):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"(docs/{name})" in readme
    assert (ROOT / "docs" / name).exists()

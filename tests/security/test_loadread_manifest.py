"""A hostile manifest: one line, never a traceback, nothing from it printed raw (docs/security.md).

Found by an outside tester: a manifest nested 100,000 levels deep printed a Python traceback (RecursionError,
recorded in loads.jsonl as the rule "RecursionError"); an export_id with ESC and LF was accepted, and a later
message then split across lines; a 500 KB `kind` was printed whole in the refusal. Every refusal is one line
naming manifest.json and the rule `manifest`, and leaves the warehouse unchanged.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import read_manifest, set_manifest
from tests.helpers.loadchecks import assert_manifest_refused
from warehouse.cli import main
from warehouse.load import load_export


def _records(db: Path) -> list[dict]:
    path = db.with_name(db.name + ".loads.jsonl")
    return [json.loads(line) for line in path.read_text().splitlines()]


# --- nesting -----------------------------------------------------------------------------------


def test_a_deeply_nested_manifest_is_a_one_line_refusal(export_copy, db):
    (export_copy / "manifest.json").write_text("[" * 100_000 + "]" * 100_000)
    assert_manifest_refused(export_copy, db, "nested")
    assert _records(db)[-1]["rule"] == "manifest"


def test_a_deeply_nested_field_is_a_one_line_refusal(export_copy, db):
    manifest = json.dumps(read_manifest(export_copy))
    deep = '{"x": ' * 100_000 + "1" + "}" * 100_000
    (export_copy / "manifest.json").write_text(manifest[:-1] + ', "note": ' + deep + "}")
    assert_manifest_refused(export_copy, db, "nested")


def test_the_cli_refuses_a_nested_manifest_without_a_traceback(export_copy, tmp_path):
    (export_copy / "manifest.json").write_text("[" * 100_000 + "]" * 100_000)
    out = CliRunner().invoke(main, ["load", str(export_copy), "--db", str(tmp_path / "w.duckdb")])
    assert out.exit_code == 1, out.output
    assert "Traceback" not in out.output and "RecursionError" not in out.output, out.output
    errors = [line for line in out.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and errors[0].startswith("Error: manifest.json: "), out.output


# --- export_id is printable text -----------------------------------------------------------------


@pytest.mark.parametrize(
    "export_id",
    ["a\x1b[31mRED\nb", "a\tb", "a\x00b", "a\x7fb", "a\x85b", "a\u2028b", "a\u202eb", "a\u200bb", "a\rb"],
    ids=["esc_lf", "tab", "nul", "del", "c1_nel", "line_separator", "bidi_override", "zero_width", "cr"],
)
def test_an_export_id_with_a_control_or_invisible_character_is_refused(export_copy, db, export_id):
    set_manifest(export_copy, export_id=export_id)
    err = assert_manifest_refused(export_copy, db, "export_id")
    assert "\\x" in str(err) or "\\u" in str(err) or "\\t" in str(err) or "\\r" in str(err), str(err)


def test_an_export_id_of_printable_unicode_loads(export_copy, db):
    set_manifest(export_copy, export_id="Export 2022 — état final (full)")
    result = load_export(export_copy, db)
    assert result.status == "loaded" and result.export_id == "Export 2022 — état final (full)"


# --- values in messages ------------------------------------------------------------------------------


def test_a_huge_value_is_cut_in_the_message(export_copy, db):
    set_manifest(export_copy, kind="x" * 500_000)
    assert_manifest_refused(export_copy, db, "kind")

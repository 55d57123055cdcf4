"""The manifest is checked exactly as docs/export-format.md ("The manifest") defines it; each refusal is one
line naming manifest.json and the rule `manifest`, the warehouse unchanged.

Found by an outside tester: exported_at without `Z` or an offset, format_version 1.0 and `files: null` were
accepted. Hostile manifests (deep nesting, control characters): tests/security/test_loadread_manifest.py.
"""

from __future__ import annotations

import json

import pytest

from tests.helpers import read_manifest, set_manifest
from tests.helpers.loadchecks import assert_manifest_refused
from warehouse.load import load_export

# --- each field as documented -------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["2023-04-14T02:10:05", "2023-04-14", "2023-04-14 02:10:05Z", "2023-04-14X02:10:05Z", "20230414T021005"],
    ids=["no_offset", "date_only", "space_separator", "other_separator", "basic_no_offset"],
)
def test_exported_at_without_z_or_an_offset_or_not_iso_is_refused(export_copy, db, value):
    set_manifest(export_copy, exported_at=value)
    assert_manifest_refused(export_copy, db, "exported_at")


@pytest.mark.parametrize("value", ["2022-04-14T02:10:05+02:00", "2022-04-14T02:10:05.123Z", "2022-04-14T02:10Z"])
def test_exported_at_with_z_or_an_offset_loads(export_copy, db, value):
    set_manifest(export_copy, exported_at=value)
    assert load_export(export_copy, db).status == "loaded"


@pytest.mark.parametrize("value", [1.0, "1", True, 2, None], ids=["float", "string", "bool", "two", "null"])
def test_format_version_must_be_the_integer_1(export_copy, db, value):
    set_manifest(export_copy, format_version=value)
    assert_manifest_refused(export_copy, db, "format_version")


@pytest.mark.parametrize("value", [None, [], "all", {}], ids=["null", "list", "string", "empty"])
def test_files_when_present_must_be_a_non_empty_object(export_copy, db, value):
    set_manifest(export_copy, files=value)
    assert_manifest_refused(export_copy, db, "files")


def test_nan_is_not_json(export_copy, db):
    text = json.dumps(read_manifest(export_copy))
    (export_copy / "manifest.json").write_text(text[:-1] + ', "note": NaN}')
    assert_manifest_refused(export_copy, db, "not valid JSON", "NaN")

"""The adversary holds a guessed copy of an identified export: no release file may confirm it (issue 13, item 6).

Before: manifest.json listed each source export with its export id, its exact export timestamp and the SHA-256 of
its content, so hashing a guessed copy confirmed it. Now a release names its inputs only by an opaque reference
(a keyed hash under the release's own secret, also in the register) and the date of the data.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.helpers import query


@pytest.fixture(scope="module")
def made(attack_releases) -> dict[str, Path]:
    return attack_releases


def _export_fingerprints(built_warehouse: Path) -> dict[str, str]:
    """Every value that would confirm a guessed copy of the identified export."""
    export = built_warehouse.parent / "export"
    found = {f"sha256 of {p.name}": hashlib.sha256(p.read_bytes()).hexdigest() for p in export.iterdir() if p.is_file()}
    for export_id, exported_at, content in query(
        built_warehouse, "select export_id, exported_at, content_sha256 from raw.load_history"
    ):
        found[f"content_sha256 of {export_id}"] = content
        found["export id"] = export_id
        found["exact export time"] = exported_at.strftime("%Y-%m-%dT%H:%M:%S")
    return found


@pytest.mark.parametrize("profile", ["activities", "tables"])
def test_no_release_file_fingerprints_the_identified_export(made, built_warehouse, profile):
    fingerprints = _export_fingerprints(built_warehouse)
    leaks = []
    for path in sorted(p for p in made[profile].rglob("*") if p.is_file()):
        data = path.read_bytes()
        for what, value in fingerprints.items():
            if value.encode() in data or value.upper().encode() in data or value.replace("T", " ").encode() in data:
                leaks.append(f"{path.relative_to(made[profile])}: {what}")
    assert not leaks, leaks


def test_the_manifest_names_its_inputs_by_an_opaque_reference_only(made):
    import json

    manifest = json.loads((made["activities"] / "manifest.json").read_text())
    other = json.loads((made["tables"] / "manifest.json").read_text())
    assert manifest["source_exports"] and all(
        set(e) == {"export_ref", "kind", "reporting_years"} for e in manifest["source_exports"]
    )
    # the reference is keyed by each release's own secret: two releases of the same export do not share it
    assert manifest["source_exports"][0]["export_ref"] != other["source_exports"][0]["export_ref"]
    assert len(manifest["data_as_of"]) == 10  # a date, not the export's exact timestamp

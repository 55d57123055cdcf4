"""Helpers of the release tests (the fixtures that make releases once per run: tests/release/conftest.py)."""

from __future__ import annotations

from pathlib import Path

#: the k of the small-k activities release (`k3_release`): on the 14 providers of the built warehouse k=11 leaves
#: one provider class, k=3 several, so an attack also meets classes that keep organization and accreditor type
K_SMALL = 3


def activities_profile_with_k(k: int, path: Path) -> Path:
    """The shipped activities profile with another k (its hierarchy paths made absolute), written to `path`."""
    from anonymize.release.profiles import PROFILES_DIR

    text = (PROFILES_DIR / "activities.yaml").read_text().replace("k: 11", f"k: {k}")
    path.write_text(text.replace("../hierarchies/", f"{PROFILES_DIR.parent / 'hierarchies'}/"))
    return path

"""Release profiles: versioned YAML files in anonymize/release/profiles/, one per `pars release PROFILE`."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from anonymize.policy import Policy, PolicyError, parse_policy

PROFILES_DIR = Path(__file__).parent / "profiles"
PROFILE_NAMES = ("activities", "learners", "tables")


class ReleaseError(ValueError):
    """The release cannot be made or cannot meet a guarantee; the message says which and why."""


@dataclass(frozen=True)
class Profile:
    name: str
    path: Path
    raw: dict[str, Any]
    sha256: str
    policy: Policy | None

    @property
    def title(self) -> str:
        return str(self.raw.get("title", self.name))

    @property
    def description(self) -> str:
        return str(self.raw.get("description", ""))

    def get(self, key: str, default: Any = None) -> Any:
        return self.raw.get(key, default)


def load_profile(name: str, path: Path | None = None) -> Profile:
    """The profile file of `name` (or `path`), its SHA-256 and its anonymization policy, validated."""
    if path is None:
        if name not in PROFILE_NAMES:
            raise ReleaseError(f"unknown release profile {name!r}; profiles: {', '.join(PROFILE_NAMES)}")
        path = PROFILES_DIR / f"{name}.yaml"
    path = Path(path)
    if not path.is_file():
        raise ReleaseError(f"release profile file not found: {path}")
    text = path.read_bytes()
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ReleaseError(f"{path}: not valid YAML ({exc})") from None
    if not isinstance(raw, dict) or raw.get("profile") != name:
        raise ReleaseError(f"{path}: expected a mapping with `profile: {name}`")
    policy = None
    if "policy" in raw:
        try:
            policy = parse_policy(raw["policy"], path.resolve().parent, source=path.resolve())
        except PolicyError as exc:
            raise ReleaseError(f"{path}: policy: {exc}") from None
    return Profile(name, path, raw, hashlib.sha256(text).hexdigest(), policy)

"""The anonymization policy: a YAML file, validated into a frozen dataclass.

Validation happens before any data is read so that a typo fails in a second with the key and the
problem named, not after a ten-minute search. The format is documented in docs/anonymization-policy.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

OBJECTIVES = ("loss", "granularity", "entropy")
KEYS = {
    "identifiers",
    "quasi_identifiers",
    "sensitive",
    "k",
    "l",
    "suppression_limit",
    "objective",
    "local_recoding",
    "input",
    "description",
}
BUILDERS = ("hierarchy", "intervals", "dates", "mask", "derived")


class PolicyError(ValueError):
    """The policy is malformed; the message names the key and what is wrong with it."""


@dataclass(frozen=True)
class QuasiIdentifier:
    """One quasi-identifier and how to build its hierarchy (`kind` is one of BUILDERS)."""

    name: str
    kind: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Policy:
    quasi_identifiers: tuple[QuasiIdentifier, ...]
    k: int
    suppression_limit: float
    identifiers: tuple[str, ...] = ()
    sensitive: tuple[str, ...] = ()
    l: int | None = None  # noqa: E741 - the privacy model's own name
    objective: str = "loss"
    local_recoding: bool = False
    separator: str | None = None
    source: Path | None = None

    @property
    def qi_names(self) -> list[str]:
        return [qi.name for qi in self.quasi_identifiers]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary for the risk report."""
        return {
            "identifiers": list(self.identifiers),
            "quasi_identifiers": {qi.name: {qi.kind: _jsonable(qi.params)} for qi in self.quasi_identifiers},
            "sensitive": list(self.sensitive),
            "k": self.k,
            "l": self.l,
            "suppression_limit": self.suppression_limit,
            "objective": self.objective,
            "local_recoding": self.local_recoding,
        }


def _jsonable(params: dict[str, Any]) -> Any:
    return {key: str(value) if isinstance(value, Path) else value for key, value in params.items()}


def _names(raw: dict[str, Any], key: str) -> tuple[str, ...]:
    value = raw.get(key) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise PolicyError(f"{key}: expected a list of column names, got {value!r}")
    return tuple(value)


def _int(raw: dict[str, Any], key: str, minimum: int, required: bool) -> int | None:
    value = raw.get(key)
    if value is None:
        if required:
            raise PolicyError(f"{key}: required (an integer >= {minimum})")
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise PolicyError(f"{key}: expected an integer >= {minimum}, got {value!r}")
    return value


def _numbers(name: str, key: str, value: Any, integer: bool = False) -> list:
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = list(range(1, int(value) + 1)) if integer else [value]
    kinds = (int,) if integer else (int, float)
    ok = isinstance(value, list) and value and all(isinstance(v, kinds) and not isinstance(v, bool) for v in value)
    if not ok or any(v <= 0 for v in value):
        raise PolicyError(f"quasi_identifiers.{name}.{key}: expected a list of positive numbers, got {value!r}")
    return value


def _qi(name: str, spec: Any, base: Path) -> QuasiIdentifier:
    where = f"quasi_identifiers.{name}"
    if isinstance(spec, str):
        spec = {"hierarchy": spec}
    if not isinstance(spec, dict):
        raise PolicyError(f"{where}: expected a hierarchy file name or a mapping with one of {list(BUILDERS)}")
    kinds = [key for key in BUILDERS if key in spec]
    if len(kinds) != 1:
        raise PolicyError(f"{where}: give exactly one of {list(BUILDERS)}, got {sorted(spec) or 'none'}")
    kind = kinds[0]
    allowed = {"hierarchy": set(), "intervals": {"start"}, "dates": {"format"}, "mask": set(), "derived": set()}[kind]
    extra = set(spec) - {kind} - allowed
    if extra:
        raise PolicyError(f"{where}: unknown key(s) {sorted(extra)} for a {kind} hierarchy")
    value = spec[kind]
    params: dict[str, Any] = {}
    if kind == "hierarchy":
        if not isinstance(value, str) or not value:
            raise PolicyError(f"{where}.hierarchy: expected a file path, got {value!r}")
        path = (base / value).resolve()
        if not path.is_file():
            raise PolicyError(f"{where}.hierarchy: file not found: {path}")
        params["path"] = path
    elif kind == "derived":
        if not isinstance(value, str) or not value.strip():
            raise PolicyError(f"{where}.derived: expected a description of the levels the release profile builds")
        params["levels"] = value.strip()
    elif kind == "intervals":
        params["widths"] = _numbers(name, kind, value)
        start = spec.get("start", 0)
        if isinstance(start, bool) or not isinstance(start, int | float):
            raise PolicyError(f"{where}.start: expected a number, got {start!r}")
        params["start"] = start
    elif kind == "dates":
        levels = ["month", "quarter", "year"] if value in (True, None) else value
        if not isinstance(levels, list) or not levels or not set(levels) <= {"month", "quarter", "year"}:
            raise PolicyError(f"{where}.dates: expected true or a list from [month, quarter, year], got {value!r}")
        params["levels"] = levels
        if spec.get("format") is not None:
            params["format"] = str(spec["format"])
    else:
        params["drops"] = _numbers(name, kind, value, integer=True)
    return QuasiIdentifier(name, kind, params)


def parse_policy(raw: Any, base: Path, source: Path | None = None) -> Policy:
    """Validate a parsed YAML document; relative hierarchy paths resolve against `base`."""
    if not isinstance(raw, dict):
        raise PolicyError("the policy must be a YAML mapping of keys such as k, quasi_identifiers, suppression_limit")
    unknown = set(raw) - KEYS
    if unknown:
        raise PolicyError(f"unknown key(s) {sorted(unknown)}; known keys are {sorted(KEYS)}")
    qis = raw.get("quasi_identifiers")
    if not isinstance(qis, dict) or not qis:
        raise PolicyError("quasi_identifiers: required, a mapping of column name -> hierarchy")
    quasi = tuple(_qi(str(name), spec, base) for name, spec in qis.items())
    limit = raw.get("suppression_limit", 0.0)
    if isinstance(limit, bool) or not isinstance(limit, int | float) or not 0 <= limit <= 1:
        raise PolicyError(f"suppression_limit: expected a share of records between 0 and 1, got {limit!r}")
    objective = raw.get("objective", "loss")
    if objective not in OBJECTIVES:
        raise PolicyError(f"objective: expected one of {list(OBJECTIVES)}, got {objective!r}")
    local = raw.get("local_recoding", False)
    if not isinstance(local, bool):
        raise PolicyError(f"local_recoding: expected true or false, got {local!r}")
    identifiers, sensitive = _names(raw, "identifiers"), _names(raw, "sensitive")
    roles = {"identifiers": identifiers, "quasi_identifiers": [q.name for q in quasi], "sensitive": sensitive}
    seen: dict[str, str] = {}
    for role, names in roles.items():
        for column in names:
            if column in seen:
                raise PolicyError(f"{role}: column {column!r} is already listed under {seen[column]}")
            seen[column] = role
    l_value = _int(raw, "l", 1, required=False)
    if l_value is not None and l_value > 1 and not sensitive:
        raise PolicyError("l: l-diversity needs at least one column under sensitive")
    options = raw.get("input") or {}
    if not isinstance(options, dict) or set(options) - {"separator"}:
        raise PolicyError(f"input: expected a mapping with an optional separator, got {options!r}")
    return Policy(
        quasi_identifiers=quasi,
        k=_int(raw, "k", 1, required=True),
        suppression_limit=float(limit),
        identifiers=identifiers,
        sensitive=sensitive,
        l=l_value,
        objective=objective,
        local_recoding=local,
        separator=options.get("separator"),
        source=source,
    )


def load_policy(path: Path) -> Policy:
    """Read and validate a policy file."""
    path = Path(path)
    if not path.is_file():
        raise PolicyError(f"policy file not found: {path}")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise PolicyError(f"{path}: not valid YAML ({exc})") from None
    return parse_policy(raw, path.resolve().parent, source=path.resolve())

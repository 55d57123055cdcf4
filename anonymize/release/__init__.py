"""Research releases: `pars release PROFILE --db PATH --out DIR` (profiles activities, learners, tables).

Each profile is a versioned YAML file in anonymize/release/profiles/; the release reads the research marts of a
built warehouse (read-only), applies the profile, checks every guarantee of docs/releases.md, and writes the
release directory all or nothing (anonymize/release/writer.py).
"""

from __future__ import annotations

import importlib.metadata
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from . import activities, learners, tables
from .profiles import PROFILE_NAMES, ReleaseError, load_profile
from .pseudonyms import SecretError, key_id, load_or_create_secret
from .writer import check_guarantees, check_identifiers, write

__all__ = ["PROFILE_NAMES", "ReleaseError", "make_release"]

ROOT = Path(__file__).resolve().parents[2]
BUILDERS = {"activities": activities.build, "learners": learners.build, "tables": tables.build}


def code_version() -> str:
    """The git commit of the code (with -dirty when the tree has changes), else the package version."""
    try:
        described = subprocess.run(["git", "describe", "--always", "--dirty", "--abbrev=12"], cwd=ROOT,
                                   capture_output=True, text=True, timeout=10)
        if described.returncode == 0 and described.stdout.strip():
            return f"git {described.stdout.strip()}"
    except (OSError, subprocess.SubprocessError):
        pass
    return f"pars-analytics {importlib.metadata.version('pars-analytics')}"


def _shown(path: Path) -> str:
    path = path.resolve()
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.name


def _sources(con: duckdb.DuckDBPyConnection) -> tuple[list[dict], str | None]:
    rows = con.sql(
        "select export_id, kind, exported_at, content_sha256 from raw.load_history order by load_id"
    ).fetchall()
    exports = [{"export_id": e, "kind": k, "exported_at": str(t), "content_sha256": h} for e, k, t, h in rows]
    return exports, max((e["exported_at"] for e in exports), default=None)


def make_release(
    profile_name: str,
    db: Path,
    out: Path,
    secret_file: Path,
    dp_epsilon: float | None = None,
    progress: Callable[[str], None] | None = None,
    profile_file: Path | None = None,
) -> dict:
    """Make one release; returns its manifest (plus `seconds` and `secret_created`). Raises ReleaseError.

    `profile_file` replaces the shipped profile (a stricter or experimental policy); its hash is in the manifest.
    """
    say = progress or (lambda _text: None)
    started = time.perf_counter()
    profile = load_profile(profile_name, profile_file)
    if dp_epsilon is not None and profile_name != "tables":
        raise ReleaseError("--dp applies to the tables profile only (its completion tables)")
    out, db = Path(out), Path(db)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ReleaseError(f"output directory {out} already exists and is not empty")
    if not db.is_file():
        raise ReleaseError(f"warehouse not found: {db} (run `pars load` and `pars build` first)")
    try:
        secret, created = load_or_create_secret(secret_file, out)
    except SecretError as exc:
        raise ReleaseError(str(exc)) from None
    con = duckdb.connect(str(db), read_only=True)
    try:
        present = {r[0] for r in con.sql("select table_name from information_schema.tables "
                                        "where table_schema = 'research'").fetchall()}
        if not present:
            raise ReleaseError(f"{db} has no research marts: run `pars build --db {db}` first")
        say(f"reading and anonymizing ({profile_name})")
        dp = None
        if dp_epsilon is not None:
            dp = {**profile.get("dp", {}), "epsilon": float(dp_epsilon)}
        builder = BUILDERS[profile_name]
        content = builder(con, profile, secret, dp) if profile_name == "tables" else builder(con, profile, secret)
        exports, as_of = _sources(con)
    finally:
        con.close()
    say("checking guarantees and identifiers")
    check_guarantees(content.risk)
    check_identifiers(content)
    spent = sum(s.get("epsilon", 0) for s in content.risk.get("systems", {}).values())
    content.risk = {"profile": profile_name, "release": out.name, **content.risk,
                    "epsilon": spent if dp_epsilon is not None else None}
    manifest = {
        "release": out.name,
        "profile": profile_name,
        "profile_version": profile.get("version"),
        "title": profile.title + (f" (differential privacy, epsilon {dp_epsilon:g})" if dp_epsilon else ""),
        "description": profile.description,
        "policy_file": _shown(profile.path),
        "policy_sha256": profile.sha256,
        "source_exports": exports,
        "data_as_of": as_of,
        "code_version": code_version(),
        "pseudonym_key_id": key_id(secret),
        "differential_privacy": {"epsilon": dp_epsilon} if dp_epsilon is not None else None,
        "reproducible": dp_epsilon is None,
    }
    say("writing files, risk report and manifest")
    manifest = write(out, manifest, content)
    return {**manifest, "seconds": round(time.perf_counter() - started, 2), "secret_created": created}

"""Research releases: `pars release PROFILE --db PATH --out DIR` (profiles activities, learners, tables).

Each profile is a versioned YAML file in anonymize/release/profiles/; the release reads the research marts of a
built warehouse (read-only), applies the profile, checks every guarantee of docs/releases.md, and writes the
release directory all or nothing (anonymize/release/writer.py).
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import secrets
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import polars as pl

from warehouse import resources
from warehouse.locking import WarehouseBusy, exclusive

from . import activities, learners, memory, register, tables, utility
from .profiles import PROFILE_NAMES, ReleaseError, load_profile
from .pseudonyms import SecretError, export_ref, key_id, prepare_secret, save_secret
from .writer import check_guarantees, check_identifiers, write

__all__ = ["PROFILE_NAMES", "ReleaseError", "make_release"]

ROOT = Path(__file__).resolve().parents[2]
#: how long a release waits for a running load or build to finish before it gives up (nothing written)
LOCK_WAIT_SECONDS = 120.0
BUILDERS = {"activities": activities.build, "learners": learners.build, "tables": tables.build}


def code_version() -> str:
    """The git commit of the code (with -dirty when the tree has changes), else the package version."""
    try:
        described = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--abbrev=12"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        )
        if described.returncode == 0 and described.stdout.strip():
            return f"git {described.stdout.strip()}"
    except (OSError, subprocess.SubprocessError):
        pass
    return f"pars-analytics {importlib.metadata.version('pars-analytics')}"


def _shown(path: Path) -> str:
    path = path.resolve()
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.name


def _sources(con: duckdb.DuckDBPyConnection, secret: bytes) -> tuple[list[dict], list[str], str | None]:
    """The source exports as the manifest names them (opaque references only), their ids for the register, and
    the date of the newest (a date: the exact export timestamp would confirm a guessed copy of the export)."""
    rows = con.sql(
        "select export_id, kind, exported_at, content_sha256, reporting_years from raw.load_history order by load_id"
    ).fetchall()
    exports = [
        {"export_ref": export_ref(secret, e, h), "kind": k, "reporting_years": sorted(y or [])}
        for e, k, _t, h, y in rows
    ]
    newest = max((t for _e, _k, t, _h, _y in rows), default=None)
    return exports, [e for e, *_ in rows], f"{newest:%Y-%m-%d}" if newest else None


def _released_years(content, years: list[int] | None) -> list[int]:
    if years:
        return sorted(years)
    found: set[int] = set()
    for frame in content.tables.values():
        if "report_year" in frame.columns:
            found |= {int(y) for y in frame["report_year"].cast(pl.Utf8).unique().to_list() if y and y.isdigit()}
    for table in (content.risk.get("tables") or {}).values():
        found |= {int(y) for y in table.get("years", [])}
    return sorted(found)


def _linkable(profile) -> dict[str, dict]:
    """The tables whose pseudonyms would be equal across releases made with the same secret."""
    if profile.policy is None or not profile.get("pseudonyms"):
        return {}
    unit = profile.get("unit")
    pseudonym = profile.get("pseudonyms")[unit]
    return {
        profile.name: {
            "pseudonym": pseudonym["name"],
            "prefix": pseudonym["prefix"],
            "quasi_identifiers": list(profile.policy.qi_names),
            "k": profile.policy.k,
        }
    }


def _read(db: Path, memory_limit, profile, profile_name: str, secret: bytes, dp_epsilon, say):
    """The profile's content and the source exports, read under the cap: DuckDB gets half of it, the other half is
    for what the profile holds in Python (the anonymization's frames)."""
    with resources.read_only(db, memory_limit, parts=2) as con:
        present = {
            r[0]
            for r in con.sql(
                "select table_name from information_schema.tables where table_schema = 'research'"
            ).fetchall()
        }
        if not present:
            raise ReleaseError(f"{db} has no research marts: run `pars build --db {db}` first")
        say(f"reading and anonymizing ({profile_name})")
        dp = None
        if dp_epsilon is not None:
            dp = {**profile.get("dp", {}), "epsilon": float(dp_epsilon)}
        builder = BUILDERS[profile_name]
        content = builder(con, profile, secret, dp) if profile_name == "tables" else builder(con, profile, secret)
        exports, export_ids, as_of = _sources(con, secret)
    return content, exports, export_ids, as_of


def make_release(
    profile_name: str,
    db: Path,
    out: Path,
    secret_file: Path,
    dp_epsilon: float | None = None,
    progress: Callable[[str], None] | None = None,
    profile_file: Path | None = None,
    reuse_secret: bool = False,
    years: list[int] | None = None,
    memory_limit: str | None = None,
) -> dict:
    """Make one release; returns its manifest (plus `seconds`, `secret_created`, `release_id` and `utility`).

    Raises ReleaseError, and then nothing is written: no release folder, no secret file, no register entry.
    A new secret is made for every release unless `reuse_secret` (then `secret_file` must exist, and the release
    is audited jointly with every registered release made with it). `years` restricts the release to those
    reporting years. `profile_file` replaces the shipped profile; its hash is in the manifest. `memory_limit`
    is the release's memory cap (warehouse/resources.py: default 2GB or $PARS_MEMORY_LIMIT): DuckDB gets half.
    """
    say = progress or (lambda _text: None)
    started = time.perf_counter()
    try:
        resources.memory_limit(memory_limit)
    except resources.MemoryLimitError as exc:
        raise ReleaseError(str(exc)) from None
    profile = load_profile(profile_name, profile_file)
    if dp_epsilon is not None and profile_name != "tables":
        raise ReleaseError("--dp applies to the tables profile only (its completion tables)")
    if dp_epsilon is not None and years:
        raise ReleaseError("--years cannot be combined with --dp (the public key set is every loaded year)")
    out, db = Path(out), Path(db)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ReleaseError(f"output directory {out} already exists and is not empty")
    if not db.is_file():
        raise ReleaseError(f"warehouse not found: {db} (run `pars load` and `pars build` first)")
    try:
        secret, created = prepare_secret(secret_file, out, reuse_secret)
    except SecretError as exc:
        raise ReleaseError(str(exc)) from None
    try:
        register.entries(db)  # an unreadable register stops the release before the work, not after it
    except register.RegisterError as exc:
        raise ReleaseError(str(exc)) from None
    if years:
        profile = dataclasses.replace(profile, raw={**profile.raw, "years": sorted(set(years))})
    # DuckDB gets half of the cap: the other half is for what the profile holds in Python (the anonymization's
    # frames; at a decade DuckDB would otherwise fill the whole cap and Python come on top of it)
    try:
        content, exports, export_ids, as_of = _read(db, memory_limit, profile, profile_name, secret, dp_epsilon, say)
    except duckdb.OutOfMemoryException:
        limit = resources.memory_limit(memory_limit)
        raise ReleaseError(
            f"DuckDB ran out of memory under the release's cap of {limit} (DuckDB gets half of it): "
            "raise --memory-limit or PARS_MEMORY_LIMIT"
        ) from None
    say("checking guarantees and identifiers")
    check_guarantees(content.risk)
    memory.phase("read")
    check_identifiers(content)
    memory.phase("identifiers checked")
    content.risk["utility"] = utility.measure(content, profile)
    memory.phase("utility measured")
    spent = sum(s.get("epsilon", 0) for s in content.risk.get("systems", {}).values())
    content.risk = {
        "profile": profile_name,
        "release": out.name,
        **content.risk,
        "epsilon": spent if dp_epsilon is not None else None,
    }
    released_years = _released_years(content, years)
    manifest = {
        "release": out.name,
        "profile": profile_name,
        "profile_version": profile.get("version"),
        "title": profile.title + (f" (differential privacy, epsilon {dp_epsilon:g})" if dp_epsilon else ""),
        "description": profile.description,
        "policy_file": _shown(profile.path),
        "policy_sha256": profile.sha256,
        "years": released_years,
        "source_exports": exports,
        "data_as_of": as_of,
        "code_version": code_version(),
        "pseudonym_key_id": key_id(secret),
        "differential_privacy": {"epsilon": dp_epsilon} if dp_epsilon is not None else None,
        "reproducible": dp_epsilon is None,
    }
    candidate = register.Candidate(
        profile_name,
        released_years,
        key_id(secret),
        reuse_secret,
        content.tables,
        _linkable(profile),
        db=db,
        memory_limit=memory_limit,
    )
    release_id = secrets.token_hex(6)
    recorded: list[Path] = []
    saved: list[Path] = []

    def publish(final: dict) -> None:
        """Under the warehouse lock, with every file staged: record the release, then save a new secret."""
        entry = {
            "release_id": release_id,
            "released_at": register.now(),
            "profile": profile_name,
            "profile_version": profile.get("version"),
            "policy_file": _shown(profile.path),
            "policy_sha256": profile.sha256,
            "years": released_years,
            "key_id": final["pseudonym_key_id"],
            "reused_secret": reuse_secret,
            "export_refs": [e["export_ref"] for e in exports],
            "source_export_ids": export_ids,
            "output_path": str(out.resolve()),
            "manifest_sha256": final["manifest_sha256"],
            "row_counts": final["row_counts"],
            "files": [{k: f[k] for k in ("path", "sha256", "bytes")} for f in final["files"]],
            "dp_epsilon": dp_epsilon,
            "code_version": final["code_version"],
            "linkable": candidate.linkable,
        }
        try:
            recorded.append(register.record(db, entry, content.tables))
        except OSError as exc:
            raise ReleaseError(f"cannot record the release with the warehouse: {exc}") from None
        if created:
            save_secret(secret_file, secret)
            saved.append(Path(secret_file))

    say("auditing jointly with the release register")
    try:
        with exclusive(db, "release", wait=LOCK_WAIT_SECONDS):
            reasons = register.joint_audit(candidate, register.entries(db))
            if reasons:
                raise ReleaseError("refused by the joint audit with the release register: " + "; ".join(reasons))
            say("writing files, risk report and manifest")
            try:
                memory.phase("joint audit")
                manifest = write(out, manifest, content, before_publish=publish)
                memory.phase("written")
            except BaseException:
                for folder in recorded:
                    register.forget(folder)
                for path in saved:
                    path.unlink(missing_ok=True)
                raise
    except (WarehouseBusy, register.RegisterError) as exc:
        raise ReleaseError(str(exc)) from None
    except duckdb.OutOfMemoryException:
        limit = resources.memory_limit(memory_limit)
        raise ReleaseError(
            f"DuckDB ran out of memory in the joint audit under the release's cap of {limit} (DuckDB gets a quarter "
            "of it there): raise --memory-limit or PARS_MEMORY_LIMIT"
        ) from None
    return {
        **manifest,
        "seconds": round(time.perf_counter() - started, 2),
        "secret_created": created,
        "release_id": release_id,
        "utility": content.risk["utility"],
    }

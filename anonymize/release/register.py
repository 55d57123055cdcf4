"""The release register: every release made from a warehouse, kept beside it, and the joint audits it feeds.

Where: a folder `<warehouse>.releases/` next to the warehouse file (mode 0700), one sub-folder per release with
`entry.json` (profile, years, policy hash, secret key id, opaque export references, files with their SHA-256,
date, output path) and a copy of the released data (`data/<table>.parquet`), so a later release is audited against
what an attacker holds even when the published folder has been moved or deleted.

Why a sidecar and not a table in the warehouse: `pars release` only reads the warehouse; writing the DuckDB file
would need a write connection, which DuckDB refuses while any dashboard, report or other connection (in this
process or another) holds the file open, and the register keeps anonymized copies of the releases that are not
warehouse data. The sidecar is written under the warehouse's lock (warehouse/locking.py, the one loads and builds
take), and a build, which swaps a new copy of the warehouse file in by rename, never touches it. Back it up and
move it with the warehouse: a warehouse without its register has no release history to audit against.

Each entry is written into a hidden folder and renamed into place, so an entry is there whole or not at all.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from warehouse.files import atomic_folder

REGISTER_VERSION = 1


class RegisterError(ValueError):
    """The register cannot be read: no release is made without its history."""


def register_dir(db: Path) -> Path:
    db = Path(db).resolve()
    return db.with_name(db.name + ".releases")


@dataclass
class Candidate:
    """A release about to be made: what the joint audits compare with the register."""

    profile: str
    years: list[int]
    key_id: str
    reused_secret: bool
    tables: dict[str, pl.DataFrame]
    #: per table that carries a pseudonym: {"pseudonym": column, "prefix": "L-", "quasi_identifiers": [...], "k": 11}
    linkable: dict[str, dict] = field(default_factory=dict)
    #: the warehouse (the audits spill beside it) and the release's memory cap (`--memory-limit`; None: the default)
    db: Path | None = None
    memory_limit: str | None = None


@dataclass
class Registered:
    """One registered release: its entry and lazy access to the data it published."""

    folder: Path
    entry: dict

    def table(self, name: str) -> pl.DataFrame:
        return pl.read_parquet(self.data_file(name))

    def data_file(self, name: str) -> Path:
        """The Parquet file of one of its tables. `name` comes from the entry (a file the register wrote, but read
        as hostile): a plain file name inside the release's data folder, or RegisterError."""
        file = f"{name}.parquet"
        if not isinstance(name, str) or Path(file).name != file or name.startswith(".") or "\\" in file:
            raise RegisterError(f"release register {self.folder.name}: its entry names a table {name!r}")
        return self.folder / "data" / file


def entries(db: Path) -> list[Registered]:
    """Every registered release of the warehouse, oldest first (an empty list when nothing was released)."""
    root = register_dir(db)
    if not root.is_dir():
        return []
    found = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        entry_file = folder / "entry.json"
        try:
            entry = json.loads(entry_file.read_text(encoding="utf-8"))
            entry["released_at"], entry["release_id"], entry["key_id"]  # noqa: B018 - the keys every audit reads
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise RegisterError(
                f"release register {entry_file}: unreadable entry ({exc}); restore it from the "
                f"backup of the warehouse, or remove the folder {folder.name} knowingly"
            ) from None
        found.append(Registered(folder, entry))
    return sorted(found, key=lambda r: (r.entry["released_at"], r.entry["release_id"]))


def record(db: Path, entry: dict, tables: dict[str, pl.DataFrame]) -> Path:
    """Add a release to the register (call under the warehouse lock); returns its folder (for `forget`)."""
    root = register_dir(db)
    root.mkdir(mode=0o700, exist_ok=True)
    name = f"{entry['released_at'].replace(':', '').replace('-', '')}-{entry['release_id']}"
    with atomic_folder(root / name, mode=0o700) as staging:
        (staging / "data").mkdir()
        for table, frame in sorted(tables.items()):
            frame.write_parquet(staging / "data" / f"{table}.parquet")
        (staging / "entry.json").write_text(
            json.dumps({"register_version": REGISTER_VERSION, **entry}, indent=2) + "\n", encoding="utf-8"
        )
    return root / name


def forget(folder: Path) -> None:
    """Undo `record` (the release could not be published after all)."""
    shutil.rmtree(folder, ignore_errors=True)


def now() -> str:
    """UTC to the microsecond: releases are recorded under the warehouse lock, so this orders them (two releases in
    one second sorted by their random ids otherwise)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# ---------------------------------------------------------------------------------------------------------------
# Joint audits: each takes the candidate and every registered release and returns the reasons to refuse it.
# `pars release` runs all of them before anything is written. Later audits go in JOINT_AUDITS too: the tables x
# activities integer-programming fit and k^m over providers (issue 13, items 2 and 3) read the candidate's tables
# and `Registered.table()` of any earlier release (all profiles, all years) the same way.
# ---------------------------------------------------------------------------------------------------------------


def _names(value) -> list[str]:
    """Column names from a register entry: a list of strings (TypeError otherwise)."""
    if not isinstance(value, list) or not all(isinstance(n, str) for n in value):
        raise TypeError(f"expected a list of column names, found {value!r}")
    return value


def secret_reuse_audit(candidate: Candidate, registered: list[Registered]) -> list[str]:
    """A reused secret makes pseudonyms equal across releases: join on them and check k over everything combined.

    Every registered release made with the same secret (key id) and a table with the same kind of pseudonym is
    combined with the candidate by an outer join on the pseudonym (absent from a release is a value too); each
    pseudonym's combined quasi-identifiers must be shared by at least k pseudonyms. The joins run in DuckDB under
    the release's cap, reading the registered releases' Parquet files where they lie (release/secret_reuse.py).
    """
    from .secret_reuse import AuditInputError, verdict

    reasons = []
    for table, link in candidate.linkable.items():
        try:
            same = [
                (r, t, other)
                for r in registered
                if r.entry["key_id"] == candidate.key_id
                for t, other in (r.entry.get("linkable") or {}).items()
                if other["pseudonym"] == link["pseudonym"] and other["prefix"] == link["prefix"]
            ]
            # the pseudonym equals the candidate's (a string); the quasi-identifiers are the entry's own
            sources = [(r.data_file(t), other["pseudonym"], _names(other["quasi_identifiers"])) for r, t, other in same]
        except (KeyError, TypeError, AttributeError) as exc:
            raise RegisterError(
                f"release register: an entry's `linkable` is unreadable ({type(exc).__name__}: {exc}); restore the "
                "register from the backup of the warehouse"
            ) from None
        if not same:
            continue
        pseudonym, k = link["pseudonym"], int(link["k"])
        try:
            found = verdict(
                candidate.tables[table],
                (pseudonym, link["quasi_identifiers"]),
                sources,
                k,
                memory_limit=candidate.memory_limit,
                spill_near=candidate.db,
            )
        except AuditInputError as exc:
            raise RegisterError(
                f"release register: {exc}; restore the register from the backup of the warehouse"
            ) from None
        if found.below:
            ids = ", ".join(r.entry["release_id"] for r, _t, _o in same)
            reasons.append(
                f"secret {candidate.key_id} is reused: joined on {pseudonym!r} with {len(same)} registered "
                f"release(s) made with it ({ids}), {found.below:,} of {found.joined:,} {pseudonym}s fall in "
                f"combined classes smaller than k={k} (smallest {found.smallest}); make the release with a "
                f"new secret (a new --secret-file, without --reuse-secret)"
            )
    return reasons


def tables_activities_audit(candidate: Candidate, registered: list[Registered]) -> list[str]:
    """The tables x activities (and tables x tables) disclosure audit: anonymize/release/joint/."""
    from .joint import tables_activities_audit as audit

    return audit(candidate, registered)


JOINT_AUDITS: list[Callable[[Candidate, list[Registered]], list[str]]] = [secret_reuse_audit, tables_activities_audit]


def joint_audit(candidate: Candidate, registered: list[Registered]) -> list[str]:
    return [reason for audit in JOINT_AUDITS for reason in audit(candidate, registered)]


def listing(db: Path) -> list[dict]:
    """The register as rows for `pars release list`."""
    return [
        {
            "release_id": r.entry["release_id"],
            "released_at": r.entry["released_at"],
            "profile": r.entry["profile"],
            "years": r.entry["years"],
            "key_id": r.entry["key_id"],
            "secret": "reused" if r.entry["reused_secret"] else "new",
            "policy_sha256": r.entry["policy_sha256"][:12],
            "files": len(r.entry["files"]),
            "output_path": r.entry["output_path"],
        }
        for r in entries(db)
    ]

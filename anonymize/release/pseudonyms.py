"""Keyed pseudonyms: HMAC-SHA256 of a key under a per-release secret that is kept outside the release.

Two releases made with different secrets cannot be joined on their pseudonyms (their rows may still match: see
docs/releases.md); the same secret and inputs give the same pseudonyms, so a release can be rebuilt byte for byte.
Each release gets a new secret unless the operator reuses one explicitly (`--reuse-secret`), and a reused secret is
audited jointly with every registered release made with it (register.py). The secret file holds 64 hex characters.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

import polars as pl


class SecretError(ValueError):
    """The secret file is unusable or sits where the release would publish it."""


def prepare_secret(path: Path, out: Path, reuse: bool = False) -> tuple[bytes, bool]:
    """The release secret: a new random one by default, the one in `path` only when `reuse` is asked for.

    Returns (secret, new). A new secret is NOT written here: `save_secret` writes it once the release is
    published, so a refused release leaves no secret file behind. Refused: an existing file without `reuse`
    (a secret is never reused silently), a missing file with `reuse`, a file inside the release directory.
    """
    path, out = Path(path).resolve(), Path(out).resolve()
    if path == out or out in path.parents:
        raise SecretError(f"secret file {path} is inside the release directory {out}; keep it outside the release")
    if not reuse:
        if path.exists() or path.is_symlink():
            raise SecretError(
                f"secret file {path} already exists: every release gets a new secret by default; give a "
                f"--secret-file path that does not exist yet, or pass --reuse-secret to reuse this one (the "
                f"release is then audited jointly with every registered release made with it)"
            )
        return bytes.fromhex(secrets.token_hex(32)), True
    if not path.is_file():
        raise SecretError(f"--reuse-secret: secret file {path} does not exist")
    text = path.read_text(encoding="utf-8").strip()
    try:
        secret = bytes.fromhex(text)
    except ValueError:
        raise SecretError(f"secret file {path}: expected 64 hexadecimal characters on one line") from None
    if len(secret) < 16:
        raise SecretError(f"secret file {path}: the secret is {len(secret)} bytes; at least 16 are needed")
    return secret, False


def save_secret(path: Path, secret: bytes) -> None:
    """Write a new secret (mode 0600); never overwrites a file (O_EXCL)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secret.hex() + "\n")


def export_ref(secret: bytes, export_id: str, content_sha256: str) -> str:
    """An opaque reference to a source export: meaningless without the release secret, so a guessed copy of the
    identified export cannot be confirmed from a release (its content hash never leaves the warehouse)."""
    message = f"pars-export-ref\x1f{export_id}\x1f{content_sha256}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:16]


def key_id(secret: bytes) -> str:
    """A short public fingerprint of the secret (which secret made a release, without revealing it)."""
    return hmac.new(secret, b"pars-release-key-id", hashlib.sha256).hexdigest()[:12]


def pseudonymize(values: pl.Series, secret: bytes, prefix: str, length: int = 16) -> pl.Series:
    """`prefix` + the first `length` hex digits of HMAC-SHA256(secret, prefix + value), value by value."""
    distinct = values.unique().drop_nulls().cast(pl.Utf8).to_list()
    mapping = {
        value: prefix + hmac.new(secret, (prefix + value).encode(), hashlib.sha256).hexdigest()[:length]
        for value in distinct
    }
    if len(set(mapping.values())) != len(mapping):
        raise SecretError(f"pseudonym collision among {len(mapping):,} keys; use a longer pseudonym")
    return values.cast(pl.Utf8).replace_strict(mapping, default=None, return_dtype=pl.Utf8).alias(values.name)


def pseudonym_sql(column: str, secret: bytes, prefix: str, length: int = 16) -> tuple[str, dict]:
    """`pseudonymize` as a DuckDB expression over `column` (a column name of the caller's, never data), with its
    parameters: HMAC-SHA256 by its definition (RFC 2104: two SHA-256 over the padded key) from DuckDB's sha256
    of blobs, so a table of millions of keys is pseudonymized where it lies (the same values as `pseudonymize`)."""
    key = secret if len(secret) <= 64 else hashlib.sha256(secret).digest()
    key = key.ljust(64, b"\0")
    params = {
        "pseudonym_inner": bytes(b ^ 0x36 for b in key),
        "pseudonym_outer": bytes(b ^ 0x5C for b in key),
        "pseudonym_prefix": prefix,
        "pseudonym_length": length,
    }
    inner = f"sha256($pseudonym_inner || encode($pseudonym_prefix || {column}::varchar))"
    return f"$pseudonym_prefix || left(sha256($pseudonym_outer || unhex({inner})), $pseudonym_length)", params

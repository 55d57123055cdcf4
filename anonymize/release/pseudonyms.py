"""Keyed pseudonyms: HMAC-SHA256 of a key under a per-release secret that is kept outside the release.

Two releases made with different secrets cannot be joined on their pseudonyms; the same secret and inputs give
the same pseudonyms, so a release can be rebuilt byte for byte. The secret file holds 64 hex characters.
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


def load_or_create_secret(path: Path, out: Path) -> tuple[bytes, bool]:
    """The release secret from `path`, creating a new random one (mode 0600) when the file does not exist.

    Returns (secret, created). Refuses a secret file inside the release directory: it must never be published.
    """
    path, out = Path(path).resolve(), Path(out).resolve()
    if path == out or out in path.parents:
        raise SecretError(f"secret file {path} is inside the release directory {out}; keep it outside the release")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32) + "\n")
        created = True
    else:
        created = False
    text = path.read_text(encoding="utf-8").strip()
    try:
        secret = bytes.fromhex(text)
    except ValueError:
        raise SecretError(f"secret file {path}: expected 64 hexadecimal characters on one line") from None
    if len(secret) < 16:
        raise SecretError(f"secret file {path}: the secret is {len(secret)} bytes; at least 16 are needed")
    return secret, created


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

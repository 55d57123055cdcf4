"""Where the app finds its files: set by `pars serve` in the environment of the Streamlit process."""

from __future__ import annotations

import os
from pathlib import Path

ENV_DB = "PARS_DASH_DB"
ENV_RELEASES = "PARS_DASH_RELEASES"
ENV_USERS = "PARS_DASH_USERS"
ENV_AUDIT = "PARS_DASH_AUDIT"


def _path(var: str) -> Path:
    value = os.environ.get(var)
    if not value:
        raise RuntimeError(f"{var} is not set: start the app with `pars serve`")
    return Path(value)


def warehouse() -> Path:
    return _path(ENV_DB)


def releases() -> Path:
    return _path(ENV_RELEASES)


def users_file() -> Path:
    return _path(ENV_USERS)


def audit_log() -> Path:
    return _path(ENV_AUDIT)

"""Where the app finds its files and how its sign-in behaves: set by `pars serve` in the Streamlit process's
environment (the lockout and session settings may also be set there by an operator; defaults below)."""

from __future__ import annotations

import os
from pathlib import Path

ENV_DB = "PARS_DASH_DB"
ENV_RELEASES = "PARS_DASH_RELEASES"
ENV_USERS = "PARS_DASH_USERS"
ENV_AUDIT = "PARS_DASH_AUDIT"
# Sign-in: failures that lock a user name / a client address, the window they are counted over (and the lock
# lasts), and how long a sign-in (its cookie) is valid.
ENV_LOCKOUT_USER = "PARS_DASH_LOCKOUT_USER"
ENV_LOCKOUT_ADDRESS = "PARS_DASH_LOCKOUT_ADDRESS"
ENV_LOCKOUT_SECONDS = "PARS_DASH_LOCKOUT_SECONDS"
ENV_SESSION_HOURS = "PARS_DASH_SESSION_HOURS"


def _path(var: str) -> Path:
    value = os.environ.get(var)
    if not value:
        raise RuntimeError(f"{var} is not set: start the app with `pars serve`")
    return Path(value)


def _positive(var: str, default: float) -> float:
    value = os.environ.get(var)
    try:
        number = float(value) if value else default
    except ValueError:
        raise RuntimeError(f"{var}={value!r}: expected a positive number") from None
    if number <= 0:
        raise RuntimeError(f"{var}={value!r}: expected a positive number")
    return number


def warehouse() -> Path:
    return _path(ENV_DB)


def releases() -> Path:
    return _path(ENV_RELEASES)


def users_file() -> Path:
    return _path(ENV_USERS)


def audit_log() -> Path:
    return _path(ENV_AUDIT)


def signin_state_file(users: Path | None = None) -> Path:
    """Lockouts and sessions, beside the users file: users.json -> users.signin.json."""
    users = users or users_file()
    return users.with_name(f"{users.stem}.signin.json")


def secret_file(users: Path | None = None) -> Path:
    """The cookie-signing key, beside the users file: users.json -> users.secret."""
    users = users or users_file()
    return users.with_name(f"{users.stem}.secret")


def signin_limits():
    from dashboards.signin_state import Limits

    return Limits(
        user_limit=int(_positive(ENV_LOCKOUT_USER, 5)),
        address_limit=int(_positive(ENV_LOCKOUT_ADDRESS, 20)),
        window_seconds=int(_positive(ENV_LOCKOUT_SECONDS, 900)),
        session_seconds=int(_positive(ENV_SESSION_HOURS, 8) * 3600),
    )

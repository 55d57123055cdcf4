"""Users, roles and the pages each role may open.

The users file is JSON: ``{"version": 1, "users": {NAME: {"role": ROLE, "scrypt": {...}}}}`` with a per-user
random salt and an scrypt hash of the password (hashlib.scrypt, n=2**14, r=8, p=1). A user without ``scrypt``
can only sign in through OpenID Connect (``st.login``), where NAME is the e-mail address the provider reports.

Every page calls :func:`require` with its own key before it shows anything: the role-to-pages map below is
enforced on the page itself, not only by the menu that :func:`pages_for` builds.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
from pathlib import Path

ROLES = ("staff", "reviewer", "researcher")

# page key -> (file under dashboards/, menu title, icon, url path, role). No icons: a page's icon becomes the favicon,
# a :material/...: favicon is fetched from fonts.gstatic.com (the app must not reach out), and emoji need a font.
PAGES: dict[str, tuple[str, str, str | None, str, str]] = {
    "annual_report": ("pages/staff_annual_report.py", "Annual report explorer", None,
                      "annual-report", "staff"),
    "moc": ("pages/staff_moc.py", "MOC", None, "moc", "staff"),
    "rems": ("pages/staff_rems.py", "Opioid REMS", None, "rems", "staff"),
    "data_operations": ("pages/staff_data_operations.py", "Data operations", None,
                        "data-operations", "staff"),
    "provider_review": ("pages/reviewer_provider.py", "Provider review", None,
                        "provider-review", "reviewer"),
    "releases": ("pages/researcher_releases.py", "Research releases", None,
                 "releases", "researcher"),
}
ROLE_PAGES: dict[str, list[str]] = {role: [key for key, page in PAGES.items() if page[4] == role] for role in ROLES}
SECTION = {"staff": "Staff", "reviewer": "Reviewer", "researcher": "Researcher"}

NAME_PATTERN = re.compile(r"^[A-Za-z0-9._@+-]{1,100}$")
MIN_PASSWORD_LENGTH = 8
SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


class UsersFileError(ValueError):
    """The users file is missing, unreadable or malformed."""


# ---------------------------------------------------------------------------------------------- the users file


def hash_password(password: str) -> dict:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT["n"], r=SCRYPT["r"], p=SCRYPT["p"],
                            dklen=SCRYPT["dklen"], maxmem=64 * 1024 * 1024)
    return {**SCRYPT, "salt": salt.hex(), "hash": digest.hex()}


def _check(password: str, record: dict) -> bool:
    digest = hashlib.scrypt(password.encode(), salt=bytes.fromhex(record["salt"]), n=record["n"], r=record["r"],
                            p=record["p"], dklen=record["dklen"], maxmem=64 * 1024 * 1024)
    return hmac.compare_digest(digest.hex(), record["hash"])


# A fixed record to hash against for unknown names, so that a wrong name costs as much time as a wrong password.
_DUMMY = {**SCRYPT, "salt": "00" * 16, "hash": "00" * 32}


def load_users(path: Path) -> dict[str, dict]:
    try:
        data = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise UsersFileError(f"users file {path} does not exist (create users with `pars users add`)") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise UsersFileError(f"users file {path} cannot be read: {exc}") from None
    users = data.get("users") if isinstance(data, dict) else None
    if not isinstance(users, dict):
        raise UsersFileError(f"users file {path}: expected an object with a 'users' object")
    for name, record in users.items():
        if not isinstance(record, dict) or record.get("role") not in ROLES:
            raise UsersFileError(f"users file {path}: user {name!r} has no valid role (one of {', '.join(ROLES)})")
    return users


def add_user(path: Path, name: str, role: str, password: str | None) -> bool:
    """Add or replace a user; returns True when the user already existed. password None: OpenID Connect only."""
    if not NAME_PATTERN.match(name):
        raise ValueError(f"user name {name!r}: use 1 to 100 letters, digits and . _ @ + -")
    if role not in ROLES:
        raise ValueError(f"role {role!r}: must be one of {', '.join(ROLES)}")
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"password too short: at least {MIN_PASSWORD_LENGTH} characters")
    path = Path(path)
    users = load_users(path) if path.exists() else {}
    existed = name in users
    record: dict = {"role": role}
    if password is not None:
        record["scrypt"] = hash_password(password)
    users[name] = record
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump({"version": 1, "users": users}, fh, indent=2, sort_keys=True)
            fh.write("\n")
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return existed


def verify(path: Path, name: str, password: str) -> str | None:
    """The user's role when name and password match the users file, else None."""
    users = load_users(path)
    record = users.get(name)
    scrypt = record.get("scrypt") if record else None
    if not scrypt:
        _check(password, _DUMMY)
        return None
    return record["role"] if _check(password, scrypt) else None


def role_of(path: Path, name: str) -> str | None:
    record = load_users(path).get(name)
    return record["role"] if record else None


def allowed(role: str | None, page_key: str) -> bool:
    return role is not None and page_key in ROLE_PAGES.get(role, ())


# ---------------------------------------------------------------------------------------------- in the app


def oidc_configured() -> bool:
    """st.login needs an [auth] section in .streamlit/secrets.toml."""
    import streamlit as st

    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def current_user() -> dict | None:
    """The signed-in user of this session: {"name", "role", "via"} or None."""
    import streamlit as st

    from dashboards import settings

    user = st.session_state.get("user")
    if user:
        return user
    if oidc_configured():
        try:
            logged_in = st.user.is_logged_in
        except Exception:
            logged_in = False
        if logged_in:
            email = st.user.get("email")
            role = role_of(settings.users_file(), email) if email else None
            if role:
                user = {"name": email, "role": role, "via": "oidc"}
                st.session_state["user"] = user
                return user
    return None


def require(page_key: str) -> dict:
    """Stop the page unless the signed-in user's role may open it. Call first on every page."""
    import streamlit as st

    user = current_user()
    if user is None:
        st.error("Please sign in.")
        st.stop()
    if not allowed(user["role"], page_key):
        st.error(f"Not allowed: the page {PAGES[page_key][1]!r} is not open to the role {user['role']!r}.")
        st.stop()
    return user


def sign_out() -> None:
    import streamlit as st

    user = st.session_state.pop("user", None)
    if user and user.get("via") == "oidc":
        st.logout()

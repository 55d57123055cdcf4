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
import re
import secrets
from pathlib import Path

from warehouse.files import atomic_write

ROLES = ("staff", "reviewer", "researcher")

# page key -> (file under dashboards/, menu title, icon, url path, role). No icons: a page's icon becomes the favicon,
# a :material/...: favicon is fetched from fonts.gstatic.com (the app must not reach out), and emoji need a font.
PAGES: dict[str, tuple[str, str, str | None, str, str]] = {
    "annual_report": ("pages/staff_annual_report.py", "Annual report explorer", None, "annual-report", "staff"),
    "moc": ("pages/staff_moc.py", "MOC", None, "moc", "staff"),
    "rems": ("pages/staff_rems.py", "Opioid REMS", None, "rems", "staff"),
    "data_operations": ("pages/staff_data_operations.py", "Data operations", None, "data-operations", "staff"),
    "provider_review": ("pages/reviewer_provider.py", "Provider review", None, "provider-review", "reviewer"),
    "releases": ("pages/researcher_releases.py", "Research releases", None, "releases", "researcher"),
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
    digest = hashlib.scrypt(
        password.encode(),
        salt=salt,
        n=SCRYPT["n"],
        r=SCRYPT["r"],
        p=SCRYPT["p"],
        dklen=SCRYPT["dklen"],
        maxmem=64 * 1024 * 1024,
    )
    return {**SCRYPT, "salt": salt.hex(), "hash": digest.hex()}


def _check(password: str, record: dict) -> bool:
    digest = hashlib.scrypt(
        password.encode(),
        salt=bytes.fromhex(record["salt"]),
        n=record["n"],
        r=record["r"],
        p=record["p"],
        dklen=record["dklen"],
        maxmem=64 * 1024 * 1024,
    )
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
    _write_users(path, users)
    return existed


def remove_user(path: Path, name: str) -> bool:
    """Remove a user; False when there was none of that name (nothing written)."""
    path = Path(path)
    users = load_users(path)
    if users.pop(name, None) is None:
        return False
    _write_users(path, users)
    return True


def _write_users(path: Path, users: dict) -> None:
    """Replace the users file atomically with a 0600 file (written in full, then renamed over the old one)."""
    text = json.dumps({"version": 1, "users": users}, indent=2, sort_keys=True) + "\n"
    atomic_write(path, lambda tmp: tmp.write_text(text), mode=0o600)


def private(path: Path) -> None:
    """Make an existing file readable by its owner only (0600): the users file holds password hashes."""
    path = Path(path)
    if path.exists() and path.stat().st_mode & 0o077:
        path.chmod(0o600)


def verify(path: Path, name: str, password: str) -> str | None:
    """The user's role when name and password match the users file, else None."""
    users = current_users(path)
    record = users.get(name)
    scrypt = record.get("scrypt") if record else None
    if not scrypt:
        _check(password, _DUMMY)
        return None
    return record["role"] if _check(password, scrypt) else None


_USERS_CACHE: dict[Path, tuple[tuple, dict]] = {}


def current_users(path: Path) -> dict[str, dict]:
    """The users file as it is now: read again whenever it changed (mtime, size or inode), else from memory.

    Every page run asks for the signed-in user's role through here, so a role change or a removed user takes
    effect at the user's next interaction without parsing the file on every run.
    """
    path = Path(path)
    try:
        st_ = path.stat()
    except FileNotFoundError:
        raise UsersFileError(f"users file {path} does not exist (create users with `pars users add`)") from None
    signature = (st_.st_mtime_ns, st_.st_size, st_.st_ino)
    cached = _USERS_CACHE.get(path)
    if cached and cached[0] == signature:
        return cached[1]
    users = load_users(path)
    _USERS_CACHE[path] = (signature, users)
    return users


def role_of(path: Path, name: str) -> str | None:
    record = current_users(path).get(name)
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


def client_address() -> str:
    """The address of this session's browser (of its WebSocket connection), for the lockout and the audit log.

    st.context.ip_address hides loopback addresses (None); the lockout needs them too, so read the connection's
    address itself. X-Forwarded-For is not trusted: a client could set it to escape the lockout by address.
    """
    import streamlit as st

    try:
        from streamlit.runtime.context import _get_client_context

        client = _get_client_context()
        if client is not None and client.remote_ip:
            return str(client.remote_ip)
    except Exception:  # no runtime (AppTest), or Streamlit moved it: fall back to the public API
        pass
    return st.context.ip_address or "local"


def signin_state():
    from dashboards import settings
    from dashboards.signin_state import SignInState

    return SignInState(settings.signin_state_file(), settings.signin_limits())


def _audit(user: str, role: str, action: str, what: str = "password sign-in", **details) -> None:
    from dashboards import audit, settings

    audit.record(
        settings.audit_log(),
        user=user,
        role=role,
        action=action,
        what=what,
        details={"address": client_address(), **details},
    )


def attempt(name: str, password: str) -> tuple[dict | None, str | None]:
    """Sign in with a password: (the session's user, None), or (None, the message to show). Always audited.

    The lockout is checked first, and a locked name or address is refused without checking the password, so the
    attacker learns nothing during the lock.
    """
    from dashboards import settings

    name = name.strip()[:100]
    address = client_address()
    state = signin_state()
    reason = state.locked(name, address)
    if reason is not None:
        _audit(name, "", "sign-in refused", reason=reason)
        minutes = max(1, round(state.limits.window_seconds / 60))
        return None, f"Sign-in refused: too many failed attempts. Try again in up to {minutes} minutes."
    role = verify(settings.users_file(), name, password)
    if role is None:
        state.failed(name, address)
        _audit(name, "", "sign-in failed")
        return None, "Unknown user name or wrong password."
    state.succeeded(name)
    session_id, expires = state.open_session(name)
    _audit(name, role, "sign-in")
    return {"name": name, "role": role, "via": "password", "session": session_id, "expires": expires}, None


def _cookie_user() -> dict | None:
    """The user of a valid session cookie sent with this browser's connection (a reload, a new tab), else None."""
    import streamlit as st

    from dashboards import settings
    from dashboards.signin_state import COOKIE, secret, unsign

    try:
        value = st.context.cookies.get(COOKIE)
    except Exception:
        return None
    session_id = unsign(secret(settings.secret_file()), value)
    if session_id is None:
        return None
    found = signin_state().session(session_id)
    if found is None:
        return None
    return {"name": found["user"], "role": None, "via": "password", "session": session_id, "expires": found["expires"]}


def current_user() -> dict | None:
    """The signed-in user of this session: {"name", "role", "via", ...} or None.

    Checked on every call (every page and fragment run): the session must still be open on the server (not
    signed out, not expired) and the user still in the users file, whose current role is the one returned.
    """
    import streamlit as st

    from dashboards import settings

    user = st.session_state.get("user")
    if user is None:
        user = _cookie_user()
    if user is None and oidc_configured():
        try:
            logged_in = st.user.is_logged_in
        except Exception:
            logged_in = False
        if logged_in and st.user.get("email"):
            user = {"name": st.user.get("email"), "role": None, "via": "oidc"}
    if user is None:
        return None
    if user.get("session") and signin_state().session(user["session"]) is None:
        st.session_state.pop("user", None)  # signed out elsewhere, or expired
        return None
    role = role_of(settings.users_file(), user["name"])
    if role is None:  # removed from the users file
        st.session_state.pop("user", None)
        if user.get("session"):
            signin_state().close_session(user["session"])
        return None
    user = {**user, "role": role}
    st.session_state["user"] = user
    return user


def require(page_key: str) -> dict:
    """Stop the page unless the signed-in user's role may open it. Call first on every page (and fragment)."""
    import streamlit as st

    user = current_user()
    if user is None:
        st.error("Please sign in.")
        st.stop()
    if not allowed(user["role"], page_key):
        st.error(f"Not allowed: the page {PAGES[page_key][1]!r} is not open to the role {user['role']!r}.")
        st.stop()
    return user


def redirect(url: str) -> None:
    """Send this session's browser to url (a path of this server), as st.login does for its provider."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None:
        return
    msg = ForwardMsg()
    msg.auth_redirect.url = url
    ctx.enqueue(msg)


def cookie_url(user: dict, next_path: str | None = None) -> str:
    """Where the browser gets the session's cookie: a one-time ticket (valid a minute); then next_path, if any."""
    from urllib.parse import urlencode

    query = {"ticket": signin_state().ticket(user["session"])}
    if next_path:
        query["next"] = safe_next(next_path)
    return "/pars-auth/session?" + urlencode(query)


def fetch_cookie(url: str) -> None:
    """Have the browser fetch url (same origin, in the background): its response sets the HttpOnly cookie.

    An HttpOnly cookie can only come with an HTTP response, and the sign-in runs over the WebSocket; a fetch keeps
    the page (and its session) as it is, where a redirect would load the app a second time.
    """
    import json

    import streamlit as st

    st.html(
        f"<script>fetch({json.dumps(url)}, {{credentials: 'same-origin', cache: 'no-store'}})</script>",
        unsafe_allow_javascript=True,
    )


def safe_next(next_path: str | None) -> str:
    """A path of this app to return to after sign-in: never another host (//host, /\\host, a scheme)."""
    if (
        not next_path
        or not next_path.startswith("/")
        or next_path.startswith(("//", "/\\"))
        or any(c in next_path for c in "\\\r\n\t")
    ):
        return "/"
    return next_path


def sign_out() -> None:
    """End the session on the server (a copy of the cookie is worthless from now on), then in the browser."""
    import streamlit as st

    user = st.session_state.pop("user", None) or current_user()
    st.session_state.pop("user", None)
    if user and user.get("session"):
        signin_state().close_session(user["session"])
    if user:
        _audit(user["name"], user.get("role") or "", "sign-out", what=f"{user.get('via', 'password')} sign-in")
    if user and user.get("via") == "oidc":
        st.logout()
    else:
        redirect("/pars-auth/sign-out")

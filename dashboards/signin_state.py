"""The server's sign-in state: failed attempts (the lockout), signed-in sessions and one-time tickets.

Kept in one JSON file beside the users file (``users.signin.json``, mode 0600) and changed under an exclusive file
lock, so it is shared by every session of the server, by a second server process on the same files, and survives a
restart. A browser holds only a session id in a signed cookie (:mod:`dashboards.cookies`); what the id is worth
(who, until when, signed out or not) is decided here, so a sign-out ends a copied cookie too.

The lockout counts failures per user name and per client address over a sliding window: a name with
``user_limit`` failures, or an address with ``address_limit``, is refused (without checking the password) until
its failures age out of the window. A refused attempt is not counted again, so an attacker cannot keep a name
locked forever by hammering it after the lock, and a success clears the name's failures but not the address's
(one valid account must not let an address go on guessing others').
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from warehouse.files import atomic_write

_THREADS = threading.Lock()  # flock already excludes other processes; this orders the threads of this one
TICKET_SECONDS = 60


@dataclass(frozen=True)
class Limits:
    user_limit: int = 5
    address_limit: int = 20
    window_seconds: int = 900
    session_seconds: int = 8 * 3600


class SignInState:
    def __init__(self, path: Path, limits: Limits = Limits()):
        self.path = Path(path)
        self.limits = limits

    # ------------------------------------------------------------------------------------------- storage
    @contextlib.contextmanager
    def _edit(self, write: bool = True) -> Iterator[dict]:
        """The state, locked for this change; written back (atomically, 0600) when the block ends without error."""
        lock_path = self.path.with_name(self.path.name + ".lock")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with _THREADS:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX if write else fcntl.LOCK_SH)
                state = self._read()
                yield state
                if write:
                    self._prune(state, time.time())
                    self._write(state)
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)

    def _read(self) -> dict:
        try:
            state = json.loads(self.path.read_text())
        except FileNotFoundError:
            state = {}
        except (OSError, json.JSONDecodeError) as exc:
            # Never start from nothing: an unreadable state would silently lift every lockout.
            raise RuntimeError(f"sign-in state {self.path} cannot be read: {exc}") from None
        for key in ("failures", "sessions", "tickets"):
            state.setdefault(key, {})
        state["version"] = 1
        return state

    def _write(self, state: dict) -> None:
        text = json.dumps(state, sort_keys=True)
        atomic_write(self.path, lambda tmp: tmp.write_text(text), mode=0o600)

    def _prune(self, state: dict, now: float) -> None:
        window = self.limits.window_seconds
        state["failures"] = {
            k: kept for k, times in state["failures"].items() if (kept := [t for t in times if now - t < window])
        }
        state["sessions"] = {k: s for k, s in state["sessions"].items() if s["expires"] > now}
        state["tickets"] = {k: t for k, t in state["tickets"].items() if t["expires"] > now}

    # ------------------------------------------------------------------------------------------- lockout
    def locked(self, name: str, address: str) -> str | None:
        """Why a sign-in of name from address is refused now ("locked: user" or "locked: address"), or None."""
        now = time.time()
        with self._edit(write=False) as state:
            self._prune(state, now)
            if len(state["failures"].get(f"user:{name}", ())) >= self.limits.user_limit:
                return "locked: user"
            if len(state["failures"].get(f"address:{address}", ())) >= self.limits.address_limit:
                return "locked: address"
        return None

    def failed(self, name: str, address: str) -> None:
        now = time.time()
        with self._edit() as state:
            for key in (f"user:{name}", f"address:{address}"):
                state["failures"].setdefault(key, []).append(now)

    def succeeded(self, name: str) -> None:
        with self._edit() as state:
            state["failures"].pop(f"user:{name}", None)

    # ------------------------------------------------------------------------------------------- sessions
    def open_session(self, name: str) -> tuple[str, int]:
        """A new session id for name and when it expires (Unix seconds)."""
        session_id = secrets.token_urlsafe(32)
        expires = int(time.time()) + self.limits.session_seconds
        with self._edit() as state:
            state["sessions"][session_id] = {"user": name, "created": int(time.time()), "expires": expires}
        return session_id, expires

    def session(self, session_id: str) -> dict | None:
        """{"user", "created", "expires"} of a live session, else None (unknown, expired or signed out)."""
        with self._edit(write=False) as state:
            found = state["sessions"].get(session_id)
        return found if found and found["expires"] > time.time() else None

    def close_session(self, session_id: str) -> None:
        with self._edit() as state:
            state["sessions"].pop(session_id, None)
            state["tickets"] = {k: t for k, t in state["tickets"].items() if t["session"] != session_id}

    def close_sessions_of(self, name: str) -> None:
        with self._edit() as state:
            state["sessions"] = {k: s for k, s in state["sessions"].items() if s["user"] != name}

    # ------------------------------------------------------------------------------------------- tickets
    def ticket(self, session_id: str) -> str:
        """A one-time ticket, valid for a minute, that the browser exchanges for the session's cookie."""
        ticket = secrets.token_urlsafe(32)
        with self._edit() as state:
            state["tickets"][ticket] = {"session": session_id, "expires": time.time() + TICKET_SECONDS}
        return ticket

    def redeem(self, ticket: str) -> tuple[str, int] | None:
        """(session id, expiry) for a valid ticket, which is used up; None for an unknown, used or old one."""
        with self._edit() as state:
            found = state["tickets"].pop(ticket, None)
            if found is None or found["expires"] <= time.time():
                return None
            session = state["sessions"].get(found["session"])
            if session is None:
                return None
            return found["session"], session["expires"]


def secret(path: Path) -> bytes:
    """The server's cookie-signing key: 32 random bytes in a 0600 file, made on first use."""
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_bytes(32).hex() + "\n")
        try:
            os.link(tmp, path)  # atomic and never replaces: a key made first by another process wins
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    key = bytes.fromhex(path.read_text().strip())
    if len(key) < 32:
        raise RuntimeError(f"cookie key {path} is too short: delete it to make a new one (signs everyone out)")
    return key


COOKIE = "pars_session"


def sign(key: bytes, session_id: str, expires: int) -> str:
    """The cookie's value: session id, expiry and an HMAC-SHA256 of both under the server's key."""
    body = f"{session_id}.{expires}"
    mac = hmac.new(key, body.encode(), hashlib.sha256).digest()
    return f"{body}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"


def unsign(key: bytes, value: str | None) -> str | None:
    """The session id of a well-signed, unexpired cookie value, else None."""
    if not value or value.count(".") != 2:
        return None
    session_id, expires, _ = value.split(".")
    if not expires.isdigit() or not hmac.compare_digest(sign(key, session_id, int(expires)), value):
        return None
    return session_id if int(expires) > time.time() else None

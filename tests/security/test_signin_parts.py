"""The sign-in's parts without a browser: the cookie's signature and expiry, the return path after sign-in, the
server's lockout state under concurrent processes and its window, the audit log's and users file's modes, and
`pars users remove` ending the user's sessions.
"""

from __future__ import annotations

import json
import multiprocessing
import stat
import time

import pytest
from click.testing import CliRunner

from dashboards import audit, auth, settings
from dashboards.signin_state import Limits, SignInState, secret, sign, unsign
from warehouse.cli import main


def test_cookie_is_signed_and_expires(tmp_path):
    key = secret(tmp_path / "users.secret")
    assert stat.S_IMODE((tmp_path / "users.secret").stat().st_mode) == 0o600
    assert secret(tmp_path / "users.secret") == key and len(key) == 32  # made once, then kept
    value = sign(key, "abc", int(time.time()) + 60)
    assert unsign(key, value) == "abc"
    sid, expires, mac = value.split(".")
    assert unsign(key, f"{sid}.{int(expires) + 3600}.{mac}") is None  # a longer life is not the server's
    assert unsign(key, f"xyz.{expires}.{mac}") is None  # another session id
    assert unsign(b"k" * 32, value) is None  # another server's key
    assert unsign(key, sign(key, "abc", int(time.time()) - 1)) is None  # expired
    assert unsign(key, None) is None and unsign(key, "a.b") is None and unsign(key, "a.b.c.d") is None


@pytest.mark.parametrize(
    ("asked", "returned"),
    [
        ("/provider-review?provider=P1", "/provider-review?provider=P1"),
        ("/moc", "/moc"),
        ("//evil.example/x", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
        ("moc", "/"),
        ("/x\r\nSet-Cookie: a=b", "/"),
        ("", "/"),
        (None, "/"),
    ],
)
def test_return_path_after_sign_in_stays_on_this_server(asked, returned):
    assert auth.safe_next(asked) == returned


def _fail_many(path: str, n: int) -> None:
    state = SignInState(path)
    for _ in range(n):
        state.failed("alice", "10.0.0.9")


def test_lockout_state_counts_every_failure_of_concurrent_processes_and_lifts_after_its_window(tmp_path):
    path = tmp_path / "users.signin.json"
    workers = [multiprocessing.get_context("fork").Process(target=_fail_many, args=(str(path), 15)) for _ in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    data = json.loads(path.read_text())
    assert len(data["failures"]["user:alice"]) == 45 and len(data["failures"]["address:10.0.0.9"]) == 45
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    state = SignInState(path, Limits(user_limit=2, address_limit=3, window_seconds=1))
    assert state.locked("alice", "10.0.0.1") == "locked: user"
    assert state.locked("bob", "10.0.0.9") == "locked: address"
    assert state.locked("bob", "10.0.0.1") is None
    time.sleep(1.1)  # the failures age out of the window: the lock lifts
    assert state.locked("alice", "10.0.0.9") is None
    state.failed("alice", "10.0.0.1")
    state.failed("alice", "10.0.0.2")
    assert state.locked("alice", "10.0.0.3") == "locked: user"
    state.succeeded("alice")  # a success clears the name's failures, not the addresses'
    assert state.locked("alice", "10.0.0.3") is None


def test_an_unreadable_state_refuses_rather_than_forgets(tmp_path):
    path = tmp_path / "users.signin.json"
    path.write_text("{not json")
    with pytest.raises(RuntimeError, match="cannot be read"):
        SignInState(path).locked("alice", "10.0.0.1")


def test_audit_log_is_created_private_and_only_appended(tmp_path):
    log = tmp_path / "logs" / "audit.jsonl"
    audit.ensure(log)
    assert stat.S_IMODE(log.stat().st_mode) == 0o600 and log.read_text() == ""
    old = tmp_path / "old.jsonl"
    old.write_text('{"kept": 1}\n')
    old.chmod(0o644)
    inode = old.stat().st_ino
    audit.ensure(old)
    audit.record(old, user="u", role="staff", action="sign-in", what="x")
    lines = old.read_text().splitlines()
    assert lines[0] == '{"kept": 1}' and json.loads(lines[1])["action"] == "sign-in"
    assert stat.S_IMODE(old.stat().st_mode) == 0o600 and old.stat().st_ino == inode


def test_users_remove_ends_the_users_sessions(tmp_path):
    users = tmp_path / "users.json"
    auth.add_user(users, "alice", "staff", "alice-password")
    auth.add_user(users, "bob", "staff", "bob-password-1")
    state = SignInState(settings.signin_state_file(users))
    alice, _ = state.open_session("alice")
    bob, _ = state.open_session("bob")
    result = CliRunner().invoke(main, ["users", "remove", "alice", "--users", str(users)])
    assert result.exit_code == 0, result.output
    assert set(json.loads(users.read_text())["users"]) == {"bob"}
    assert stat.S_IMODE(users.stat().st_mode) == 0o600
    assert state.session(alice) is None and state.session(bob) is not None
    before = users.read_bytes()
    result = CliRunner().invoke(main, ["users", "remove", "carol", "--users", str(users)])
    assert result.exit_code == 1 and "no user 'carol'" in result.output and users.read_bytes() == before

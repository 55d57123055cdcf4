"""The dashboards' parts without a browser: users file and `pars users add`, `pars serve`'s checks, the audit log
and the formula-injection guard of CSV/Excel downloads."""

from __future__ import annotations

import csv
import io
import json
import stat
import threading

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from dashboards import audit, auth, exports
from dashboards.cli import streamlit_command
from warehouse.cli import main


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input)


def test_users_add_hashes_with_scrypt_and_verifies(tmp_path):
    users = tmp_path / "users.json"
    (tmp_path / "pw").write_text("correct horse battery\n")
    result = run(
        "users", "add", "alice", "--role", "reviewer", "--users", str(users), "--password-file", str(tmp_path / "pw")
    )
    assert result.exit_code == 0, result.output
    text = users.read_text()
    assert "correct horse" not in text
    record = json.loads(text)["users"]["alice"]
    assert record["role"] == "reviewer" and len(bytes.fromhex(record["scrypt"]["salt"])) == 16
    assert stat.S_IMODE(users.stat().st_mode) == 0o600
    assert auth.verify(users, "alice", "correct horse battery") == "reviewer"
    assert auth.verify(users, "alice", "correct horse batterz") is None
    assert auth.verify(users, "mallory", "correct horse battery") is None
    # the same password for another user: another salt, another hash
    run("users", "add", "bob", "--role", "staff", "--users", str(users), "--password-file", str(tmp_path / "pw"))
    both = json.loads(users.read_text())["users"]
    assert both["alice"]["scrypt"]["hash"] != both["bob"]["scrypt"]["hash"]
    # replacing a user changes its role; standard input works as a password file
    result = run(
        "users",
        "add",
        "alice",
        "--role",
        "staff",
        "--users",
        str(users),
        "--password-file",
        "-",
        input="another password\n",
    )
    assert result.exit_code == 0 and "replaced alice" in result.output
    assert auth.verify(users, "alice", "another password") == "staff"


def test_users_add_prompts_twice_and_never_takes_the_password_as_an_argument(tmp_path, monkeypatch):
    users = tmp_path / "users.json"
    answers = iter(["first password", "other password"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    result = run("users", "add", "carol", "--role", "staff", "--users", str(users))
    assert result.exit_code == 1 and "differ" in result.output and not users.exists()
    result = run("users", "add", "carol", "--role", "staff", "--users", str(users), "--password", "x")
    assert result.exit_code == 2 and "No such option" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["users", "add", "dave", "--role", "admin"], "Invalid value for '--role'"),
        (["users", "add", "bad name!", "--role", "staff"], "user name"),
        (["users", "add", "eve", "--role", "staff"], "password too short"),
    ],
)
def test_users_add_rejects_bad_input_and_writes_nothing(tmp_path, args, message):
    users = tmp_path / "users.json"
    (tmp_path / "pw").write_text("short\n" if "eve" in args else "long enough password\n")
    result = run(*args, "--users", str(users), "--password-file", str(tmp_path / "pw"))
    assert result.exit_code != 0 and message in result.output
    assert not users.exists()


def test_a_malformed_users_file_is_named(tmp_path):
    users = tmp_path / "users.json"
    users.write_text('{"users": {"x": {"role": "root"}}}')
    with pytest.raises(auth.UsersFileError, match="user 'x' has no valid role"):
        auth.load_users(users)
    users.write_text("not json")
    with pytest.raises(auth.UsersFileError, match="cannot be read"):
        auth.verify(users, "x", "y")


def test_roles_see_disjoint_pages_and_every_page_has_a_role():
    pages = [key for role in auth.ROLES for key in auth.ROLE_PAGES[role]]
    assert sorted(pages) == sorted(auth.PAGES) and len(pages) == len(set(pages))
    assert not auth.allowed("reviewer", "annual_report") and auth.allowed("staff", "annual_report")
    assert not auth.allowed(None, "releases") and not auth.allowed("admin", "releases")


def test_serve_refuses_missing_inputs(tmp_path):
    result = run(
        "serve",
        "--db",
        str(tmp_path / "none.duckdb"),
        "--releases",
        str(tmp_path / "nothing"),
        "--users",
        str(tmp_path / "users.json"),
    )
    assert result.exit_code == 1
    assert "no such warehouse file" in result.output and "--releases" in result.output
    assert "pars users add" in result.output


def test_streamlit_runs_headless_without_telemetry_and_with_xsrf():
    command = " ".join(streamlit_command(8501, "127.0.0.1"))
    for option in (
        "--server.headless true",
        "--browser.gatherUsageStats false",
        "--server.enableXsrfProtection true",
        "--runner.magicEnabled false",
        "--runner.postScriptGC false",
    ):  # no full GC holding the GIL after every (fragment) rerun
        assert option in command
    config = (auth.Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml").read_text()
    assert "gatherUsageStats = false" in config and "enableXsrfProtection = true" in config


def test_audit_log_appends_one_json_line_per_event_from_many_threads(tmp_path):
    log = tmp_path / "audit.jsonl"
    threads = [
        threading.Thread(
            target=lambda i=i: [
                audit.record(log, user=f"u{i}", role="staff", action="download", what="x", file=f"f{j}.csv")
                for j in range(25)
            ]
        )
        for i in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    entries = audit.read(log)
    assert len(entries) == 200 and len(log.read_text().splitlines()) == 200
    assert {e["user"] for e in entries} == {f"u{i}" for i in range(8)}
    assert all(e["when"].endswith("Z") and e["action"] == "download" for e in entries)


def test_exports_neutralize_formulas_in_csv_and_excel():
    frame = pd.DataFrame(
        {
            "title": ['=HYPERLINK("http://x","click")', "+1+2", "-3", "@SUM(A1)", "\tTAB", "plain", "a=b"],
            "count": [1, 2, -3, 4, 5, 6, 7],
        }
    )
    rows = list(csv.reader(io.StringIO(exports.to_csv(frame).decode())))
    assert [r[0] for r in rows[1:]] == [
        '\'=HYPERLINK("http://x","click")',
        "'+1+2",
        "'-3",
        "'@SUM(A1)",
        "'\tTAB",
        "plain",
        "a=b",
    ]
    assert [r[1] for r in rows[1:]] == ["1", "2", "-3", "4", "5", "6", "7"]  # numbers stay numbers
    book = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx(frame, "t")))
    sheet = book.active
    cells = [sheet.cell(row=i, column=1) for i in range(2, 9)]
    assert all(c.data_type == "s" for c in cells)  # no formula cell
    assert cells[0].value.startswith("'=") and cells[5].value == "plain"
    assert [sheet.cell(row=i, column=2).value for i in range(2, 9)] == [1, 2, -3, 4, 5, 6, 7]

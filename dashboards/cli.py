"""`pars serve` (the Streamlit app) and `pars users add` (the users file)."""

from __future__ import annotations

import getpass
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import click

from dashboards import audit, auth, settings, signin_state
from warehouse.options import file_option, folder_option

APP = Path(__file__).with_name("serve.py")  # st.App around app.py: the sign-in cookie routes and the endpoint guard
DEFAULT_USERS = Path("data/users.json")


def streamlit_command(port: int, address: str) -> list[str]:
    """`streamlit run` with the settings the app needs whatever the working directory's config says.

    runner.postScriptGC off: Streamlit otherwise runs a full garbage collection (gc.collect(2)) after every script
    and fragment run, about 50 ms holding the GIL with pandas, pyarrow and duckdb loaded, which stalls every other
    session's rerun; Python's own generational collection still runs.
    """
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.port",
        str(port),
        "--server.address",
        address,
        "--server.headless",
        "true",
        "--server.enableXsrfProtection",
        "true",
        "--server.enableCORS",
        "true",
        "--server.enableAgentApi",
        "false",
        "--server.scriptHealthCheckEnabled",
        "false",
        "--server.fileWatcherType",
        "none",
        "--server.runOnSave",
        "false",
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "minimal",
        "--client.showErrorDetails",
        "none",
        "--client.disableDataExport",
        "true",  # no toolbar CSV download: only the audited, guarded buttons
        "--theme.base",
        "light",
        "--runner.magicEnabled",
        "false",
        "--runner.postScriptGC",
        "false",
    ]


def app_environment(db: Path, releases: Path, users: Path, audit_log: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            settings.ENV_DB: str(db.resolve()),
            settings.ENV_RELEASES: str(releases.resolve()),
            settings.ENV_USERS: str(users.resolve()),
            settings.ENV_AUDIT: str(audit_log.resolve()),
            "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
        }
    )
    return env


def _users_option(help: str, dest: str = "users") -> Callable:
    return file_option("--users", help, dest=dest, default=DEFAULT_USERS)


@click.command()
@file_option(
    "--db",
    "The published warehouse (read-only; a `pars build` may replace it while the app runs).",
    required=True,
)
@folder_option("--releases", "Directory of research releases (one subdirectory per release).", required=True)
@click.option("--port", default=8501, show_default=True, type=click.IntRange(1, 65535))
@click.option("--address", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@_users_option("Users file (`pars users add`).")
@file_option("--audit-log", "Audit log (JSONL) of sign-ins and downloads. Default: audit.jsonl beside the users file.")
def serve(db: Path, releases: Path, port: int, address: str, users: Path, audit_log: Path | None) -> None:
    """Serve the dashboards: staff, reviewer and researcher pages behind a sign-in.

    Example: pars serve --db data/demo/warehouse.duckdb --releases data/demo/releases --port 8501
    """
    problems = []
    if not db.is_file():
        problems.append(f"--db {db}: no such warehouse file (run `pars load` and `pars build` first)")
    if not releases.is_dir():
        problems.append(f"--releases {releases}: no such directory (create it, or point at `pars release`'s output)")
    try:
        known = auth.load_users(users)
        if not known:
            problems.append(f"--users {users}: no users yet (add one with `pars users add NAME --role ROLE`)")
    except auth.UsersFileError as exc:
        problems.append(f"--users: {exc}")
    if problems:
        raise click.ClickException("\n".join(problems))
    audit_log = audit_log or users.with_name("audit.jsonl")
    try:
        audit.ensure(audit_log)
        auth.private(users)
        signin_state.secret(settings.secret_file(users))
    except OSError as exc:
        raise click.ClickException(f"--audit-log {audit_log}: {exc.strerror or exc}") from None
    click.echo(
        f"serving {db} and the releases in {releases} on http://{address}:{port}/ "
        f"({len(known)} users in {users}; audit log {audit_log}); Ctrl-C stops",
        err=True,
    )
    env = app_environment(db, releases, users, audit_log)
    process = subprocess.Popen(streamlit_command(port, address), env=env, cwd=Path(__file__).resolve().parent.parent)
    # Stopping `pars serve` (Ctrl-C or SIGTERM) stops the app with it.
    signal.signal(signal.SIGTERM, lambda *_: process.terminate())
    try:
        code = process.wait()
    except KeyboardInterrupt:
        process.terminate()
        code = process.wait()
    sys.exit(0 if code in (0, -signal.SIGTERM, -signal.SIGINT) else code)


@click.group()
def users() -> None:
    """Manage the dashboards' users file (names, roles, scrypt-hashed passwords)."""


@users.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(auth.ROLES))
@_users_option("Users file to create or update.", "users_file")
@click.option(
    "--password-file",
    type=click.File("r"),
    help="Read the password from the first line of this file ('-' for standard input) instead of a prompt.",
)
@click.option("--oidc", is_flag=True, help="No password: the user signs in with OpenID Connect (NAME = e-mail).")
def users_add(name: str, role: str, users_file: Path, password_file, oidc: bool) -> None:
    """Add a user (or replace one of the same name) with a role: staff, reviewer or researcher.

    The password is never an argument: it is asked twice at a prompt, or read from --password-file.

    Example: pars users add alice --role staff --users data/users.json
    """
    if oidc:
        password = None
    elif password_file is not None:
        password = password_file.readline().rstrip("\r\n")
    else:
        password = getpass.getpass(f"password for {name}: ")
        if getpass.getpass("again: ") != password:
            raise click.ClickException("the two passwords differ; nothing was written")
    try:
        existed = auth.add_user(users_file, name, role, password)
    except (ValueError, auth.UsersFileError) as exc:
        raise click.ClickException(f"{exc}; nothing was written") from None
    click.echo(f"{'replaced' if existed else 'added'} {name} ({role}) in {users_file}")


@users.command("remove")
@click.argument("name")
@_users_option("Users file to update.", "users_file")
def users_remove(name: str, users_file: Path) -> None:
    """Remove a user; a running `pars serve` signs them out at their next click.

    Example: pars users remove alice --users data/users.json
    """
    try:
        removed = auth.remove_user(users_file, name)
    except auth.UsersFileError as exc:
        raise click.ClickException(f"{exc}; nothing was written") from None
    if not removed:
        raise click.ClickException(f"no user {name!r} in {users_file}; nothing was written")
    signin_state.SignInState(settings.signin_state_file(users_file)).close_sessions_of(name)
    click.echo(f"removed {name} from {users_file}")

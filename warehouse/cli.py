"""`pars`: one command line for the whole pipeline (synth → load → build → release → report → serve).

Each command is a few lines calling the library; `python -m warehouse` works too. This module holds the group, the
commands of other packages it imports when used, and the program's exit; the warehouse's own commands are in
cli_export.py (synth, split-months) and cli_warehouse.py (load, build, refresh, docs).
"""

from __future__ import annotations

import atexit
import os
import sys
import threading

import click

from .cli_export import split_months_command, synth
from .cli_warehouse import build, docs, load, refresh


class LazyGroup(click.Group):
    """Commands of other packages are imported only when used (their imports cost ~2 s per start otherwise)."""

    LAZY = {
        "anonymize": "anonymize.cli:anonymize",
        "release": "anonymize.release.cli:release",
        "report": "reports.cli:report",
        "serve": "dashboards.cli:serve",
        "users": "dashboards.cli:users",
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.LAZY})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.LAZY and name not in self.commands:
            import importlib

            module, attribute = self.LAZY[name].split(":")
            self.add_command(getattr(importlib.import_module(module), attribute), name)
        return super().get_command(ctx, name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="pars-analytics", prog_name="pars")
def main() -> None:
    """PARS Analytics: the warehouse and reporting suite for ACCME PARS data."""


for command in (synth, load, build, refresh, docs, split_months_command):
    main.add_command(command)


def entry() -> None:
    """The `pars` program (and `python -m warehouse`): `main`, then the exit.

    After a command that ran dbt, the interpreter's own teardown frees dbt's parsed project object by object
    (about 0.6 s of a build that takes 15). By then the work is done and closed (the warehouse published, its
    working copy and spill folder removed), so the process runs its exit handlers (logging's flush among
    them), flushes its output and ends without that teardown. Anything else exits the usual way.
    """
    code: object = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code
    if "dbt.cli.main" not in sys.modules or any(
        t.is_alive() and not t.daemon for t in threading.enumerate() if t is not threading.main_thread()
    ):
        sys.exit(code)
    if code is not None and not isinstance(code, int):  # sys.exit("message"): printed, status 1
        print(code, file=sys.stderr)
        code = 1
    atexit._run_exitfuncs()  # what a normal exit runs first: logging.shutdown, temporary folders' finalizers
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a reader gone (`pars build | head -1`) or a closed stream: nothing to keep
            pass
    os._exit(code or 0)


if __name__ == "__main__":
    main()

"""The command-line reference (docs/cli.md), generated from the commands' own help.

`python -m warehouse.cli_reference` rewrites docs/cli.md; `tests/test_docs.py` fails when the file is out of date, so
every command and option of `pars` is documented in the repository exactly as `pars ... --help` prints it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from click.testing import CliRunner

from .cli import main

WIDTH = 100
TARGET = Path(__file__).resolve().parent.parent / "docs" / "cli.md"

HEADER = """# Command-line reference

Every `pars` command with its options, exactly as `pars ... --help` prints them. This file is generated:
`python -m warehouse.cli_reference` rewrites it, and the test suite fails when it is out of date. The guides
(README.md and the other files in docs/) explain when to use which command.
"""


def commands(group: click.Group = main, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    """Every command under `group`, depth first, in the order `pars --help` lists them."""
    ctx = click.Context(group, info_name="pars")
    out: list[tuple[tuple[str, ...], click.Command]] = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is None or command.hidden:
            continue
        out.append(((*path, name), command))
        if isinstance(command, click.Group):
            out.extend(commands(command, (*path, name)))
    return out


def help_text(path: tuple[str, ...]) -> str:
    result = CliRunner().invoke(main, [*path, "--help"], prog_name="pars", terminal_width=WIDTH)
    if result.exit_code != 0:
        raise RuntimeError(f"pars {' '.join(path)} --help failed: {result.output}")
    return result.output.rstrip() + "\n"


def render() -> str:
    parts = [HEADER, "## pars\n", "```\n" + help_text(()) + "```\n"]
    for path, _ in commands():
        parts.append(f"## pars {' '.join(path)}\n")
        parts.append("```\n" + help_text(path) + "```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    TARGET.write_text(render())
    sys.stdout.write(f"wrote {TARGET}\n")

"""The commands' path options, said once: a file or a folder, required or with a default, existing or to create.

Every `pars` command that takes a path builds its option here, so `--db`, `--out`, `--users` ... parse and show
the same way in every command (docs/cli.md).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import click


def path_option(
    name: str,
    help: str,
    *,
    folder: bool = False,
    dest: str | None = None,
    required: bool = False,
    exists: bool = False,
    default: Path | str | None = None,
) -> Callable:
    """`--name FILE` (a folder refused) or, with `folder`, `--name DIRECTORY` (a file refused); `exists`: it must
    exist already; `dest`: the parameter's name (default: the option's)."""
    return click.option(
        name,
        dest or name.lstrip("-").replace("-", "_"),
        required=required,
        default=default,
        show_default=default is not None,
        type=click.Path(path_type=Path, exists=exists, file_okay=not folder, dir_okay=folder),
        help=help,
    )


file_option = path_option
folder_option = functools.partial(path_option, folder=True)

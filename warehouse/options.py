"""The commands' path options, said once: a file or a folder, required or with a default, existing or to create.

Every `pars` command that takes a path builds its option here, so `--db`, `--out`, `--users` ... parse and show
the same way in every command (docs/cli.md).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click


def _path_option(
    name: str, help: str, folder: bool, dest: str | None, required: bool, exists: bool, default: Path | str | None
) -> Callable:
    return click.option(
        name,
        dest or name.lstrip("-").replace("-", "_"),
        required=required,
        default=default,
        show_default=default is not None,
        type=click.Path(path_type=Path, exists=exists, file_okay=not folder, dir_okay=folder),
        help=help,
    )


def file_option(
    name: str,
    help: str,
    *,
    dest: str | None = None,
    required: bool = False,
    exists: bool = False,
    default: Path | str | None = None,
) -> Callable:
    """`--name FILE`: a file path (a folder is refused); `exists`: it must exist already."""
    return _path_option(name, help, False, dest, required, exists, default)


def folder_option(
    name: str,
    help: str,
    *,
    dest: str | None = None,
    required: bool = False,
    exists: bool = False,
    default: Path | str | None = None,
) -> Callable:
    """`--name DIRECTORY`: a folder path (a file is refused); `exists`: it must exist already."""
    return _path_option(name, help, True, dest, required, exists, default)

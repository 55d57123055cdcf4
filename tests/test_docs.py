"""Every `pars` command and option is documented in the repository (the approach of sqlite-utils' test_docs).

docs/cli.md is generated from the commands' own help (`python -m warehouse.cli_reference`): it must be current, so
an option added without regenerating it fails here. Every command must also be named in the guides people read
(README.md or another file in docs/), not only in the generated reference.
"""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from warehouse import cli_reference

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = cli_reference.commands()


@pytest.fixture(scope="module")
def reference() -> str:
    return cli_reference.TARGET.read_text()


@pytest.fixture(scope="module")
def guides() -> str:
    files = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    return "\n".join(f.read_text() for f in files if f.name != "cli.md")


def test_cli_reference_is_current(reference):
    assert reference == cli_reference.render(), (
        "docs/cli.md is out of date: run `python -m warehouse.cli_reference` and commit it"
    )


@pytest.mark.parametrize("path,command", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_every_option_is_in_the_reference(path, command, reference):
    section = reference.split(f"## pars {' '.join(path)}\n", 1)[1].split("\n## ", 1)[0]
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            longest = max(param.opts, key=len)
            assert re.search(rf"(?<![\w-]){re.escape(longest)}(?![\w-])", section), (path, longest)


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=[" ".join(p) for p, _ in COMMANDS])
def test_every_command_is_in_a_guide(path, guides):
    assert f"pars {' '.join(path)}" in guides, f"`pars {' '.join(path)}` is named in no guide (README.md, docs/)"


def test_readme_links_the_reference():
    assert "docs/cli.md" in (ROOT / "README.md").read_text()

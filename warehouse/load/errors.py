"""The one error a load can stop with: a file-level problem, named precisely."""

from __future__ import annotations


class LoadError(Exception):
    """A problem with a whole file (or the export) that stops the load; the warehouse is left untouched."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None, rule: str = "file") -> None:
        self.file = file
        self.line = line
        self.rule = rule
        self.message = message
        where = file or "export"
        if line is not None:
            where += f", line {line}"
        super().__init__(f"{where}: {message}")


def shown(text: str, width: int = 60) -> str:
    """Text from a file as one safe line: control and separator characters escaped, long text cut."""
    out = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)
    return out if len(out) <= width else out[: width - 1] + "…"

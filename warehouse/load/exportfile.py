"""Finding an export's files, and the first look at each: SHA-256, strict UTF-8 and the header record.

A column name is compared with the contract before any query and is never pasted into SQL (issue 12).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

from ..contract import FILES_BY_NAME, SIDECAR_FILES, FileSpec
from .errors import LoadError, shown
from .limits import Limits
from .lines import CHUNK, BoundedLines, RecordTooLarge
from .manifest import MANIFEST

#: How many names a header message lists before it counts the rest.
SHOW_NAMES = 10


@dataclass
class ExportFile:
    spec: FileSpec
    path: Path
    fmt: str  # "csv" or "parquet"
    sha256: str = ""
    header: tuple[str, ...] = ()
    limits: Limits = Limits(16_000_000, 32_000_000)
    newlines: int = 0
    ends_with_newline: bool = True

    @property
    def name(self) -> str:
        return self.path.name


def discover(export: Path) -> list[ExportFile]:
    """The export's data files in load order; unknown, doubled or missing-required files stop the load."""
    if not export.is_dir():
        raise LoadError(f"{export} is not a directory")
    found: dict[str, ExportFile] = {}
    for path in sorted(export.iterdir()):
        name = path.name
        if name == MANIFEST or name in SIDECAR_FILES or name.startswith("."):
            continue
        stem, _, ext = name.partition(".")
        spec = FILES_BY_NAME.get(stem)
        if spec is None or ext not in ("csv", "parquet"):  # a symlink, folder or FIFO: refused as such on opening
            raise LoadError(
                "not a file of the PARS export format v1 (expected one of: "
                + ", ".join(f"{s}.csv" for s in FILES_BY_NAME)
                + ")",
                file=name,
            )
        if stem in found:
            raise LoadError(f"{stem} is there twice ({found[stem].name} and {name}): keep one", file=name)
        found[stem] = ExportFile(spec, path, ext)
    for stem, spec in FILES_BY_NAME.items():
        if spec.required and stem not in found:
            raise LoadError("required file is missing", file=f"{stem}.csv")
    return [found[s] for s in FILES_BY_NAME if s in found]


def precheck_csv(f: ExportFile) -> None:
    """One streaming pass: SHA-256, strict UTF-8, line count; then the whole header record. Fills `f` in."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    newlines = 0
    first = b""
    last = b""
    with open(f.path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            if not first:
                first = chunk[:4096]
                _check_magic(f, first)
            digest.update(chunk)
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                _raise_not_utf8(f, exc, fh.tell() - len(chunk))
            newlines += chunk.count(b"\n")
            last = chunk[-1:]
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            _raise_not_utf8(f, exc, fh.tell())
    if not first:
        raise LoadError("empty file: no header row (a file with no rows needs its header line)", file=f.name)
    if newlines == 0 and b"\r" in first.rstrip(b"\r"):
        raise LoadError("CR-only line ends: the format requires LF or CRLF (re-save the file)", file=f.name)
    f.sha256 = digest.hexdigest()
    f.newlines = newlines
    f.ends_with_newline = last == b"\n"
    f.header = _check_header(f, _read_header(f))


def _check_magic(f: ExportFile, first: bytes) -> None:
    if first[:2] == b"\x1f\x8b":
        raise LoadError("gzip-compressed data named .csv: decompress it first", file=f.name)
    if first[:2] in (b"\xff\xfe", b"\xfe\xff") or (len(first) > 3 and first[1:2] == b"\x00"):
        raise LoadError("UTF-16 text: the format requires UTF-8 (re-save the file as UTF-8)", file=f.name)
    if first[:4] == b"PK\x03\x04":
        raise LoadError("a ZIP or Excel workbook named .csv: export it as CSV (UTF-8)", file=f.name)


def _raise_not_utf8(f: ExportFile, exc: UnicodeDecodeError, chunk_start: int) -> None:
    offset = chunk_start + exc.start
    line = 1
    with open(f.path, "rb") as fh:
        left = offset
        while left > 0 and (chunk := fh.read(min(CHUNK, left))):
            line += chunk.count(b"\n")
            left -= len(chunk)
        bad = fh.read(1)
    hint = " (Windows-1252 text, e.g. é or ’, saved without UTF-8 encoding?)" if bad and bad[0] >= 0x80 else ""
    raise LoadError(
        f"not valid UTF-8: byte 0x{bad.hex()} at byte offset {offset}{hint}; re-save the file as UTF-8",
        file=f.name,
        line=line,
    )


def _read_header(f: ExportFile) -> list[str]:
    """The whole header record (however long, up to the record limit), parsed as CSV."""
    csv.field_size_limit(f.limits.record + 1)
    with open(f.path, "rb") as fh:
        try:
            return next(csv.reader(BoundedLines(fh, f.limits.record), strict=True), [])
        except RecordTooLarge:
            raise LoadError(
                f"the header line is longer than the record-size limit ({f.limits.record:,} bytes, --max-record-size)",
                file=f.name,
                line=1,
                rule="record_size",
            ) from None
        except csv.Error as exc:
            raise LoadError(f"header not parseable as CSV: {exc}", file=f.name, line=1) from None


def shown_name(name: str) -> str:
    """A column name for a message: an empty one, or one with surrounding spaces, made visible."""
    if name == "":
        return "'' (an empty column name: a trailing comma?)"
    if name != name.strip():
        return f"'{shown(name)}'"
    return shown(name)


def _names(names: list[str]) -> str:
    listed = ", ".join(shown_name(n) for n in names[:SHOW_NAMES])
    if len(names) > SHOW_NAMES:
        listed += f" and {len(names) - SHOW_NAMES:,} more ({len(names):,} in all)"
    return listed


def _check_header(f: ExportFile, header: list[str]) -> tuple[str, ...]:
    """The file's column names, exactly the contract's (any order); anything else stops the load.

    `header` is every name the file has (all of a CSV header record, every Parquet column); nothing
    else about a name matters, and no name reaches SQL (staging uses the contract's names)."""
    expected = f.spec.column_names
    if len(header) == 1 and ";" in header[0]:
        raise LoadError("semicolon-delimited: the format requires comma-separated values", file=f.name, line=1)
    seen: set[str] = set()
    dupes = sorted({h for h in header if h in seen or seen.add(h)})
    if dupes:
        raise LoadError(f"duplicate column name(s) in the header: {_names(dupes)}", file=f.name, line=1)
    names = set(header)
    missing = [c for c in expected if c not in names]
    extra = [h for h in header if h not in expected]
    if not missing and not extra:
        return tuple(header)
    if not names & set(expected):
        raise LoadError(
            "no header row: the first line must name the columns (" + ", ".join(expected) + ")",
            file=f.name,
            line=1,
        )
    parts = []
    if missing:
        parts.append("missing column(s): " + _names(missing))
    if extra:
        parts.append("unexpected column(s): " + _names(extra))
    raise LoadError("header does not match the format: " + "; ".join(parts), file=f.name, line=1)

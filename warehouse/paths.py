"""Output paths that stay where they belong, whatever the ids in the data say.

Reports, review packets, releases and the dashboards' downloads all name files after values from the warehouse (a
provider id, a report kind). Two rules keep such a value from becoming a path:

- `safe_name` turns any text into one inert file-name component: [A-Za-z0-9_-] stay, every other byte is
  percent-encoded (so '.', '/', '\\' and '%' itself can never appear bare), never empty, never '.' or '..', and a long
  name is cut and ends in a hash. Ordinary ids (letters, digits, '-', '_') keep their name; two ids never share one.
- `confined` resolves a name under its folder (symlinks included, as the OS would follow them) and refuses anything
  that leaves the folder. Every write and delete of the output code goes through it (`remove_tree` for deletes).

A refusal is an `UnsafePath` with a one-line message naming the folder and the offending name.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from pathlib import Path

__all__ = ["UnsafePath", "confined", "remove_tree", "safe_name"]

_KEEP = re.compile(r"[A-Za-z0-9_-]")
_MAX = 120  # characters of encoded name kept before the hash: well below any file system's 255-byte limit


class UnsafePath(ValueError):
    """An output path would leave its folder (a hostile id, a planted symlink): nothing was written or deleted."""


def safe_name(text: str) -> str:
    """One file-name component from any text: [A-Za-z0-9_-] kept, other bytes as %XX, long names hashed."""
    text = str(text)
    encoded = (
        "".join(
            ch if _KEEP.fullmatch(ch) else "".join(f"%{b:02X}" for b in ch.encode("utf-8", "surrogatepass"))
            for ch in text
        )
        or "%"
    )
    if len(encoded) > _MAX:
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]
        encoded = encoded[:_MAX] + "~" + digest  # '~' is never kept as is (it is %7E): no clash with a short name
    return encoded


def _show(name) -> str:
    return repr(str(name))  # repr: no control character or newline of a hostile name reaches the message


def confined(base: Path, name: str | os.PathLike) -> Path:
    """The resolved path of `name` under `base`; UnsafePath if it is absolute, empty or resolves outside `base`.

    Resolving follows every symlink that exists (the folder's own, or one planted where the file will go), so a
    write to the returned path lands where the check looked. The returned path is never `base` itself.
    """
    base = Path(base)
    root = base.resolve()
    relative = Path(name)
    if str(name) in ("", ".") or relative.is_absolute():
        raise UnsafePath(f"refused to write {_show(name)} under {base}: not a name inside the folder")
    target = (root / relative).resolve()
    if target == root or not target.is_relative_to(root):
        raise UnsafePath(
            f"refused to write {_show(name)} under {base}: it resolves to {_show(target)}, "
            "outside the folder (a path-like id or a symlink); nothing was written or deleted"
        )
    return target


def remove_tree(base: Path, name: str | os.PathLike) -> None:
    """Delete the folder `name` under `base` (if present), never anything outside `base` nor through a symlink."""
    path = Path(base) / name
    if path.is_symlink():
        raise UnsafePath(
            f"refused to delete {_show(name)} under {base}: it is a symlink to "
            f"{_show(os.readlink(path))}, outside the files this command writes; nothing was written or "
            "deleted"
        )
    target = confined(base, name)
    if target.is_dir():
        shutil.rmtree(target)
    elif target.exists():
        target.unlink()

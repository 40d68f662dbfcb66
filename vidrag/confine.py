"""Confinement to allowed roots: the one check for every server that reads files for a client.

A path is allowed only if, with every symlink resolved, it lies under an allowed root. Checking
the path a client names is not enough: a folder walk finds links inside a root that point
anywhere, so each discovered file goes through the same check (see `discover`). MCP uses it
now; a web server should call `confine` the same way instead of writing its own.
"""
from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Iterable


class OutsideRoots(ValueError):
    """A path that is not allowed; `str()` is one line naming the path and why."""

    def __init__(self, path: str, reason: str):
        shown = path if path.isprintable() else repr(path)   # a newline in a name must not split the line
        super().__init__(f"{shown}: {reason}")
        self.path, self.reason = path, reason


def resolve_roots(roots: Iterable[str | Path]) -> list[Path]:
    """Roots as the check compares them: home expanded, links resolved (a root may be a link)."""
    return [Path(os.path.expanduser(str(r))).resolve() for r in roots]


def confine(raw: str | Path, roots: list[Path]) -> Path:
    """The fully resolved path if it lies under one of `roots` (from `resolve_roots`), else OutsideRoots.

    The caller should open the returned path, not `raw`: that is the path that was checked.
    """
    text = str(raw)
    if "\x00" in text:
        raise OutsideRoots(text, "invalid path (NUL byte)")
    if not text.strip():   # "" would mean the current folder
        raise OutsideRoots(text, "empty path")
    try:
        path = Path(os.path.expanduser(text)).resolve(strict=True)
    except FileNotFoundError:   # a new name, or a dangling link: where it would lead is checked
        path = Path(os.path.expanduser(text)).resolve()
    except (OSError, RuntimeError) as exc:   # a loop is a RuntimeError before Python 3.13, ELOOP after
        loop = isinstance(exc, RuntimeError) or exc.errno == errno.ELOOP
        raise OutsideRoots(text, f"cannot be resolved ({'symlink loop' if loop else exc.strerror})") from None
    if any(path == root or root in path.parents for root in roots):
        return path
    where = ", ".join(map(str, roots)) or "none given"
    # A link is said to be one, but its target is not named: a client learns nothing outside its roots.
    link = path != Path(os.path.abspath(os.path.expanduser(text)))
    raise OutsideRoots(text, f"{'links' if link else 'is'} outside the allowed roots ({where})")

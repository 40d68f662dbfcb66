"""Turn the paths a user names into video files, and the ones that cannot be read into errors."""
from __future__ import annotations

import fnmatch
import os
from pathlib import Path

from vidrag.confine import OutsideRoots, confine
from vidrag.media import VIDEO_EXTENSIONS


def discover(paths: list[str], glob: str | None = None, roots: list[Path] | None = None
             ) -> tuple[list[Path], list[tuple[str, str]]]:
    """Files named explicitly are always tried; folders are walked for video files (or --glob).

    With `roots` (resolved, see `confine.resolve_roots`), every named path and every file found
    in a folder must resolve under a root: a link inside a root may point anywhere. Those files
    come back resolved, so the indexer opens what was checked; the others become errors.
    """
    found: list[Path] = []
    errors: list[tuple[str, str]] = []

    def wanted(p: Path) -> bool:
        return fnmatch.fnmatch(p.name, glob) if glob else p.suffix.lower() in VIDEO_EXTENSIONS

    def allowed(p: Path) -> Path | None:
        if roots is None:
            return p
        try:
            return confine(p, roots)
        except OutsideRoots as exc:
            errors.append((exc.path, exc.reason))
            return None

    for raw in paths:
        p = allowed(Path(os.path.expanduser(raw)))
        if p is None:
            continue
        if p.is_dir():
            if not os.access(p, os.R_OK | os.X_OK):
                errors.append((str(p), "permission denied (cannot list directory)"))
                continue
            for root, dirs, files in os.walk(p, onerror=lambda e: errors.append((e.filename, "cannot list directory"))):
                dirs.sort()
                walked = (allowed(Path(root) / f) for f in sorted(files) if wanted(Path(root) / f))
                found.extend(f for f in walked if f is not None)
        elif p.exists() or p.is_symlink():
            found.append(p)
        else:
            errors.append((str(p), "no such file or directory"))
    unique = list(dict.fromkeys(f.absolute() for f in found))
    return unique, errors

"""Turn the paths a user names into video files, and the ones that cannot be read into errors."""
from __future__ import annotations

import fnmatch
import os
from pathlib import Path

from vidrag.media import VIDEO_EXTENSIONS


def discover(paths: list[str], glob: str | None = None) -> tuple[list[Path], list[tuple[str, str]]]:
    """Files named explicitly are always tried; folders are walked for video files (or --glob)."""
    found: list[Path] = []
    errors: list[tuple[str, str]] = []

    def wanted(p: Path) -> bool:
        return fnmatch.fnmatch(p.name, glob) if glob else p.suffix.lower() in VIDEO_EXTENSIONS

    for raw in paths:
        p = Path(os.path.expanduser(raw))
        if p.is_dir():
            if not os.access(p, os.R_OK | os.X_OK):
                errors.append((str(p), "permission denied (cannot list directory)"))
                continue
            for root, dirs, files in os.walk(p, onerror=lambda e: errors.append((e.filename, "cannot list directory"))):
                dirs.sort()
                found.extend(Path(root) / f for f in sorted(files) if wanted(Path(root) / f))
        elif p.exists() or p.is_symlink():
            found.append(p)
        else:
            errors.append((str(p), "no such file or directory"))
    unique = list(dict.fromkeys(f.absolute() for f in found))
    return unique, errors

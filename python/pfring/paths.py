# SPDX-License-Identifier: LGPL-2.1-or-later
"""Where the repository, its build output and the lab's caches live."""

from __future__ import annotations

import os
from pathlib import Path


def repo_root() -> Path:
    """The monorepo's top folder (the one holding tasks.py)."""
    env = os.environ.get("PFRING_REPO")
    if env:
        return Path(env)
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "tasks.py").is_file() and (parent / "kernel").is_dir():
            return parent
    raise RuntimeError(f"cannot find the repository above {here}; set PFRING_REPO")


def build_root() -> Path:
    """Build output, per kernel release: build/<release>/..."""
    return repo_root() / "build"


def cache_root() -> Path:
    """Outside the repository: the sanitizer kernel and other slow-to-make things."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(os.environ.get("PFRING_CACHE", str(Path(base) / "pfring")))

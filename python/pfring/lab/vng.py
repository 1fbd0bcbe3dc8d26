# SPDX-License-Identifier: LGPL-2.1-or-later
"""Finding and calling virtme-ng (vng): it must run with its venv's bin on PATH."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path


def venv_bin() -> Path:
    """The bin folder of the environment this Python runs in (where vng was installed)."""
    return Path(sys.executable).parent


def vng_env() -> dict[str, str]:
    """The environment vng needs: it calls virtme-run and friends from PATH."""
    env = dict(os.environ)
    env["PATH"] = f"{venv_bin()}{os.pathsep}{env.get('PATH', '')}"
    return env


def vng_argv(*args: str) -> list[str]:
    """vng's argv, preferring the one beside this interpreter."""
    local = venv_bin() / "vng"
    vng = str(local) if local.exists() else shutil.which("vng")
    if vng is None:
        raise FileNotFoundError("vng (virtme-ng) is not installed: run ./bootstrap")
    return [vng, *args]

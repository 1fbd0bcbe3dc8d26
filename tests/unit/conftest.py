# SPDX-License-Identifier: LGPL-2.1-or-later
"""Fixtures the host tests share."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from pfring.paths import repo_root

# Where `make install` puts the userland under the test's DESTDIR
PREFIX = "/usr/local"


@pytest.fixture(scope="session")
def userland_install(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """userland/'s `make install` (libpfring, libpfring_zc, the tools) into a private
    DESTDIR, built in a private BUILD_DIR, once per session; returns the DESTDIR."""
    if shutil.which("cc") is None or shutil.which("make") is None:
        pytest.skip("no C compiler or make")
    root = tmp_path_factory.mktemp("userland")
    subprocess.run(
        ["make", "-s", "-C", str(repo_root() / "userland"), "install", f"DESTDIR={root}",
         f"BUILD_DIR={root / 'build'}", f"PREFIX={PREFIX}"],
        check=True, capture_output=True, text=True,
    )
    return root

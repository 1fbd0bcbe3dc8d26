# SPDX-License-Identifier: LGPL-2.1-or-later
"""How `invoke install` installs the Python package without touching the checkout or the
environment it runs from.

The package is built by pip from a copy of python/ in a temporary folder, so that
setuptools' build/ and egg-info never land in the source tree. A staged install
(--destdir) goes with `pip install --target` into the staging root, at the place Debian's
python3 looks for it: PREFIX/lib/python3/dist-packages for the distribution's own prefix
(/usr), PREFIX/lib/python3.X/dist-packages for any other (/usr/local). `--target` never
looks at, nor uninstalls from, the running environment (pip's --root and --prefix do:
they replace the developer's editable install).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

from pfring.paths import repo_root

DISTRIBUTION = "pfring"
# What a build leaves in python/ and what a staged copy must not carry.
_NOT_PACKAGED = ("build", "dist", "*.egg-info", "__pycache__", ".mypy_cache",
                 ".ruff_cache", ".pytest_cache", "*.new")


def debian_site_dir(prefix: str) -> str:
    """Where Debian's python3 imports a package installed under prefix."""
    if prefix.rstrip("/") == "/usr":
        return "/usr/lib/python3/dist-packages"
    major, minor = sys.version_info[:2]
    return f"{prefix.rstrip('/')}/lib/python{major}.{minor}/dist-packages"


def staged_site_dir(destdir: Path, prefix: str) -> Path:
    """The staged counterpart of debian_site_dir(prefix) under destdir."""
    return destdir / debian_site_dir(prefix).lstrip("/")


def editable_checkout() -> Path | None:
    """The source folder of the running environment's editable pfring install, if any."""
    try:
        recorded = metadata.distribution(DISTRIBUTION).read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return None
    if not recorded:
        return None
    origin = json.loads(recorded)
    if not origin.get("dir_info", {}).get("editable") or not origin["url"].startswith("file://"):
        return None
    return Path(origin["url"].removeprefix("file://"))


def copy_sources(scratch: Path) -> Path:
    """python/ copied into scratch without build output; returns the copy."""
    copy = scratch / "python"
    shutil.copytree(repo_root() / "python", copy, ignore=shutil.ignore_patterns(*_NOT_PACKAGED))
    return copy


def pip_install_argv(source: Path, target: Path | None) -> list[str]:
    """pip installing source: into target when given, else into the running environment."""
    argv = [sys.executable, "-m", "pip", "install", "--no-deps", "--quiet",
            "--disable-pip-version-check"]
    if target is not None:
        # --no-compile: a distribution package ships no .pyc (dh_python3 compiles on
        # the target); --upgrade: a second staging replaces the first.
        argv += ["--target", str(target), "--no-compile", "--upgrade"]
    return [*argv, str(source)]


def install_package(target: Path | None) -> None:
    """Build the package out of tree and install it into target (or this environment)."""
    with tempfile.TemporaryDirectory(prefix="pfring-install-") as scratch:
        source = copy_sources(Path(scratch))
        argv = pip_install_argv(source, target)
        print(f"+ {' '.join(argv)}", flush=True)
        subprocess.run(argv, check=True, cwd=scratch)


def stage_package(destdir: Path, prefix: str) -> Path:
    """The package staged under destdir for prefix; returns its site folder."""
    site = staged_site_dir(destdir, prefix)
    site.mkdir(parents=True, exist_ok=True)
    install_package(site)
    print(f"installed the Python package into {site}", flush=True)
    return site


def install_into_environment() -> None:
    """The package installed into the running environment, as `invoke install` always did;
    an editable install of this very checkout is left as it is (replacing it with a copy
    would freeze the developer's code)."""
    checkout = editable_checkout()
    if checkout is not None and checkout.resolve() == (repo_root() / "python").resolve():
        print(f"the Python package is installed (editable) from {checkout} in {sys.prefix}: "
              "left as it is", flush=True)
        return
    install_package(None)

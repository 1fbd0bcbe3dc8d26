# SPDX-License-Identifier: LGPL-2.1-or-later
"""`invoke install --destdir` as a packager runs it: everything lands in the staging root,
and neither the environment invoke runs from nor the checkout changes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from pfring import build as builder
from pfring.drivers import built_drivers
from pfring.paths import repo_root
from pfring.suite import built_releases
from pfring.tasks.pypackage import debian_site_dir, editable_checkout, staged_site_dir

# Where the install runs a build system: pip/setuptools in python/, make in userland/.
BUILT_FOLDERS = ("python", "userland")


def tree_entries() -> set[str]:
    """Untracked and ignored files where the install runs a build (bytecode aside)."""
    listing = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all", "--ignored", "--",
         *BUILT_FOLDERS],
        cwd=repo_root(), capture_output=True, text=True, check=True).stdout
    return {line for line in listing.splitlines()
            if line[:2] in ("??", "!!") and "__pycache__" not in line}


def invoke(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "invoke", *args], cwd=repo_root(),
                          capture_output=True, text=True, timeout=600, check=False)


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, set[str]]:
    """One staged install; returns the staging root and the tree's new files."""
    destdir = tmp_path_factory.mktemp("destdir")
    before = tree_entries()
    done = invoke("install", "--destdir", str(destdir))
    assert done.returncode == 0, done.stdout + done.stderr
    return destdir, tree_entries() - before


def test_the_environment_keeps_its_editable_pfring(staged: tuple[Path, set[str]]) -> None:
    imported = subprocess.run([sys.executable, "-c", "import pfring; print(pfring.__file__)"],
                              capture_output=True, text=True, check=True, cwd="/")
    assert Path(imported.stdout.strip()) == repo_root() / "python/pfring/__init__.py"
    origin = json.loads(metadata.distribution("pfring").read_text("direct_url.json") or "{}")
    assert origin.get("dir_info", {}).get("editable") is True, origin
    assert origin["url"] == f"file://{repo_root() / 'python'}"
    # what a plain `invoke install` (no --destdir) sees, and so leaves alone
    assert editable_checkout() == repo_root() / "python"


def test_invoke_still_lists_its_tasks(staged: tuple[Path, set[str]]) -> None:
    done = invoke("--list")
    assert done.returncode == 0, done.stderr
    assert "  install " in done.stdout and "  lab.test " in done.stdout


def test_the_checkout_gains_no_file(staged: tuple[Path, set[str]]) -> None:
    _, new_entries = staged
    assert new_entries == set()


def test_the_staging_root_holds_headers_libraries_and_tools(
        staged: tuple[Path, set[str]]) -> None:
    destdir, _ = staged
    usr = destdir / "usr/local"
    for header in ("include/pfring.h", "include/linux/pf_ring.h"):
        assert (usr / header).is_file(), header
    assert (usr / "lib/libpfring.a").read_bytes() == \
        (builder.user_build_dir() / "lib/libpfring.a").read_bytes()
    assert os.readlink(usr / "lib/libpfring.so") == "libpfring.so.8"
    assert (usr / "lib/libpfring.so.8").resolve().is_file()
    for tool in ("pfcount", "alldevs"):
        assert os.access(usr / "bin" / tool, os.X_OK), tool
    for release in built_releases():
        if (builder.module_dir(release) / "pf_ring.ko").is_file():
            assert (destdir / "lib/modules" / release / "extra/pf_ring.ko").is_file()
        # the aware drivers keep their in-tree names, in updates/ (modprobe's first pick)
        for ko in built_drivers(release):
            assert (destdir / "lib/modules" / release / "updates" / ko.name).read_bytes() \
                == ko.read_bytes()


def test_the_staged_package_imports_with_its_extension(staged: tuple[Path, set[str]]) -> None:
    destdir, _ = staged
    site = staged_site_dir(destdir, "/usr/local")
    assert site == destdir / f"usr/local/lib/python3.{sys.version_info.minor}/dist-packages"
    probe = ("import pfring, pfring.native._pfring as native, pfring.tasks; "
             "print(pfring.__file__); print(native.__file__)")
    done = subprocess.run([sys.executable, "-c", probe],
                          env={**os.environ, "PYTHONPATH": str(site)},
                          capture_output=True, text=True, check=False, cwd="/")
    assert done.returncode == 0, done.stderr
    package_file, extension_file = done.stdout.split()
    assert Path(package_file) == site / "pfring/__init__.py"
    assert Path(extension_file).parent == site / "pfring/native"
    assert not list(site.rglob("*.pyc")), "a distribution package ships no bytecode"
    entry_points = next(site.glob("pfring-*.dist-info")) / "entry_points.txt"
    assert "pfring_lab = pfring.testing.plugin" in entry_points.read_text()


def test_debian_site_folders() -> None:
    assert debian_site_dir("/usr") == "/usr/lib/python3/dist-packages"
    assert debian_site_dir("/usr/local/") == \
        f"/usr/local/lib/python3.{sys.version_info.minor}/dist-packages"

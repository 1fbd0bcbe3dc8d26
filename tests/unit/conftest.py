# SPDX-License-Identifier: LGPL-2.1-or-later
"""Fixtures the host tests share."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest

from pfring.paths import repo_root
from pfring.testing import hugepages as pools

# Where `make install` puts the userland under the test's DESTDIR
PREFIX = "/usr/local"
ZC_CFLAGS = ["-Wall", "-Wextra", "-Werror", "-O2"]
NR_HUGEPAGES = Path("/proc/sys/vm/nr_hugepages")


def _meminfo(key: str) -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        name, _, value = line.partition(":")
        if name == key:
            return int(value.split()[0])
    raise KeyError(key)


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


# ---- libpfring_zc (test_zc.py, test_zc_ipc.py, test_pfring_zc_py.py) ----------------------

# Cluster ids name files every process sees: the C test programs add this base to theirs
# (tests/unit/c/zc_test_id.h), so that two sessions at once do not collide.
os.environ.setdefault("ZC_TEST_ID_BASE", str(1_000_000 + (os.getpid() % 1000) * 1000))

# Where a cluster's file lives (zc_ipc.c): /dev/shm on normal pages, the library's own
# hugetlbfs mounts under /run/pfring_zc otherwise (a test's private mount goes with it).
CLUSTER_FILES = ("/dev/shm/pfring_zc_cluster_*", "/run/pfring_zc/*/pfring_zc_cluster_*")


def _cluster_files() -> set[Path]:
    return {p for pattern in CLUSTER_FILES for p in Path("/").glob(pattern.lstrip("/"))}


@pytest.fixture(autouse=True)
def no_cluster_file_left() -> Iterator[None]:
    """Every test leaves no cluster file behind: a cluster whose last user has gone is
    given back, and a left file holds its memory (hugepages) until the id is used again.
    Its processes get 5 s to finish exiting; a file still there fails the test and is
    removed, so that the next tests start clean."""
    before = _cluster_files()
    yield
    left: set[Path] = set()
    for _ in range(50):
        left = _cluster_files() - before
        if not left:
            return
        time.sleep(0.1)
    for p in left:
        p.unlink(missing_ok=True)
    pytest.fail(f"cluster files left behind: {sorted(map(str, left))}")


@pytest.fixture(scope="session")
def installed(userland_install: Path) -> Path:
    """The prefix of the session's make install."""
    return userland_install / PREFIX.lstrip("/")


@pytest.fixture(scope="session")
def programs(installed: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """tests/unit/c/zc_*.c linked against the installed static libraries (libpfring_zc
    needs libpfring: its devices open standard rings)."""
    c_dir = repo_root() / "tests/unit/c"
    out = tmp_path_factory.mktemp("zc_bin")
    exes = {}
    for src in sorted(c_dir.glob("zc_*.c")):
        exe = out / src.stem
        linked = subprocess.run(
            ["cc", *ZC_CFLAGS, f"-I{installed / 'include'}", str(src),
             str(installed / "lib/libpfring_zc.a"), str(installed / "lib/libpfring.a"),
             "-lpthread", "-o", str(exe)],
            capture_output=True, text=True)
        assert linked.returncode == 0, linked.stderr
        exes[src.stem] = exe
    return exes


@pytest.fixture
def meminfo() -> Callable[[str], int]:
    """meminfo(key): the number on /proc/meminfo's line key (kB or a count)."""
    return _meminfo


@pytest.fixture
def hugepages() -> Iterator[Callable[[int], None]]:
    """set(n): reserve exactly n 2 MB hugepages; the old count comes back afterwards.
    Run the tests that use it under flock /tmp/pfring-hugepages.lock."""
    if os.geteuid() != 0:
        pytest.skip("reserving hugepages needs root")
    if _meminfo("Hugepagesize") != 2048:
        pytest.skip("default hugepage size is not 2 MB")
    old = NR_HUGEPAGES.read_text().strip()

    def set_(n: int) -> None:
        NR_HUGEPAGES.write_text(f"{n}\n")
        got = int(NR_HUGEPAGES.read_text())
        if got != n:
            pytest.skip(f"the kernel gave {got} hugepages, not {n} (memory fragmented?)")
        if _meminfo("HugePages_Free") != n:
            pytest.skip("hugepages in use by another process")

    yield set_
    NR_HUGEPAGES.write_text(f"{old}\n")


@pytest.fixture
def hugepages_1g(tmp_path: Path) -> Iterator[Callable[[int], Path]]:
    """reserve(n): exactly n 1 GB hugepages reserved, and the path of a hugetlbfs mount of
    1 GB pages (pagesize=1G) in tmp_path; unmounted, and the old count of 1 GB pages put
    back, afterwards."""
    if os.geteuid() != 0:
        pytest.skip("reserving hugepages needs root")
    if not pools.pool(pools.KB_1G).is_dir():
        pytest.skip("this CPU or kernel has no 1 GB hugepages")
    old = pools.total(pools.KB_1G)
    mnt = tmp_path / "huge1g"
    mnt.mkdir()
    mounted = subprocess.run(["mount", "-t", "hugetlbfs", "-o", "pagesize=1G", "none", str(mnt)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount hugetlbfs with 1 GB pages: {mounted.stderr.strip()}")

    def reserve(n: int) -> Path:
        got = pools.set_total(pools.KB_1G, n)
        if got != n:
            pytest.skip(f"the kernel gave {got} 1 GB hugepages, not {n} (memory fragmented?)")
        if pools.free(pools.KB_1G) != n:
            pytest.skip("1 GB hugepages in use by another process")
        return mnt

    try:
        yield reserve
    finally:
        subprocess.run(["umount", str(mnt)], check=True)
        pools.set_total(pools.KB_1G, old)


@pytest.fixture(scope="session")
def zc(installed: Path, tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    """pfring.zc over pfring.native._pfring_zc compiled for this session."""
    pytest.importorskip("cffi")
    from pfring.native.zc_build import compile_extension

    built = compile_extension([installed / "include"], installed / "lib/libpfring_zc.a",
                              tmp_path_factory.mktemp("pyzc"))
    spec = importlib.util.spec_from_file_location("pfring.native._pfring_zc", built)
    assert spec is not None and spec.loader is not None
    native = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(native)
    sys.modules["pfring.native._pfring_zc"] = native
    sys.modules.pop("pfring.zc", None)
    import pfring.zc

    return pfring.zc

# SPDX-License-Identifier: LGPL-2.1-or-later
"""libpfring's C API, as an application sees it: installed headers, static and shared
library, pkg-config; every function called (tests/unit/c/every_function.c), no kernel
module needed."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from pfring.paths import repo_root

ROOT = repo_root()
PROGRAM = ROOT / "tests/unit/c/every_function.c"
PREFIX = "/usr/local"
CFLAGS = ["-Wall", "-Wextra", "-Werror", "-O2"]


@pytest.fixture(scope="module")
def installed(userland_install: Path) -> Path:
    """The DESTDIR of the session's make install (conftest.py)."""
    return userland_install


def _prefix(root: Path) -> Path:
    return root / PREFIX.lstrip("/")


def test_install_layout(installed: Path) -> None:
    p = _prefix(installed)
    for rel in ("include/pfring.h", "include/linux/pf_ring.h", "lib/libpfring.a",
                "lib/libpfring.so", "lib/libpfring.so.8", "lib/libpfring.so.8.8.0",
                "lib/pkgconfig/libpfring.pc", "bin/pfcount", "bin/alldevs"):
        assert (p / rel).exists(), rel
    uapi = ROOT / "kernel/include/uapi/linux/pf_ring.h"
    assert (p / "include/linux/pf_ring.h").read_bytes() == uapi.read_bytes()


def _run(argv: list[str], env: dict[str, str] | None = None) -> str:
    out = subprocess.run(argv, capture_output=True, text=True,
                         env={**os.environ, "PF_RING_QUIET": "1", **(env or {})})
    assert out.returncode == 0, f"{argv[0]} failed:\n{out.stdout}\n{out.stderr}"
    return out.stdout


@pytest.mark.parametrize("linkage", ["static", "shared"])
def test_every_function(installed: Path, linkage: str, tmp_path: Path) -> None:
    p = _prefix(installed)
    exe = tmp_path / f"every_function_{linkage}"
    include = f"-I{p / 'include'}"
    if linkage == "static":
        # the user guide's link line, exactly: libpfring.a and -lpthread, nothing else
        # (no -lm: the library must not need libm)
        argv = ["cc", include, str(PROGRAM), str(p / "lib/libpfring.a"), "-lpthread",
                "-o", str(exe)]
    else:
        argv = ["cc", *CFLAGS, include, str(PROGRAM), "-o", str(exe), f"-L{p / 'lib'}",
                "-lpfring"]
    linked = subprocess.run(argv, capture_output=True, text=True)
    assert linked.returncode == 0, linked.stderr
    env = {"LD_LIBRARY_PATH": str(p / "lib")} if linkage == "shared" else {}
    if linkage == "shared":
        ldd = subprocess.run(["ldd", str(exe)], capture_output=True, text=True,
                             env={**os.environ, **env}).stdout
        assert str(p / "lib/libpfring.so.8") in ldd
    out = _run([str(exe)], env)
    assert "0 failures" in out


def test_pkg_config(installed: Path, tmp_path: Path) -> None:
    if shutil.which("pkg-config") is None:
        pytest.skip("no pkg-config")
    env = {**os.environ, "PKG_CONFIG_PATH": str(_prefix(installed) / "lib/pkgconfig"),
           "PKG_CONFIG_SYSROOT_DIR": str(installed)}
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "libpfring"], env=env,
                           check=True, capture_output=True, text=True).stdout.split()
    assert f"-I{_prefix(installed) / 'include'}" in flags
    assert "-lpfring" in flags
    static = subprocess.run(["pkg-config", "--static", "--libs", "libpfring"], env=env,
                            check=True, capture_output=True, text=True).stdout.split()
    assert static[-2:] == ["-lpfring", "-lpthread"], static  # no -lm
    exe = tmp_path / "every_function_pc"
    subprocess.run(["cc", *CFLAGS, str(PROGRAM), "-o", str(exe), *flags], check=True)
    _run([str(exe)], {"LD_LIBRARY_PATH": str(_prefix(installed) / "lib")})


def test_shared_library_exports_only_the_api(installed: Path) -> None:
    so = _prefix(installed) / "lib/libpfring.so.8.8.0"
    out = subprocess.run(["nm", "-D", "--defined-only", str(so)], check=True,
                         capture_output=True, text=True).stdout
    names = [line.split()[-1].split("@")[0] for line in out.splitlines() if line.strip()]
    symbols = [n for n in names if n != "PFRING_8"]  # the version node
    assert symbols, out
    stray = [n for n in symbols if not (n.startswith("pfring_") or n == "gmt_to_local")]
    assert stray == []
    for wanted in ("pfring_open", "pfring_recv", "pfring_findalldevs", "pfring_parse_pkt"):
        assert wanted in symbols
    soname = subprocess.run(["objdump", "-p", str(so)], check=True, capture_output=True,
                            text=True).stdout
    assert "SONAME               libpfring.so.8" in soname
    needed = re.findall(r"NEEDED\s+(\S+)", soname)
    assert "libc.so.6" in needed and not [n for n in needed if n.startswith("libm.")], needed


def test_header_builds_as_cplusplus(installed: Path, tmp_path: Path) -> None:
    if shutil.which("c++") is None:
        pytest.skip("no C++ compiler")
    src = tmp_path / "use.cc"
    src.write_text(
        "#include <pfring.h>\n"
        "int main() { pfring *r = pfring_open(\"lo\", 128, PF_RING_PROMISC);\n"
        "  return r ? r->fd + r->enabled + r->zc_device : 0; }\n"
    )
    subprocess.run(["c++", "-Wall", "-Wextra", "-Werror", "-fsyntax-only",
                    f"-I{_prefix(installed) / 'include'}", str(src)], check=True)


@pytest.mark.parametrize("std", ["-std=c11", "-std=c99", "-std=gnu11"])
def test_header_builds_alone_in_strict_iso_c(installed: Path, tmp_path: Path,
                                             std: str) -> None:
    """As Suricata's configure compiles it: the header alone, strict ISO C, -Werror (glibc
    then declares neither u_char and friends nor IFNAMSIZ)."""
    src = tmp_path / "use.c"
    src.write_text("#include <pfring.h>\n"
                   "int main(void) { u_char c = 0; u_int i = IFNAMSIZ; return c + (int)i; }\n")
    done = subprocess.run(["cc", std, "-Wall", "-Wextra", "-Werror", "-fsyntax-only",
                           f"-I{_prefix(installed) / 'include'}", str(src)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_pfcount_without_module(installed: Path) -> None:
    p = _prefix(installed)
    out = subprocess.run([str(p / "bin/pfcount"), "-i", "lo", "-N", "1"], capture_output=True,
                         text=True, timeout=10)
    assert out.returncode == 1
    assert "pfring_open error" in out.stderr
    assert "pf_ring.ko loaded" in out.stderr  # the library says what to do
    listing = _run([str(p / "bin/pfcount"), "-L"])
    assert any(line.split()[0] == "lo" for line in listing.splitlines()[1:])
    devs = _run([str(p / "bin/alldevs")])
    assert "Name: lo" in devs

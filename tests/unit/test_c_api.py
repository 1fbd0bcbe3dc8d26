# SPDX-License-Identifier: LGPL-2.1-or-later
"""libpfring's C API, as an application sees it: installed headers, static and shared
library, pkg-config; every function called (tests/unit/c/every_function.c), no kernel
module needed."""

from __future__ import annotations

import os
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
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """make install into a private DESTDIR (and a private BUILD_DIR)."""
    if shutil.which("cc") is None or shutil.which("make") is None:
        pytest.skip("no C compiler or make")
    root = tmp_path_factory.mktemp("libpfring")
    subprocess.run(
        ["make", "-s", "-C", str(ROOT / "userland"), "install", f"DESTDIR={root}",
         f"BUILD_DIR={root / 'build'}", f"PREFIX={PREFIX}"],
        check=True, capture_output=True, text=True,
    )
    return root


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
    libs = ([str(p / "lib/libpfring.a"), "-lpthread", "-lm"] if linkage == "static"
            else [f"-L{p / 'lib'}", "-lpfring"])
    subprocess.run(["cc", *CFLAGS, f"-I{p / 'include'}", str(PROGRAM), "-o", str(exe), *libs],
                   check=True)
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


# ---- the ring protocol, against a stand-in for the module -----------------------------

FAKE = ROOT / "tests/unit/c/fake_pf_ring.c"
FAKE_RING = ROOT / "tests/unit/c/fake_ring.c"


@pytest.fixture(scope="module")
def fake_module(installed: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """fake_pf_ring.so: socket/setsockopt/getsockopt of family 13 answered from a memfd
    laid out as linux/pf_ring.h says (LD_PRELOAD)."""
    out = tmp_path_factory.mktemp("fake") / "fake_pf_ring.so"
    subprocess.run(["cc", *CFLAGS, "-shared", "-fPIC", f"-I{_prefix(installed) / 'include'}",
                    str(FAKE), "-o", str(out), "-ldl"], check=True)
    return out


def _fake_ring_program(
    installed: Path, linkage: str, tmp_path: Path
) -> tuple[Path, dict[str, str]]:
    p = _prefix(installed)
    exe = tmp_path / f"fake_ring_{linkage}"
    libs = ([str(p / "lib/libpfring.a"), "-lpthread", "-lm"] if linkage == "static"
            else [f"-L{p / 'lib'}", "-lpfring"])
    subprocess.run(["cc", *CFLAGS, f"-I{p / 'include'}", str(FAKE_RING), "-o", str(exe), *libs],
                   check=True)
    return exe, {"LD_LIBRARY_PATH": str(p / "lib")} if linkage == "shared" else {}


@pytest.mark.parametrize("linkage", ["static", "shared"])
def test_ring_protocol(installed: Path, fake_module: Path, linkage: str, tmp_path: Path) -> None:
    """U1-U3 as the library does them: zero-copy slots held until the next receive, copies
    given back at once, bursts, wrap-around, a full ring, loop/breakloop, two rings."""
    exe, env = _fake_ring_program(installed, linkage, tmp_path)
    out = _run([str(exe)], {**env, "LD_PRELOAD": str(fake_module)})
    assert "0 failures" in out


def test_a_ring_of_another_layout_is_refused(installed: Path, fake_module: Path,
                                             tmp_path: Path) -> None:
    exe, env = _fake_ring_program(installed, "static", tmp_path)
    out = subprocess.run([str(exe), "open"], capture_output=True, text=True,
                         env={**os.environ, **env, "LD_PRELOAD": str(fake_module),
                              "FAKE_PFR_ABI": "99"})
    assert out.returncode == 1
    assert out.stdout.strip() == "errno 71"  # EPROTO
    assert "the kernel module has 99, this libpfring was built for 1" in out.stderr
    assert "install the libpfring that comes with the loaded pf_ring.ko" in out.stderr
    ok = subprocess.run([str(exe), "open"], capture_output=True, text=True,
                        env={**os.environ, **env, "LD_PRELOAD": str(fake_module)})
    assert ok.returncode == 0, ok.stdout + ok.stderr


@pytest.mark.parametrize("device,bind", [
    ("eth0", "eth0"),
    ("any", "any"),
    ("eth0@1", "eth0@1"),
    ("eth0,eth1", "eth0,eth1"),
    ("eth0,eth1@1", "eth0@1,eth1@1"),
    ("eth0@1,5", "eth0@1,eth0@5"),
    ("eth0@1-3,5-6", "eth0@1,eth0@2,eth0@3,eth0@5,eth0@6"),
    ("eth0@x", None),
    ("eth0@3-1", None),
])
def test_device_names_become_the_modules_bind_list(
    installed: Path, fake_module: Path, tmp_path: Path, device: str, bind: str | None
) -> None:
    """The API's "devices@channels" syntax, as the guide documents it, turned into the
    module's one-entry-per-device@queue list."""
    exe, env = _fake_ring_program(installed, "static", tmp_path)
    log = tmp_path / "binds"
    out = subprocess.run([str(exe), "open", device], capture_output=True, text=True,
                         env={**os.environ, **env, "LD_PRELOAD": str(fake_module),
                              "FAKE_PFR_BIND_LOG": str(log), "PF_RING_QUIET": "1"})
    if bind is None:
        assert out.returncode == 1 and out.stdout.strip() == "errno 22"  # EINVAL
        assert not log.exists()
    else:
        assert out.returncode == 0, out.stdout + out.stderr
        assert log.read_text() == bind + "\n"

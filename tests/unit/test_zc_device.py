# SPDX-License-Identifier: LGPL-2.1-or-later
"""libpfring_zc's one-copy devices and the ZC tools on the host, where pf_ring.ko is not
loaded: pfring_zc_open_device()'s refusals and their errno (tests/unit/c/zc_device_api.c),
the link with libpfring (static, shared, pkg-config), and zcount/zsend's usage errors and
messages.  Traffic through devices is tested in the lab (tests/lab/test_zc_device.py)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from pfring.paths import repo_root

ROOT = repo_root()
C_DIR = ROOT / "tests/unit/c"
CFLAGS = ["-Wall", "-Wextra", "-Werror", "-O2"]
NO_MODULE = not Path("/proc/net/pf_ring").exists()
# An interface every host has
IFACE = "lo"


def _run(argv: list[str | Path], timeout: float = 60,
         env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in argv], capture_output=True, text=True,
                          timeout=timeout, env=env)


@pytest.fixture(scope="module")
def device_api(installed: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """zc_device_api.c linked as the README says: libpfring_zc.a, libpfring.a, -lpthread."""
    exe = tmp_path_factory.mktemp("zc_dev") / "zc_device_api"
    linked = _run(["cc", *CFLAGS, f"-I{installed / 'include'}", C_DIR / "zc_device_api.c",
                   installed / "lib/libpfring_zc.a", installed / "lib/libpfring.a",
                   "-lpthread", "-o", exe])
    assert linked.returncode == 0, linked.stderr
    return exe


def test_open_device_refusals(device_api: Path) -> None:
    """Every bad input: NULL and its own errno; failed opens take no buffer; close_device
    refuses an SPSC queue; the device queue-id macros."""
    done = _run([device_api, IFACE])
    assert done.stdout.splitlines()[-1] == "0 failures", done.stdout + done.stderr
    assert done.returncode == 0
    assert ("module=absent" in done.stdout) == NO_MODULE
    assert "kernel-bypass (zc:) devices are not available yet" in done.stderr
    if NO_MODULE:
        # libpfring's own message says why (EAFNOSUPPORT)
        assert "is pf_ring.ko loaded?" in done.stderr


def test_static_library_needs_libpfring(installed: Path, tmp_path: Path) -> None:
    """A program that opens devices does not link with libpfring_zc.a alone (so the
    README's link line with libpfring.a is needed), and one that uses queues only does."""
    alone = _run(["cc", *CFLAGS, f"-I{installed / 'include'}", C_DIR / "zc_device_api.c",
                  installed / "lib/libpfring_zc.a", "-lpthread", "-o", tmp_path / "a"])
    assert alone.returncode != 0
    assert "pfring_open" in alone.stderr
    queues = _run(["cc", *CFLAGS, f"-I{installed / 'include'}", C_DIR / "zc_api.c",
                   installed / "lib/libpfring_zc.a", "-lpthread", "-o", tmp_path / "b"])
    assert queues.returncode == 0, queues.stderr


def test_shared_library_depends_on_libpfring(installed: Path) -> None:
    out = _run(["readelf", "-d", installed / "lib/libpfring_zc.so.8.8.0"]).stdout
    assert "Shared library: [libpfring.so.8]" in out
    assert "Library runpath: [$ORIGIN]" in out
    names = _run(["nm", "-D", "--defined-only", installed / "lib/libpfring_zc.so.8.8.0"]).stdout
    for wanted in ("pfring_zc_open_device", "pfring_zc_close_device"):
        assert re.search(rf"\b{wanted}\b", names), wanted


def test_pkg_config_links_devices(installed: Path, tmp_path: Path) -> None:
    """pkg-config: -lpfring_zc for a shared link (the linker finds libpfring.so.8 through
    libpfring_zc's RUNPATH), and --static adds libpfring and pthread (a -static link);
    both programs run the refusals' checks."""
    if shutil.which("pkg-config") is None:
        pytest.skip("no pkg-config")
    env = {**os.environ, "PKG_CONFIG_PATH": str(installed / "lib/pkgconfig"),
           "PKG_CONFIG_SYSROOT_DIR": str(installed.parents[1])}
    shared = _run(["pkg-config", "--cflags", "--libs", "libpfring_zc"], env=env)
    static = _run(["pkg-config", "--static", "--libs", "libpfring_zc"], env=env)
    assert shared.returncode == 0 and static.returncode == 0, shared.stderr + static.stderr
    assert "-lpfring" not in shared.stdout.split()
    assert {"-lpfring_zc", "-lpfring", "-lpthread"} <= set(static.stdout.split())
    exe = tmp_path / "shared"
    linked = _run(["cc", *CFLAGS, C_DIR / "zc_device_api.c", "-o", exe,
                   *shared.stdout.split()])
    assert linked.returncode == 0, linked.stderr
    done = _run([exe, IFACE], env={**os.environ,
                                   "LD_LIBRARY_PATH": str(installed / "lib")})
    assert done.stdout.splitlines()[-1] == "0 failures", done.stdout + done.stderr
    exe = tmp_path / "static"
    linked = _run(["cc", *CFLAGS, "-static", f"-I{installed / 'include'}",
                   C_DIR / "zc_device_api.c", "-o", exe, *static.stdout.split()])
    assert linked.returncode == 0, linked.stderr
    done = _run([exe, IFACE])
    assert done.stdout.splitlines()[-1] == "0 failures", done.stdout + done.stderr


# ---- zcount and zsend ------------------------------------------------------------------


def tool(installed: Path, name: str) -> Path:
    path = installed / "bin" / name
    assert path.is_file(), f"{name} is not installed"
    return path


@pytest.mark.parametrize("name", ["zcount", "zsend"])
def test_tool_help(installed: Path, name: str) -> None:
    done = _run([tool(installed, name), "-h"])
    assert done.returncode == 0
    for flag in ("-i <device>", "-c <cluster id>", "-g <core id>", "-a "):
        assert flag in done.stdout, flag
    assert "Using PF_RING ZC v.8.8.0" in done.stdout


@pytest.mark.parametrize(("name", "args", "message"), [
    ("zcount", [], "which device? (-i <device>)"),
    ("zcount", ["-i", IFACE], "which cluster id? (-c <cluster id>)"),
    ("zcount", ["-i", IFACE, "-c", "x"], "-c wants a cluster id (a number), not 'x'"),
    ("zcount", ["-i", IFACE, "-c", "1", "-v", "3"], "-v wants a level, 1 or 2, not '3'"),
    ("zcount", ["-i", IFACE, "-c", "1", "-g", "-1"], "-g wants a core id, not '-1'"),
    ("zcount", ["-i", IFACE, "-c", "1", "-N", "0"], "-N wants a packet count"),
    ("zcount", ["-i", IFACE, "-c", "1", "-f", "tcp"],
     "-f (of ntop's zcount) is not supported by this zcount"),
    ("zcount", ["-i", IFACE, "-c", "1", "extra"], "unexpected argument 'extra'"),
    ("zcount", ["-i", IFACE, "-c", "1", "-Y"], "invalid option -- 'Y'"),
    ("zsend", [], "which device? (-i <device>)"),
    ("zsend", ["-i", IFACE], "which cluster id? (-c <cluster id>)"),
    ("zsend", ["-i", IFACE, "-c", "1", "-r", "1", "-p", "5"],
     "-r and -p both set a rate: give one"),
    ("zsend", ["-i", IFACE, "-c", "1", "-r", "0"], "the rate (-r) must be above 0"),
    ("zsend", ["-i", IFACE, "-c", "1", "-r", "-1"], "-r -1 replays a pcap file"),
    ("zsend", ["-i", IFACE, "-c", "1", "-p", "-3"], "the rate (-p) must be above 0"),
    ("zsend", ["-i", IFACE, "-c", "1", "-l", "59"], "-l wants a length from 60"),
    ("zsend", ["-i", IFACE, "-c", "1", "-n", "ten"], "-n wants a number of packets"),
    ("zsend", ["-i", IFACE, "-c", "1", "-m", "00:11"], "-m wants a MAC address"),
    ("zsend", ["-i", IFACE, "-c", "1", "-f", "x.pcap", "-b", "4"], "-b shapes generated"),
    ("zsend", ["-i", IFACE, "-c", "1", "-Q", "sock"],
     "-Q (of ntop's zsend) is not supported by this zsend"),
])
def test_tool_usage_errors(installed: Path, name: str, args: list[str], message: str) -> None:
    """A wrong option: exit status 2 and a message that names it, nothing opened."""
    done = _run([tool(installed, name), *args])
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert f"({name} -h says more)" in done.stderr
    assert done.stdout == ""


@pytest.mark.parametrize("name", ["zcount", "zsend"])
def test_tool_no_such_device(installed: Path, name: str) -> None:
    """A missing interface: exit status 1 and ENODEV's message, whatever the module."""
    done = _run([tool(installed, name), "-i", "nosuchdev0", "-c", "3", "-u"])
    assert done.returncode == 1, done.stdout + done.stderr
    assert ("cannot open device nosuchdev0: No such device (there is no such interface)"
            in done.stderr)
    assert "Total:" not in done.stdout and "Sent " not in done.stdout


@pytest.mark.parametrize("name", ["zcount", "zsend"])
def test_tool_zc_prefix_not_available(installed: Path, name: str) -> None:
    done = _run([tool(installed, name), "-i", f"zc:{IFACE}", "-c", "3", "-u"])
    assert done.returncode == 1
    assert "kernel-bypass (zc:) devices are not available yet" in done.stderr
    assert f"cannot open device zc:{IFACE}: Operation not supported" in done.stderr


@pytest.mark.skipif(not NO_MODULE, reason="pf_ring.ko is loaded on this host")
@pytest.mark.parametrize("name", ["zcount", "zsend"])
def test_tool_without_module(installed: Path, name: str) -> None:
    """A real interface without pf_ring.ko: exit 1, libpfring's errno and a hint."""
    done = _run([tool(installed, name), "-i", IFACE, "-c", "3", "-u"])
    assert done.returncode == 1
    assert (f"cannot open device {IFACE}: Address family not supported by protocol "
            "(is pf_ring.ko loaded? modprobe pf_ring)") in done.stderr

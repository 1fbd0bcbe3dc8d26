# SPDX-License-Identifier: LGPL-2.1-or-later
"""libpfring_zc on the host: installed files and exports, the API's contracts
(tests/unit/c/zc_api.c), queue order without loss at full speed
(tests/unit/c/zc_queue_order.c), hugepages taken and given back, and the message when
there are none.  Hugepage tests reserve pages through /proc/sys/vm/nr_hugepages (root).
The fixtures installed, programs and hugepages are in conftest.py."""

from __future__ import annotations

import errno
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from pfring.paths import repo_root

ROOT = repo_root()
C_DIR = ROOT / "tests/unit/c"
CFLAGS = ["-Wall", "-Wextra", "-Werror", "-O2"]
QUEUE_PACKETS = 10**8


def _meminfo(key: str) -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        name, _, value = line.partition(":")
        if name == key:
            return int(value.split()[0])
    raise KeyError(key)


def _run(argv: list[str | Path], timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in argv], capture_output=True, text=True,
                          timeout=timeout)


def test_install_layout(installed: Path) -> None:
    for rel in ("include/pfring_zc.h", "include/pfring.h", "lib/libpfring_zc.a",
                "lib/libpfring_zc.so", "lib/libpfring_zc.so.8", "lib/libpfring_zc.so.8.8.0",
                "lib/pkgconfig/libpfring_zc.pc"):
        assert (installed / rel).exists(), rel
    header = ROOT / "userland/zc/pfring_zc.h"
    assert (installed / "include/pfring_zc.h").read_bytes() == header.read_bytes()


def test_shared_library_exports_only_the_api(installed: Path) -> None:
    so = installed / "lib/libpfring_zc.so.8.8.0"
    out = subprocess.run(["nm", "-D", "--defined-only", str(so)], check=True,
                         capture_output=True, text=True).stdout
    names = {line.split()[-1].split("@")[0] for line in out.splitlines() if line.strip()}
    names.discard("PFRING_ZC_8")
    assert sorted(n for n in names if not n.startswith("pfring_zc_")) == []
    for wanted in ("pfring_zc_create_cluster", "pfring_zc_destroy_cluster",
                   "pfring_zc_create_queue", "pfring_zc_send_pkt", "pfring_zc_send_pkt_burst",
                   "pfring_zc_recv_pkt", "pfring_zc_recv_pkt_burst", "pfring_zc_sync_queue",
                   "pfring_zc_create_buffer_pool", "pfring_zc_get_packet_handle_from_pool",
                   "pfring_zc_pkt_buff_push", "pfring_zc_pkt_buff_pull", "pfring_zc_stats",
                   "pfring_zc_check_license"):
        assert wanted in names, wanted
    soname = subprocess.run(["objdump", "-p", str(so)], check=True, capture_output=True,
                            text=True).stdout
    assert "SONAME               libpfring_zc.so.8" in soname


def test_pkg_config_and_shared_link(installed: Path, tmp_path: Path) -> None:
    if shutil.which("pkg-config") is None:
        pytest.skip("no pkg-config")
    env = {**os.environ, "PKG_CONFIG_PATH": str(installed / "lib/pkgconfig"),
           "PKG_CONFIG_SYSROOT_DIR": str(installed.parents[1])}
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "libpfring_zc"], env=env,
                           check=True, capture_output=True, text=True).stdout.split()
    assert f"-I{installed / 'include'}" in flags
    assert "-lpfring_zc" in flags
    exe = tmp_path / "zc_api_shared"
    subprocess.run(["cc", *CFLAGS, str(C_DIR / "zc_api.c"), "-o", str(exe), *flags,
                    "-lpthread"], check=True)
    done = subprocess.run([str(exe), "checks", "nohuge"], capture_output=True, text=True,
                          env={**os.environ, "LD_LIBRARY_PATH": str(installed / "lib")},
                          timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1] == "0 failures"


def test_header_builds_as_cplusplus(installed: Path, tmp_path: Path) -> None:
    if shutil.which("c++") is None:
        pytest.skip("no C++ compiler")
    src = tmp_path / "use.cc"
    src.write_text(
        "#include <pfring_zc.h>\n"
        "int main() { pfring_zc_cluster *c = pfring_zc_create_cluster(1, 1536, 0, 8, -1,\n"
        "  nullptr, PF_RING_ZC_CLUSTER_NO_HUGEPAGES);\n"
        "  pfring_zc_pkt_buff *h = pfring_zc_get_packet_handle(c);\n"
        "  return h ? h->len + h->user[0] : 0; }\n"
    )
    subprocess.run(["c++", "-Wall", "-Wextra", "-Werror", "-fsyntax-only",
                    f"-I{installed / 'include'}", str(src)], check=True)


def test_api_contracts_normal_pages(programs: dict[str, Path]) -> None:
    done = _run([programs["zc_api"], "checks", "nohuge"], timeout=60)
    assert done.stdout.splitlines()[-1] == "0 failures", done.stdout
    assert done.returncode == 0
    assert done.stderr.count("WARNING") == 3  # one per cluster created


def test_api_contracts_hugepages(programs: dict[str, Path],
                                 hugepages: Callable[[int], None]) -> None:
    hugepages(8)
    done = _run([programs["zc_api"], "checks"], timeout=60)
    assert done.stdout.splitlines()[-1] == "0 failures", done.stdout + done.stderr
    assert done.returncode == 0
    assert "WARNING" not in done.stderr
    assert _meminfo("HugePages_Free") == 8


def cpu0_node() -> int:
    """CPU 0's NUMA node as sysfs shows it (its nodeN entry), -1 without one."""
    nodes = [p.name for p in Path("/sys/devices/system/cpu/cpu0").glob("node[0-9]*")]
    return int(nodes[0][4:]) if nodes else -1


def test_control_calls(programs: dict[str, Path]) -> None:
    """Today's device calls on an SPSC queue (EOPNOTSUPP), a send with its time, the
    cluster's name and statistics, the NUMA helpers, a cluster bound to CPU 0's node
    (numa_maps) and the VM calls (tests/unit/c/zc_control_api.c), on normal pages."""
    done = _run([programs["zc_control_api"], str(cpu0_node())], timeout=60)
    assert done.stdout.splitlines()[-1] == "0 failures", done.stdout + done.stderr
    assert done.returncode == 0


def test_cluster_on_a_numa_node_hugepages(programs: dict[str, Path],
                                          hugepages: Callable[[int], None]) -> None:
    """numa_node_id on hugepages: the region's pages bound to the node, and given back."""
    hugepages(8)
    done = _run([programs["zc_control_api"], str(cpu0_node()), "huge"], timeout=60)
    assert done.stdout.splitlines()[-1] == "0 failures", done.stdout + done.stderr
    assert done.returncode == 0
    assert _meminfo("HugePages_Free") == 8


@pytest.mark.parametrize("mode", ["single", "burst"])
def test_queue_order_no_loss(programs: dict[str, Path], hugepages: Callable[[int], None],
                             mode: str) -> None:
    hugepages(8)
    done = _run([programs["zc_queue_order"], mode, str(QUEUE_PACKETS), "4096"])
    m = re.fullmatch(r"sent=(\d+) recv=(\d+) drop=(\d+) refused=(\d+) bad=(\d+) mpps=\S+\n",
                     done.stdout)
    assert m, done.stdout + done.stderr
    sent, recv, drop, refused, bad = map(int, m.groups())
    assert (sent, recv, bad) == (QUEUE_PACKETS, QUEUE_PACKETS, 0)
    assert drop == refused
    assert done.returncode == 0


def test_hugepages_given_back(programs: dict[str, Path],
                              hugepages: Callable[[int], None]) -> None:
    hugepages(16)
    before = _meminfo("HugePages_Free")
    done = _run([programs["zc_api"], "create", "3000"], timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    m = re.fullmatch(r"pages=(\d+)\ncreated free_during=(\d+)\n", done.stdout)
    assert m, done.stdout
    pages, during = map(int, m.groups())
    assert pages == 4  # 3000 buffers of 2048 + 128 bytes, plus rings, in 2 MB pages
    assert during == before - pages
    assert _meminfo("HugePages_Free") == before


def test_hugetlbfs_mountpoint(programs: dict[str, Path], hugepages: Callable[[int], None],
                              tmp_path: Path) -> None:
    """With hugepages_mountpoint the region is a file there, gone after destroy."""
    hugepages(16)
    mnt = tmp_path / "huge"
    mnt.mkdir()
    mounted = subprocess.run(["mount", "-t", "hugetlbfs", "-o", "pagesize=2M", "none",
                              str(mnt)], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount hugetlbfs: {mounted.stderr.strip()}")
    try:
        done = _run([programs["zc_api"], "create", "3000", mnt], timeout=60)
        assert done.stdout == "pages=4\ncreated free_during=12\nfile=1\n", done.stderr
        assert done.returncode == 0
        assert list(mnt.iterdir()) == []
        assert _meminfo("HugePages_Free") == 16
    finally:
        subprocess.run(["umount", str(mnt)], check=True)


def test_no_hugepages_fails_with_enomem_and_says_why(programs: dict[str, Path],
                                                     hugepages: Callable[[int], None]) -> None:
    hugepages(0)
    done = _run([programs["zc_api"], "create", "3000"], timeout=60)
    assert done.returncode == 1
    assert done.stdout == f"pages=4\nerrno={errno.ENOMEM}\n"
    assert "needs 4 hugepages of 2 MB" in done.stderr
    assert "echo 4 > /proc/sys/vm/nr_hugepages" in done.stderr
    assert "PF_RING_ZC_CLUSTER_NO_HUGEPAGES" in done.stderr


def test_no_1g_hugepages_fails_with_enomem_and_says_why(
        programs: dict[str, Path], hugepages_1g: Callable[[int], Path]) -> None:
    """On a mount of 1 GB pages with none reserved, the message counts 1 GB pages and names
    their own pool's knob (/proc/sys/vm/nr_hugepages is the 2 MB default's here)."""
    mnt = hugepages_1g(0)
    done = _run([programs["zc_api"], "create", "3000", mnt], timeout=60)
    assert done.returncode == 1
    assert done.stdout == f"pages=4\nerrno={errno.ENOMEM}\n"
    assert "needs 1 hugepages of 1 GB (0 free of 0)" in done.stderr
    assert "echo 1 > /sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages" in done.stderr
    assert list(mnt.iterdir()) == []


def test_no_hugepages_fallback_flag(programs: dict[str, Path],
                                    hugepages: Callable[[int], None]) -> None:
    hugepages(0)
    done = _run([programs["zc_api"], "create", "3000", "nohuge"], timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout == "pages=4\ncreated free_during=0\n"
    assert "WARNING" in done.stderr and "normal pages" in done.stderr

# SPDX-License-Identifier: LGPL-2.1-or-later
"""libpfring_zc's workers on the host: the builtin hashes (tests/unit/c/zc_worker_hash.c),
the balancer per hash mode and receive policy (zc_worker_balance.c), fan-out with every
buffer counted back into its pool (zc_worker_fanout.c), the fifo's timestamp order
(zc_worker_fifo.c), the contracts, shared buffers fanned out again or released, and a
kill under traffic (zc_worker_misc.c); then the same programs built from the sources with
AddressSanitizer and UBSan, and the threaded ones with ThreadSanitizer.  Every cluster
here uses normal pages (PF_RING_ZC_CLUSTER_NO_HUGEPAGES): no hugepage is reserved."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from pfring.paths import repo_root

ROOT = repo_root()
C_DIR = ROOT / "tests/unit/c"
ZC_DIR = ROOT / "userland/zc"
BALANCE_PACKETS = 200_000
FANOUT_PACKETS = 100_000
FIFO_PACKETS = 20_000


def _run(argv: list[str | Path], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in argv], capture_output=True, text=True,
                          timeout=timeout)


def _fields(line: str) -> dict[str, str]:
    return dict(kv.split("=", 1) for kv in line.split())


def test_workers_exported(installed: Path) -> None:
    so = installed / "lib/libpfring_zc.so.8.8.0"
    out = subprocess.run(["nm", "-D", "--defined-only", str(so)], check=True,
                         capture_output=True, text=True).stdout
    names = {line.split()[-1].split("@")[0] for line in out.splitlines() if line.strip()}
    for wanted in ("pfring_zc_create_multi_queue", "pfring_zc_send_pkt_multi",
                   "pfring_zc_run_balancer", "pfring_zc_run_balancer_v2",
                   "pfring_zc_run_fanout", "pfring_zc_run_fanout_v2", "pfring_zc_run_fanout_v3",
                   "pfring_zc_send_pkt_multi_v3", "pfring_zc_run_fifo",
                   "pfring_zc_kill_worker", "pfring_zc_builtin_ip_hash",
                   "pfring_zc_builtin_5tuple_hash", "pfring_zc_builtin_gtp_hash",
                   "pfring_zc_builtin_gre_hash"):
        assert wanted in names, wanted
    assert sorted(n for n in names if n.startswith("zc_")) == []


def test_builtin_hashes(programs: dict[str, Path]) -> None:
    done = _run([programs["zc_worker_hash"]], timeout=60)
    assert done.stdout.splitlines()[-1] == "0 failures", done.stdout
    assert done.returncode == 0


@pytest.mark.parametrize("policy", ["single", "burst"])
@pytest.mark.parametrize("mode", ["default", "ip", "5tuple", "gtp", "gre", "user"])
def test_balancer(programs: dict[str, Path], mode: str, policy: str) -> None:
    """3 egress queues; every packet once, on the queue its hash says, flows unsplit."""
    done = _run([programs["zc_worker_balance"], mode, policy, "3", str(BALANCE_PACKETS)])
    assert done.returncode == 0, done.stdout + done.stderr
    f = {k: int(v) for k, v in _fields(done.stdout).items()}
    if mode == "user":
        # the filter drops seq % 7 == 0, the distribution seq % 10 == 3
        assert f["expected"] == sum(1 for s in range(BALANCE_PACKETS)
                                    if s % 7 and s % 10 != 3)
    else:
        assert f["expected"] == BALANCE_PACKETS
    assert (f["recv"], f["dup"], f["missing"], f["bad"]) == (f["expected"], 0, 0, 0)
    assert f["wrong_queue"] == 0
    assert f["drops"] == 0
    assert f["queues_used"] == 3
    assert f["wsp_back"] == 8
    if mode == "user":
        assert f["split_flows"] > 0  # seq % 3 ignores flows: a check that can fail
        return
    assert f["split_flows"] == 0  # both directions of every flow together
    if mode in ("default", "ip", "gre"):
        assert f["split_pairs"] == 0  # addresses only: all port pairs of two hosts together
    else:
        assert f["split_pairs"] > 32  # ports count: host pairs are spread


@pytest.mark.parametrize("mode", ["all", "mask", "forward"])
def test_fanout(programs: dict[str, Path], mode: str) -> None:
    done = _run([programs["zc_worker_fanout"], mode, "3", str(FANOUT_PACKETS)])
    assert done.returncode == 0, done.stdout + done.stderr
    f = _fields(done.stdout)
    recv = [int(x) for x in f["recv"].split(",")]
    expected = [int(x) for x in f["expected"].split(",")]
    assert recv == expected
    if mode == "mask":
        assert all(FANOUT_PACKETS // 3 < e < FANOUT_PACKETS * 2 // 3 for e in expected)
    else:
        assert expected == [FANOUT_PACKETS] * 3
    assert int(f["bad"]) == 0
    assert int(f["drops"]) == 0
    if mode == "forward":
        assert int(f["copied"]) > 0
    else:
        assert int(f["copied"]) == 0
    # every buffer back where it belongs, none twice
    assert f["wsp"] == "8/8"
    assert f["src"] == "64/64"
    got, want = f["cluster"].split("/")
    assert got == want
    assert f["distinct"] == "1"


@pytest.mark.parametrize("mode", ["queue", "func"])
def test_fifo_order(programs: dict[str, Path], mode: str) -> None:
    done = _run([programs["zc_worker_fifo"], mode, "3", str(FIFO_PACKETS)], timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    m = re.fullmatch(r"got=(\d+) in_order=(\d+) dup=(\d+) bad=(\d+) wsp=(\d+)/(\d+)\n",
                     done.stdout)
    assert m, done.stdout
    got, in_order, dup, bad, wsp, wsp_len = map(int, m.groups())
    assert (got, in_order, dup, bad) == (FIFO_PACKETS, FIFO_PACKETS, 0, 0)
    assert wsp == wsp_len == 3 * 32


def test_worker_contracts_and_kill(programs: dict[str, Path]) -> None:
    done = _run([programs["zc_worker_misc"]], timeout=120)
    assert done.stdout.splitlines()[-1] == "0 failures", done.stdout
    assert done.returncode == 0


def _sanitized_build(installed: Path, out: Path, sanitizer: str,
                     names: tuple[str, ...]) -> dict[str, Path]:
    """The library's sources and the named programs built with -fsanitize=sanitizer
    (skipped when the compiler has no runtime for it); libpfring (which the devices use)
    from the installed static library, as it is."""
    if shutil.which("cc") is None:
        pytest.skip("no C compiler")
    flags = ["-O1", "-g", f"-fsanitize={sanitizer}", "-fno-sanitize-recover=all",
             "-std=gnu11", "-Wall", "-Wextra", f"-I{ZC_DIR}", f"-I{installed / 'include'}"]
    probe = subprocess.run(["cc", *flags, "-x", "c", "-", "-o", str(out / "probe")],
                           input="int main(void) { return 0; }\n", capture_output=True,
                           text=True)
    if probe.returncode != 0:
        pytest.skip(f"no {sanitizer} sanitizer runtime: {probe.stderr.strip()}")
    objs = []
    for src in sorted(ZC_DIR.glob("zc_*.c")):
        obj = out / f"{src.stem}.o"
        # no -Werror here: GCC warns that TSan does not model atomic_thread_fence
        built = subprocess.run(["cc", *flags, "-D_GNU_SOURCE", "-c", str(src), "-o", str(obj)],
                               capture_output=True, text=True)
        assert built.returncode == 0, built.stderr
        objs.append(str(obj))
    exes = {}
    for name in names:
        exe = out / name
        built = subprocess.run(["cc", *flags, "-Werror", str(C_DIR / f"{name}.c"), *objs,
                                str(installed / "lib/libpfring.a"), "-lpthread", "-o", str(exe)],
                               capture_output=True, text=True)
        assert built.returncode == 0, built.stderr
        exes[name] = exe
    return exes


@pytest.fixture(scope="module")
def sanitized(installed: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The library and the worker programs with AddressSanitizer and UBSan."""
    return _sanitized_build(installed, tmp_path_factory.mktemp("zc_worker_asan"),
                            "address,undefined",
                            ("zc_worker_hash", "zc_worker_fanout", "zc_worker_balance",
                             "zc_worker_misc"))


@pytest.fixture(scope="module")
def tsan(installed: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The library and the threaded worker programs with ThreadSanitizer."""
    return _sanitized_build(installed, tmp_path_factory.mktemp("zc_worker_tsan"), "thread",
                            ("zc_worker_fanout", "zc_worker_balance"))


def _check_sanitized(done: subprocess.CompletedProcess[str], argv: list[str]) -> None:
    assert "Sanitizer" not in done.stderr and "runtime error" not in done.stderr, done.stderr
    assert done.returncode == 0, done.stdout + done.stderr
    if argv[0] in ("zc_worker_hash", "zc_worker_misc"):
        assert done.stdout.splitlines()[-1] == "0 failures", done.stdout
    elif argv[0] == "zc_worker_fanout":
        f = _fields(done.stdout)
        assert f["recv"] == f["expected"] and f["bad"] == "0" and f["distinct"] == "1"
    else:
        f = _fields(done.stdout)
        assert f["recv"] == f["expected"] and f["missing"] == "0" and f["split_flows"] == "0"


@pytest.mark.parametrize("argv", [["zc_worker_fanout", "mask", "3", "20000"],
                                  ["zc_worker_fanout", "forward", "3", "20000"],
                                  ["zc_worker_balance", "gtp", "burst", "2", "20000"]])
def test_thread_sanitizer(tsan: dict[str, Path], argv: list[str]) -> None:
    """No data race between producer, worker and consumers (the slots, the buffers and
    their reference counts are ordered by the queues' release/acquire pairs)."""
    _check_sanitized(_run([tsan[argv[0]], *argv[1:]], timeout=300), argv)


@pytest.mark.parametrize("argv", [["zc_worker_hash"], ["zc_worker_misc"],
                                  ["zc_worker_fanout", "mask", "3", "30000"],
                                  ["zc_worker_fanout", "forward", "2", "30000"],
                                  ["zc_worker_balance", "gtp", "burst", "2", "30000"]])
def test_sanitizers(sanitized: dict[str, Path], argv: list[str]) -> None:
    _check_sanitized(_run([sanitized[argv[0]], *argv[1:]], timeout=300), argv)

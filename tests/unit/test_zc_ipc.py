# SPDX-License-Identifier: LGPL-2.1-or-later
"""libpfring_zc IPC on the host: a producer process creates a cluster with queue/pool
pairs, consumer processes attach to them by cluster id (tests/unit/c/zc_ipc_peer.c).
Every packet arrives exactly once and in order per queue; a consumer killed with -9 stops
neither the producer nor the other consumers, and its queue is attachable again; a process
killed holding the cluster lock does not block the others; bad input gives its errno;
hugepages come back once every process has left, also when the creator was killed.
Hugepage tests reserve pages (root): run them under flock /tmp/pfring-hugepages.lock."""

from __future__ import annotations

import errno
import os
import queue
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

SHM = Path("/dev/shm")
# ids of this run's clusters: apart from another run's and from test_zc.py's small ones
ID_BASE = 100_000 + (os.getpid() % 100_000) * 10


def cluster_file_name(cluster_id: int) -> str:
    return f"pfring_zc_cluster_{cluster_id}"


def hugetlbfs_mounts() -> list[Path]:
    out = []
    for line in Path("/proc/mounts").read_text().splitlines():
        fields = line.split()
        if fields[2] == "hugetlbfs":
            out.append(Path(fields[1]))
    return out


def cluster_files(cluster_id: int) -> list[Path]:
    """Where the cluster's file is now (hugetlbfs mounts and /dev/shm)."""
    name = cluster_file_name(cluster_id)
    return [d / name for d in [*hugetlbfs_mounts(), SHM] if (d / name).exists()]


class Peer:
    """A zc_ipc_peer process: lines of its stdout as they come, lines to its stdin."""

    def __init__(self, argv: list[str | Path]) -> None:
        self.argv = [str(a) for a in argv]
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, bufsize=1)
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def expect(self, prefix: str, timeout: float = 60) -> str:
        """The next line that starts with prefix."""
        end = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.01, end - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"{self.argv}: no {prefix!r} in {timeout} s, "
                                     f"saw {self.seen}") from None
            if line is None:
                raise AssertionError(f"{self.argv}: ended without {prefix!r}, saw "
                                     f"{self.seen}; stderr {self.stderr()}")
            self.seen.append(line)
            if line.startswith(prefix):
                return line

    def say(self, line: str = "go") -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill9(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def wait(self, timeout: float = 60) -> int:
        return self.proc.wait(timeout=timeout)

    def stderr(self) -> str:
        if self.alive() or self.proc.stderr is None:
            return ""
        return self.proc.stderr.read()

    def close(self) -> None:
        if self.alive():
            self.proc.kill()
        self.proc.wait(timeout=10)


@pytest.fixture
def peers() -> Iterator[Callable[..., Peer]]:
    """start(*argv): a Peer, killed at the end of the test if still running."""
    started: list[Peer] = []

    def start(*argv: str | Path | int) -> Peer:
        p = Peer([str(a) for a in argv])
        started.append(p)
        return p

    yield start
    for p in started:
        p.close()


def producer_stats(p: Peer, nq: int) -> list[dict[str, int]]:
    """The producer's per-queue lines after it sent its end markers."""
    out = []
    for q in range(nq):
        line = p.expect(f"q={q} ")
        out.append({k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)})
    p.expect("done")
    return out


def consumer_result(p: Peer, timeout: float = 60) -> dict[str, int]:
    line = p.expect("got=", timeout)
    assert p.wait() == 0, p.stderr()
    return {k: int(v) for k, v in re.findall(r"(\w+)=(-?\d+)", line)}


def queue_stats(peer: Path, cluster_id: int, nq: int) -> list[dict[str, int]]:
    done = subprocess.run([str(peer), "stats", str(cluster_id), str(nq)], capture_output=True,
                          text=True, timeout=30)
    assert done.returncode == 0, done.stdout + done.stderr
    return [{k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}
            for line in done.stdout.splitlines()]


def assert_all_received(got: dict[str, int], sent: int) -> None:
    """Exactly packets 0..sent-1 of the queue, in order, intact, then the end marker."""
    assert got == {"got": sent, "first": 0, "last": sent - 1, "g2": 0, "gaps": 0, "bad": 0,
                   "end": 1}


@pytest.mark.parametrize("nq", [1, 3])
def test_producer_and_consumers_every_packet_once_in_order(
        programs: dict[str, Path], peers: Callable[..., Peer], nq: int) -> None:
    peer = programs["zc_ipc_peer"]
    cid = ID_BASE + nq
    n = 300_000 * nq
    prod = peers(peer, "producer", cid, nq, 1024, n, "block", "nohuge")
    prod.expect("ready")
    assert cluster_files(cid) == [SHM / cluster_file_name(cid)]
    # queue 0 by single packets, the others by bursts
    cons = [peers(peer, "consumer", cid, q, *(["burst"] if q else [])) for q in range(nq)]
    for c in cons:
        c.expect("ready")
    stats = producer_stats(prod, nq)
    for q, c in enumerate(cons):
        assert stats[q]["sent"] == n // nq
        assert stats[q]["stat_sent"] == n // nq + 1  # and the end marker
        assert_all_received(consumer_result(c), n // nq)
    prod.say("exit")
    prod.expect("destroyed")
    assert prod.wait() == 0
    assert cluster_files(cid) == []


def test_consumer_killed_producer_and_others_go_on(
        programs: dict[str, Path], peers: Callable[..., Peer]) -> None:
    """kill -9 of consumer 1 while the producer sends to 3 queues: consumers 0 and 2 get
    everything the producer enqueued for them; queue 1 fills and its drops grow; a new
    consumer attaches queue 1 (the dead one's side is free) and receives again, in order
    from where the queue stood."""
    peer = programs["zc_ipc_peer"]
    cid = ID_BASE + 4
    prod = peers(peer, "producer", cid, 3, 1024, 0, "drop", "nohuge")
    prod.expect("ready")
    # consumer 1 (killed) by single packets: killed inside a receive, it leaves the packet
    # it took to the next consumer (pfring_zc.h)
    cons = [peers(peer, "consumer", cid, q, *(["burst"] if q == 2 else [])) for q in range(3)]
    for c in cons:
        c.expect("ready")
    time.sleep(0.5)
    assert cons[1].alive()
    before_kill = queue_stats(peer, cid, 3)
    assert before_kill[1]["recv"] > 0
    cons[1].kill9()
    time.sleep(0.3)
    dead_1 = queue_stats(peer, cid, 3)
    time.sleep(0.5)
    dead_2 = queue_stats(peer, cid, 3)
    # consumer 1 is gone: its queue is full and every try for it is a drop ...
    assert dead_2[1]["recv"] == dead_1[1]["recv"]
    assert dead_2[1]["sent"] - dead_2[1]["recv"] == 1024
    assert dead_2[1]["drop"] > dead_1[1]["drop"]
    # ... while the producer goes on feeding the others
    for q in (0, 2):
        assert dead_2[q]["recv"] > dead_1[q]["recv"] > before_kill[q]["recv"]
    again = peers(peer, "consumer", cid, 1, "burst")
    again.expect("ready")
    time.sleep(0.5)
    prod.say("stop")
    stats = producer_stats(prod, 3)
    for q in (0, 2):
        assert_all_received(consumer_result(cons[q]), stats[q]["sent"])
    got = consumer_result(again)
    # from where the dead consumer left the queue to the last packet sent, in order
    assert (got["end"], got["gaps"], got["g2"], got["bad"], got["last"]) == \
        (1, 0, 0, 0, stats[1]["sent"] - 1)
    assert got["got"] >= 1024
    assert got["got"] == got["last"] - got["first"] + 1
    assert stats[1]["stat_drop"] >= stats[1]["drop"] > 0
    for q in range(3):
        assert stats[q]["stat_sent"] == stats[q]["sent"] + 1
    prod.say("exit")
    prod.expect("destroyed")
    assert cluster_files(cid) == []


def test_consumer_killed_inside_an_exchange(programs: dict[str, Path],
                                            peers: Callable[..., Peer]) -> None:
    """What pfring_zc.h says of a consumer killed after it took a packet (its own buffer
    given back in the free ring) and before it published the packet as taken: the next
    consumer receives that packet again, then every later one in order; none is lost."""
    peer = programs["zc_ipc_peer"]
    cid = ID_BASE + 12
    n, k = 20_000, 5_000
    prod = peers(peer, "producer", cid, 1, 256, n, "block", "nohuge")
    prod.expect("ready")
    dying = peers(peer, "consumer", cid, 0, f"die={k}")
    dying.expect("dying")
    assert dying.wait() == -signal.SIGKILL
    again = peers(peer, "consumer", cid, 0)
    again.expect("ready")
    got = consumer_result(again)
    assert got == {"got": n - k, "first": k, "last": n - 1, "g2": 0, "gaps": 0, "bad": 0,
                   "end": 1}
    producer_stats(prod, 1)
    prod.say("exit")
    prod.expect("destroyed")


def test_process_killed_holding_the_lock(programs: dict[str, Path],
                                         peers: Callable[..., Peer]) -> None:
    """A process dies with the cluster lock held: attach (which locks) and the creator's
    destroy (which locks) still complete."""
    peer = programs["zc_ipc_peer"]
    cid = ID_BASE + 5
    prod = peers(peer, "producer", cid, 1, 256, 50_000, "block", "nohuge")
    prod.expect("ready")
    dying = peers(peer, "lockdie", cid)
    dying.expect("locked")
    assert dying.wait(timeout=10) == -signal.SIGKILL
    cons = peers(peer, "consumer", cid, 0)
    cons.expect("ready", timeout=10)
    stats = producer_stats(prod, 1)
    assert_all_received(consumer_result(cons), 50_000)
    assert stats[0]["sent"] == 50_000
    prod.say("exit")
    prod.expect("destroyed", timeout=10)
    assert prod.wait(timeout=10) == 0


def test_bad_input(programs: dict[str, Path], peers: Callable[..., Peer]) -> None:
    peer = programs["zc_ipc_peer"]
    cid = ID_BASE + 6
    prod = peers(peer, "producer", cid, 2, 256, 0, "drop", "nohuge")
    prod.expect("ready")
    cons = peers(peer, "consumer", cid, 0)
    cons.expect("ready")
    done = subprocess.run([str(peer), "errors", str(cid), "2"], capture_output=True, text=True,
                          timeout=30)
    assert done.stdout.splitlines()[-1] == "0 failures", done.stdout + done.stderr
    assert done.returncode == 0
    # queue 1, attached and detached by the checks, is attachable and drains
    cons1 = peers(peer, "consumer", cid, 1)
    cons1.expect("ready")
    prod.say("stop")
    stats = producer_stats(prod, 2)
    assert_all_received(consumer_result(cons), stats[0]["sent"])
    got = consumer_result(cons1)
    assert (got["end"], got["last"], got["gaps"], got["g2"]) == (1, stats[1]["sent"] - 1, 0, 0)
    prod.say("exit")
    prod.expect("destroyed")


def test_attach_after_creator_destroyed_is_enoent(programs: dict[str, Path],
                                                  peers: Callable[..., Peer]) -> None:
    peer = programs["zc_ipc_peer"]
    cid = ID_BASE + 7
    prod = peers(peer, "producer", cid, 1, 256, 0, "block", "nohuge")
    prod.expect("done")
    prod.say("exit")
    prod.expect("destroyed")
    cons = peers(peer, "consumer", cid, 0)
    assert cons.expect("attach") == f"attach pool errno={errno.ENOENT}"
    assert cons.wait() == 1


def test_creator_killed_new_create_cleans_up_nohuge(programs: dict[str, Path],
                                                    peers: Callable[..., Peer]) -> None:
    """The file of a creator killed with -9 stays until the id is used again."""
    peer = programs["zc_ipc_peer"]
    cid = ID_BASE + 8
    first = peers(peer, "producer", cid, 1, 256, 0, "drop", "nohuge")
    first.expect("ready")
    first.kill9()
    assert cluster_files(cid) == [SHM / cluster_file_name(cid)]
    second = peers(peer, "producer", cid, 1, 256, 10, "block", "nohuge")
    second.expect("ready")
    second.expect("done")
    second.say("exit")
    second.expect("destroyed")
    assert cluster_files(cid) == []


# ---- hugepages: given back when every process has left --------------------------------------

def test_hugepages_back_after_all_leave(programs: dict[str, Path], peers: Callable[..., Peer],
                                        hugepages: Callable[[int], None],
                                        meminfo: Callable[[str], int]) -> None:
    """The creator destroys first while a consumer is still attached: the pages come back
    only when that consumer has left too."""
    hugepages(16)
    before = meminfo("HugePages_Free")
    peer = programs["zc_ipc_peer"]
    cid = ID_BASE + 9
    prod = peers(peer, "producer", cid, 2, 1024, 0, "drop")
    prod.expect("ready")
    files = cluster_files(cid)
    assert len(files) == 1 and files[0].parent in hugetlbfs_mounts()
    during = meminfo("HugePages_Free")
    assert during < before
    fast = peers(peer, "consumer", cid, 0)
    slow = peers(peer, "consumer", cid, 1, "hold")  # leaves when told
    fast.expect("ready")
    slow.expect("ready")
    time.sleep(0.3)
    prod.say("stop")
    stats = producer_stats(prod, 2)
    assert_all_received(consumer_result(fast), stats[0]["sent"])
    prod.say("exit")
    prod.expect("destroyed")
    assert prod.wait() == 0
    assert cluster_files(cid) == []
    line = slow.expect("got=")
    assert line.startswith(f"got={stats[1]['sent']} first=0 ")
    assert slow.alive()
    assert meminfo("HugePages_Free") == during  # still mapped by the slow consumer
    slow.say("leave")
    assert slow.wait() == 0
    assert meminfo("HugePages_Free") == before


def test_hugepages_back_after_creator_killed(programs: dict[str, Path],
                                             peers: Callable[..., Peer],
                                             hugepages: Callable[[int], None],
                                             meminfo: Callable[[str], int]) -> None:
    """The creator killed with -9: the consumer still attached finds it dead when it
    leaves, removes the file, and the pages come back."""
    hugepages(16)
    before = meminfo("HugePages_Free")
    peer = programs["zc_ipc_peer"]
    cid = ID_BASE + 10
    prod = peers(peer, "producer", cid, 1, 1024, 0, "drop")
    prod.expect("ready")
    cons = peers(peer, "consumer", cid, 0, "idle")
    cons.expect("ready")
    time.sleep(0.3)
    prod.kill9()
    assert len(cluster_files(cid)) == 1
    assert meminfo("HugePages_Free") < before
    got = consumer_result(cons)
    assert (got["end"], got["gaps"], got["bad"], got["first"]) == (0, 0, 0, 0)
    assert got["got"] > 0
    assert cluster_files(cid) == []
    assert meminfo("HugePages_Free") == before


def test_hugepages_back_after_creator_killed_and_recreated(
        programs: dict[str, Path], peers: Callable[..., Peer],
        hugepages: Callable[[int], None], meminfo: Callable[[str], int]) -> None:
    """The creator killed with -9 and nobody attached: its pages stay taken (the file is
    there) until a new create of the same id removes the stale file."""
    hugepages(16)
    before = meminfo("HugePages_Free")
    peer = programs["zc_ipc_peer"]
    cid = ID_BASE + 11
    first = peers(peer, "producer", cid, 1, 1024, 0, "drop")
    first.expect("ready")
    taken = before - meminfo("HugePages_Free")
    assert taken > 0
    first.kill9()
    assert len(cluster_files(cid)) == 1
    assert meminfo("HugePages_Free") == before - taken
    second = peers(peer, "producer", cid, 1, 1024, 10, "block")
    second.expect("ready")
    assert meminfo("HugePages_Free") == before - taken  # the old pages gone, new ones taken
    second.expect("done")
    second.say("exit")
    second.expect("destroyed")
    assert second.wait() == 0
    assert cluster_files(cid) == []
    assert meminfo("HugePages_Free") == before


# ---- where the file goes when no hugetlbfs is mounted ----------------------------------------

def _in_new_mount_namespace(script: str) -> subprocess.CompletedProcess[str]:
    """script run by sh in a mount namespace of its own with every hugetlbfs unmounted
    (the host's mounts are left as they are)."""
    if os.geteuid() != 0 or shutil.which("unshare") is None or shutil.which("setpriv") is None:
        pytest.skip("needs root, unshare and setpriv")
    return subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c",
                           f"umount -a -t hugetlbfs && {script}"],
                          capture_output=True, text=True, timeout=60)


def test_no_hugetlbfs_and_not_root_says_how(programs: dict[str, Path]) -> None:
    with tempfile.TemporaryDirectory(dir="/tmp") as d:
        exe = Path(d) / "zc_api"
        shutil.copy(programs["zc_api"], exe)
        os.chmod(d, 0o755)
        done = _in_new_mount_namespace(
            f"setpriv --reuid=65534 --regid=65534 --clear-groups {exe} create 3000")
    assert done.stdout == f"pages=4\nerrno={errno.ENODEV}\n", done.stderr
    assert "no hugetlbfs mount for 2 MB pages" in done.stderr
    assert "mount -t hugetlbfs -o pagesize=2M none /dev/hugepages" in done.stderr


def test_no_hugetlbfs_root_mounts_one(programs: dict[str, Path],
                                      hugepages: Callable[[int], None],
                                      meminfo: Callable[[str], int]) -> None:
    hugepages(8)
    done = _in_new_mount_namespace(
        f"{programs['zc_api']} create 3000 && grep hugetlbfs /proc/mounts")
    lines = done.stdout.splitlines()
    assert lines[:2] == ["pages=4", "created free_during=4"], done.stdout + done.stderr
    assert lines[2].startswith("pfring_zc /run/pfring_zc/hugepages-2M hugetlbfs ")
    assert "pagesize=2M" in lines[2]
    assert meminfo("HugePages_Free") == 8

# SPDX-License-Identifier: LGPL-2.1-or-later
"""libpfring's "zc:<cluster id>@<queue id>" rings on the host: programs of the pfring_* API
(tests/unit/c/ring_zc_ipc.c, linked with the installed libpfring.so as Suricata or
daq_pfring are; pfcount, linked with libpfring.a) read the ZC queues of another process
(tests/unit/c/zc_ipc_peer.c's producer, or zbalance_ipc fed by a pfring.zc producer).
Checked: every packet once, in order, byte for byte, with its length and timestamps, in
zero-copy mode (the pointers lie in the cluster's mapping), copy mode (cut to the buffer),
bursts and pfring_loop(); BPF run by the library; two rings in one process; pfring_stats()
equal to the queue's counters; a blocked receive broken by pfring_breakloop() from a thread
and from a signal handler, pfring_poll() timing out; close and a re-open by another process
resuming where the first stopped; bad names and the calls such a ring refuses, with their
errno; a libpfring_zc that cannot be loaded (ENOPKG and a message). Clusters are made
without hugepages, except zbalance_ipc's (root; run under flock /tmp/pfring-hugepages.lock)."""

from __future__ import annotations

import errno
import os
import re
import signal
import struct
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest

from pfring.paths import repo_root

CFLAGS = ["-Wall", "-Wextra", "-Werror", "-O2"]


def cluster_id(k: int) -> int:
    """An id of this session (conftest.py sets ZC_TEST_ID_BASE), apart from test_zc.py's."""
    return int(os.environ["ZC_TEST_ID_BASE"]) + 800 + k


@pytest.fixture(scope="session")
def libdir(installed: Path) -> Path:
    return installed / "lib"


@pytest.fixture(scope="session")
def ring_prog(installed: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """ring_zc_ipc.c linked with the installed shared libpfring (no libpfring_zc: it is
    loaded by libpfring when a zc: ring is opened)."""
    exe = tmp_path_factory.mktemp("ring_zc_ipc") / "ring_zc_ipc"
    done = subprocess.run(
        ["cc", *CFLAGS, f"-I{installed / 'include'}",
         str(repo_root() / "tests/unit/c/ring_zc_ipc.c"), "-o", str(exe),
         f"-L{installed / 'lib'}", "-lpfring", "-lpthread"],
        capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    needed = subprocess.run(["readelf", "-d", str(exe)], capture_output=True, text=True).stdout
    assert "libpfring.so.8" in needed and "libpfring_zc" not in needed
    return exe


class Proc:
    """A program in the background: lines of its stdout on demand, lines to its stdin."""

    def __init__(self, argv: list[str | Path], env: dict[str, str]) -> None:
        self.argv = [str(a) for a in argv]
        self.p = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, bufsize=1,
                                  env={**os.environ, **env})
        self.seen: list[str] = []

    def expect(self, prefix: str) -> str:
        """The next line that starts with prefix (the programs flush every line; a stuck
        one is ended by the alarm it sets, or by the test's end)."""
        assert self.p.stdout is not None
        for line in self.p.stdout:
            self.seen.append(line.rstrip("\n"))
            if line.startswith(prefix):
                return line.rstrip("\n")
        raise AssertionError(f"{self.argv}: no {prefix!r}; saw {self.seen}; "
                             f"stderr {self.stderr()}")

    def say(self, line: str = "go") -> None:
        assert self.p.stdin is not None
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()

    def wait(self, timeout: float = 60) -> int:
        return self.p.wait(timeout=timeout)

    def stderr(self) -> str:
        if self.p.poll() is None or self.p.stderr is None:
            return ""
        return self.p.stderr.read()

    def stop(self) -> None:
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()


@pytest.fixture
def start(libdir: Path) -> Iterator[Callable[..., Proc]]:
    """start(*argv, env=...): a Proc that finds the installed libraries (libpfring_zc.so.8
    too, through LD_LIBRARY_PATH); stopped at the end of the test if still running."""
    started: list[Proc] = []

    def run(*argv: str | Path | int, env: dict[str, str] | None = None) -> Proc:
        p = Proc([str(a) for a in argv], {"LD_LIBRARY_PATH": str(libdir), **(env or {})})
        started.append(p)
        return p

    yield run
    for p in reversed(started):
        p.stop()


def fields(line: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r"(\w+)=(-?\d+)", line)}


def producer(start: Callable[..., Proc], peer: Path, cid: int, nq: int, n: int,
             how: str = "block", qlen: int = 1024) -> Proc:
    prod = start(peer, "producer", cid, nq, qlen, n, how, "nohuge")
    prod.expect("ready")
    return prod


def producer_done(prod: Proc, nq: int) -> list[dict[str, int]]:
    """The producer's per-queue counters once it sent its end markers; then it exits."""
    out = [fields(prod.expect(f"q={q} ")) for q in range(nq)]
    prod.expect("done")
    prod.say("exit")
    prod.expect("destroyed")
    assert prod.wait() == 0
    return out


def consumer_result(c: Proc) -> tuple[dict[str, int], dict[str, int]]:
    """The result line and the pfring_stats() line of a ring_zc_ipc recv/two ring."""
    return fields(c.expect("got=")), fields(c.expect("recv="))


N = 100_000


@pytest.mark.parametrize(("mode", "caplen"), [("zc", 1536), ("copy", 1536), ("burst", 1536),
                                              ("loop", 1536), ("zc", 100)])
def test_every_packet_once_in_order(programs: dict[str, Path], ring_prog: Path,
                                    start: Callable[..., Proc], mode: str, caplen: int) -> None:
    """Every packet of the queue once, in order, bytes, len, caplen (the ring's caplen, or
    the copy's 128 bytes) and timestamps as the producer made them; zero copy: each
    pointer in the cluster's mapping; the ring's stats are the queue's counters."""
    cid = cluster_id(["zc", "copy", "burst", "loop"].index(mode) + (10 if caplen == 100 else 0))
    prod = producer(start, programs["zc_ipc_peer"], cid, 1, N)
    ring = start(ring_prog, "recv", f"zc:{cid}@0", mode, caplen)
    got, stats = consumer_result(ring)
    assert ring.wait() == 0, ring.stderr()
    (q,) = producer_done(prod, 1)
    assert got == {"got": N, "first": 0, "last": N - 1, "gaps": 0, "bad": 0, "end": 1,
                   "zc": 0 if mode == "copy" else N}
    assert q["sent"] == N
    # recv: what the consumer took (the end marker too); drop: the producer's refusals
    assert stats == {"recv": N + 1, "drop": q["stat_drop"]}


@pytest.mark.parametrize("flag", ["reentrant", "long"])
def test_open_flags(programs: dict[str, Path], ring_prog: Path, start: Callable[..., Proc],
                    flag: str) -> None:
    """PF_RING_REENTRANT: zero-copy receives become copies in the thread's buffer (no
    pointer in the cluster); PF_RING_LONG_HEADER: parsed_pkt filled (MAC addresses)."""
    cid = cluster_id(45 + (flag == "long"))
    prod = producer(start, programs["zc_ipc_peer"], cid, 1, N)
    ring = start(ring_prog, "recv", f"zc:{cid}@0", "zc", 1536, flag)
    got, stats = consumer_result(ring)
    assert ring.wait() == 0, ring.stderr()
    producer_done(prod, 1)
    assert got == {"got": N, "first": 0, "last": N - 1, "gaps": 0, "bad": 0, "end": 1,
                   "zc": 0 if flag == "reentrant" else N}
    assert stats["recv"] == N + 1


@pytest.mark.parametrize("mode", ["zc", "burst"])
def test_bpf_in_user_space(programs: dict[str, Path], ring_prog: Path,
                           start: Callable[..., Proc], mode: str) -> None:
    """pfring_set_bpf_filter() on such a ring: the library runs the program on each
    packet (no kernel to do it). Packet k's first byte is k's lowest: the filter lets the
    even ones and the end marker through."""
    cid = cluster_id(40 + (mode == "burst"))
    prod = producer(start, programs["zc_ipc_peer"], cid, 1, N)
    ring = start(ring_prog, "recv", f"zc:{cid}@0", mode, 1536,
                 "bpf=ether[0] & 1 = 0 or ether[0:4] = 0xffffffff", "step=2")
    got, stats = consumer_result(ring)
    assert ring.wait() == 0, ring.stderr()
    (q,) = producer_done(prod, 1)
    assert got == {"got": N // 2, "first": 0, "last": N - 2, "gaps": 0, "bad": 0, "end": 1,
                   "zc": N // 2}
    assert stats == {"recv": N + 1, "drop": q["stat_drop"]}  # taken from the queue: all


def test_two_rings_in_one_process(programs: dict[str, Path], ring_prog: Path,
                                  start: Callable[..., Proc]) -> None:
    cid = cluster_id(20)
    prod = producer(start, programs["zc_ipc_peer"], cid, 2, N)
    ring = start(ring_prog, "two", cid)
    results = [consumer_result(ring), consumer_result(ring)]
    assert ring.wait() == 0, ring.stderr()
    qs = producer_done(prod, 2)
    for (got, stats), q in zip(results, qs, strict=True):
        assert got == {"got": N // 2, "first": 0, "last": N // 2 - 1, "gaps": 0, "bad": 0,
                       "end": 1, "zc": N // 2}
        assert stats == {"recv": N // 2 + 1, "drop": q["stat_drop"]}


def test_drops_are_the_queue_drops(programs: dict[str, Path], ring_prog: Path,
                                   start: Callable[..., Proc]) -> None:
    """The producer does not wait for a full queue (a balancer's way): what it could not
    enqueue is the ring's drop count, what it enqueued arrives complete and in order."""
    cid = cluster_id(21)
    prod = producer(start, programs["zc_ipc_peer"], cid, 1, 0, how="drop", qlen=256)
    ring = start(ring_prog, "recv", f"zc:{cid}@0", "zc", 1536)
    ring.expect("ready")
    time.sleep(1)
    prod.say("stop")
    got, stats = consumer_result(ring)
    assert ring.wait() == 0, ring.stderr()
    (q,) = producer_done(prod, 1)
    assert q["drop"] > 0
    assert got == {"got": q["sent"], "first": 0, "last": q["sent"] - 1, "gaps": 0, "bad": 0,
                   "end": 1, "zc": q["sent"]}
    assert stats == {"recv": q["stat_sent"], "drop": q["stat_drop"]}


def test_close_then_reopen_by_another_process_resumes(programs: dict[str, Path],
                                                      ring_prog: Path, libdir: Path,
                                                      start: Callable[..., Proc]) -> None:
    """A ring that received 5000 packets closes; another process opens the same queue and
    receives from packet 5000 on, to the last, with nothing lost or repeated."""
    cid = cluster_id(22)
    n, k = 20_000, 5_000
    prod = producer(start, programs["zc_ipc_peer"], cid, 1, n)
    first = start(ring_prog, "recv", f"zc:{cid}@0", "zc", 1536, f"max={k}", "hold")
    got1, _ = consumer_result(first)
    # still open: the queue is taken, also for another process
    busy = subprocess.run([str(ring_prog), "open", f"zc:{cid}@0"], capture_output=True,
                          text=True, timeout=30, env={**os.environ, "LD_LIBRARY_PATH": str(libdir)})
    assert busy.stdout == f"errno={errno.EBUSY}\n"
    first.say("close")
    assert first.wait() == 0, first.stderr()
    second = start(ring_prog, "recv", f"zc:{cid}@0", "copy", 1536)
    got2, stats2 = consumer_result(second)
    assert second.wait() == 0, second.stderr()
    producer_done(prod, 1)
    assert got1 == {"got": k, "first": 0, "last": k - 1, "gaps": 0, "bad": 0, "end": 0,
                    "zc": k}
    assert got2 == {"got": n - k, "first": k, "last": n - 1, "gaps": 0, "bad": 0, "end": 1,
                    "zc": 0}
    assert stats2["recv"] == n + 1  # the queue's count: both consumers'


def test_blocking_receive_breakloop_and_poll(programs: dict[str, Path], ring_prog: Path,
                                             start: Callable[..., Proc]) -> None:
    cid = cluster_id(23)
    prod = producer(start, programs["zc_ipc_peer"], cid, 1, 0)
    prod.expect("done")
    block = start(ring_prog, "block", f"zc:{cid}@0")
    block.expect("0 failures")
    assert block.wait() == 0
    prod.say("exit")
    prod.expect("destroyed")


def test_bad_names_and_refused_calls(programs: dict[str, Path], ring_prog: Path,
                                     start: Callable[..., Proc]) -> None:
    """Against a live cluster of 2 queues whose queue 0 another process consumes:
    malformed names EINVAL, queue id beyond 255 EINVAL, no such queue or cluster ENOENT,
    a consumed queue EBUSY, device names EOPNOTSUPP; send EOPNOTSUPP, no selectable fd,
    no bound device (ENODEV), a BPF expression libpcap refuses EINVAL, removing none
    ENOENT, kernel filtering (sampling) ENOTSUP, send-only modes EOPNOTSUPP."""
    cid = cluster_id(24)
    peer = programs["zc_ipc_peer"]
    prod = producer(start, peer, cid, 2, 0, how="drop", qlen=256)
    cons = start(peer, "consumer", cid, 0)
    cons.expect("ready")
    checks = start(ring_prog, "errors", cid)
    checks.expect("0 failures")
    assert checks.wait() == 0
    prod.say("stop")
    assert fields(cons.expect("got="))["end"] == 1
    prod.expect("done")
    prod.say("exit")  # the creator destroys the cluster: its file goes (none left in /dev/shm)
    prod.expect("destroyed")
    assert prod.wait() == 0


def test_open_messages(programs: dict[str, Path], ring_prog: Path, libdir: Path) -> None:
    """What a user sees: the reason, on stderr, for a queue that is not there and for a
    device name."""
    env = {**os.environ, "LD_LIBRARY_PATH": str(libdir)}
    env.pop("PF_RING_QUIET", None)
    cid = cluster_id(25)
    done = subprocess.run([str(ring_prog), "open", f"zc:{cid}@0"], capture_output=True,
                          text=True, timeout=30, env=env)
    assert done.stdout == f"errno={errno.ENOENT}\n"
    assert f"queue 0 of ZC cluster {cid}: no such cluster, queue or pool" in done.stderr
    done = subprocess.run([str(ring_prog), "open", "zc:eth1"], capture_output=True,
                          text=True, timeout=30, env=env)
    assert done.stdout == f"errno={errno.EOPNOTSUPP}\n"
    assert "pfring_open(zc:eth1): this module is not available" in done.stderr


@pytest.mark.parametrize("how", ["not_found", "override"])
def test_libpfring_zc_missing(ring_prog: Path, libdir: Path, tmp_path: Path, how: str) -> None:
    """libpfring without libpfring_zc beside it (a directory holding only libpfring.so.8),
    or PF_RING_ZC_LIBRARY naming a file that is not there: ENOPKG, and a message saying
    what to install."""
    env = {k: v for k, v in os.environ.items() if k != "PF_RING_QUIET"}
    if how == "not_found":
        only = tmp_path / "lib"
        only.mkdir()
        (only / "libpfring.so.8").symlink_to(libdir / "libpfring.so.8")
        env["LD_LIBRARY_PATH"] = str(only)
        name = "libpfring_zc.so.8"
    else:
        env["LD_LIBRARY_PATH"] = str(libdir)
        name = str(tmp_path / "nowhere/libpfring_zc.so.8")
        env["PF_RING_ZC_LIBRARY"] = name
    done = subprocess.run([str(ring_prog), "open", "zc:1@0"], capture_output=True, text=True,
                          timeout=30, env=env)
    assert done.stdout == f"errno={errno.ENOPKG}\n", done.stderr
    assert f"pfring_open(zc:1@0): {name} cannot be loaded" in done.stderr
    assert "install libpfring_zc" in done.stderr


def stamp(k: int) -> bytes:
    """zc_ipc_peer.c's packet k."""
    n = 60 + k % 200
    return struct.pack("<Q", k) + bytes((7 * k + i) & 0xFF for i in range(8, n))


def read_pcap(path: Path) -> list[tuple[int, int, bytes, int]]:
    """(ts_sec, ts_usec, data, len) of each record of a microsecond pcap."""
    data = path.read_bytes()
    assert struct.unpack_from("<I", data)[0] == 0xA1B2C3D4
    out, off = [], 24
    while off < len(data):
        sec, usec, caplen, length = struct.unpack_from("<IIII", data, off)
        out.append((sec, usec, data[off + 16:off + 16 + caplen], length))
        off += 16 + caplen
    return out


def test_pfcount(programs: dict[str, Path], installed: Path, start: Callable[..., Proc],
                 tmp_path: Path) -> None:
    """pfcount -i zc:ID@Q (the device name passed through as it is; libpfring.a in pfcount
    loads libpfring_zc.so.8): its pcap holds every packet, bytes and timestamps; SIGINT
    breaks its blocked receive and it ends normally."""
    cid = cluster_id(26)
    n = 2_000
    prod = producer(start, programs["zc_ipc_peer"], cid, 1, n, qlen=4096)  # room for all
    pcap = tmp_path / "q0.pcap"
    done = subprocess.run([str(installed / "bin/pfcount"), "-i", f"zc:{cid}@0", "-N",
                           str(n + 1), "-o", str(pcap)], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "LD_LIBRARY_PATH": str(installed / "lib")})
    assert done.returncode == 0, done.stderr
    assert f"Capturing from zc:{cid}@0" in done.stderr
    assert "[2'001 pkts rcvd][0 pkts dropped]" in done.stderr
    recs = read_pcap(pcap)
    assert len(recs) == n + 1
    for k, (sec, usec, data, length) in enumerate(recs[:n]):
        assert (sec, usec, data, length) == (k, (k % 1_000_000_000) // 1000, stamp(k),
                                             len(stamp(k)))
    # an idle queue: pfcount blocks in pfring_recv() until SIGINT
    idle = start(installed / "bin/pfcount", "-i", f"zc:{cid}@0")
    deadline = time.monotonic() + 10
    assert idle.p.stderr is not None
    while "Capturing from" not in idle.p.stderr.readline():
        assert time.monotonic() < deadline
    time.sleep(0.3)
    t0 = time.monotonic()
    idle.p.send_signal(signal.SIGINT)
    assert idle.wait(timeout=10) == 0
    assert time.monotonic() - t0 < 2
    producer_done(prod, 1)


def test_zbalance_ipc_feeds_pfcount(zc: ModuleType, installed: Path,
                                    start: Callable[..., Proc], tmp_path: Path,
                                    hugepages: Callable[[int], None]) -> None:
    """The set-up users run: zbalance_ipc (-i Q: an ingress queue a pfring.zc producer
    feeds) spreading packets round robin over 2 queues, each read by pfcount -i
    zc:ID@Q: each gets every other packet, in order, bytes and timestamps intact."""
    hugepages(64)
    cid = cluster_id(30)
    n = 4_000
    # queues longer than what each consumer gets: the balancer never has to drop
    bal = start(installed / "bin/zbalance_ipc", "-i", "Q", "-c", cid, "-n", 2, "-q", 4096,
                "-m", 0)
    line = bal.expect("zbalance_ipc: ingress queue 0: attach a producer")
    ingress = int(line.split()[-1])
    bal.expect("zbalance_ipc: cluster")
    counts = [start(installed / "bin/pfcount", "-i", f"zc:{cid}@{q}", "-N", n // 2, "-o",
                    tmp_path / f"q{q}.pcap") for q in range(2)]
    for c in counts:
        assert c.p.stderr is not None
        while "Capturing from" not in c.p.stderr.readline():
            assert c.p.poll() is None
    with zc.Queue.attach(cid, ingress, zc.QueueMode.TX, burst=8) as prod:
        for k in range(n):
            while not prod.send(stamp(k), ts_ns=k * 1_000_000_000 + k % 1_000_000_000):
                time.sleep(0.0005)
    for q, c in enumerate(counts):
        rc, err = c.wait(), c.stderr()
        assert rc == 0, err
        assert "[2'000 pkts rcvd][0 pkts dropped]" in err
        recs = read_pcap(tmp_path / f"q{q}.pcap")
        want = list(range(q, n, 2))
        assert [(sec, usec, data) for sec, usec, data, _ in recs] == \
            [(k, (k % 1_000_000_000) // 1000, stamp(k)) for k in want]

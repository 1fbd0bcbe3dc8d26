# SPDX-License-Identifier: LGPL-2.1-or-later
"""zbalance_ipc, zfanout_ipc and zcount_ipc on the host, with no device: the balancer reads
an ingress software queue (-i Q) that a Python producer (pfring.zc) attaches to, and
spreads the packets over consumer queues read by zcount_ipc processes (each writing a
pcap of what it got) and by a Python consumer.  Checked: every packet exactly once over
the consumers (round robin, IP hash) or once per consumer (fan-out), byte for byte; the
IP hash keeps both directions of a flow on one consumer; the tools' totals add up; bad
options exit 2 with a message.  The lab runs the same on a real port
(tests/lab/test_zc_balance.py).  Hugepages: run under flock /tmp/pfring-hugepages.lock."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest
from scapy.layers.inet import IP, UDP  # type: ignore[import-untyped]
from scapy.layers.l2 import Ether  # type: ignore[import-untyped]
from scapy.packet import Raw  # type: ignore[import-untyped]
from scapy.utils import rdpcap  # type: ignore[import-untyped]

ID_BASE = 300_000 + (os.getpid() % 100_000) * 10
FLOWS = 64
PACKETS = 4_096
CONSUMERS = 4
TOTALS = re.compile(r"(zbalance_ipc|zfanout_ipc) totals: in (\d+) packets, (\d+) dropped by the "
                    r"devices; out(.*)")


def frames() -> list[bytes]:
    """PACKETS frames over FLOWS UDP flows, every other frame of a flow in the reverse
    direction, each carrying its own sequence number."""
    out = []
    for k in range(PACKETS):
        f = k % FLOWS
        a, b = f"10.1.{f}.1", f"10.2.{f}.2"
        sport, dport = 1024 + f, 2048 + f
        if (k // FLOWS) % 2:
            a, b, sport, dport = b, a, dport, sport
        pkt = (Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IP(src=a, dst=b) /
               UDP(sport=sport, dport=dport) / Raw(k.to_bytes(8, "big") + bytes(k % 200)))
        out.append(bytes(pkt))
    return out


def flow_of(frame: bytes) -> frozenset[bytes]:
    """A flow's two addresses, the same for both directions."""
    return frozenset((frame[26:30], frame[30:34]))


class Proc:
    """A tool run in the background; lines of its stdout are read on demand."""

    def __init__(self, *argv: str | Path) -> None:
        self.argv = [str(a) for a in argv]
        self.p = subprocess.Popen(self.argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True)

    def expect(self, pattern: str, timeout: float = 20) -> str:
        """Read lines until one matches (the tools flush after each)."""
        assert self.p.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.p.stdout.readline()
            if not line:
                break
            if re.search(pattern, line):
                return line
        self.p.kill()
        _, err = self.p.communicate()
        raise AssertionError(f"{self.argv[0]}: no line matching {pattern!r}; stderr: {err}")

    def stop(self) -> tuple[str, str]:
        """SIGINT, then its exit status 0 and its remaining output."""
        self.p.send_signal(signal.SIGINT)
        out, err = self.p.communicate(timeout=30)
        assert self.p.returncode == 0, f"{self.argv}: {self.p.returncode}: {err}"
        return out, err

    def kill(self) -> None:
        """SIGTERM (a creator so stopped removes its cluster's file and gives its
        hugepages back), SIGKILL if it does not end."""
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.communicate()


@pytest.fixture
def procs() -> Iterator[Callable[..., Proc]]:
    started: list[Proc] = []

    def start(*argv: str | Path) -> Proc:
        started.append(Proc(*argv))
        return started[-1]

    yield start
    for p in reversed(started):
        p.kill()


@pytest.fixture
def pages(hugepages: Callable[[int], None]) -> None:
    hugepages(64)


class PyConsumer(threading.Thread):
    """pfring.zc's Queue.attach() consumer of one queue, in a thread of this process."""

    def __init__(self, zc: ModuleType, cluster_id: int, queue_id: int) -> None:
        super().__init__(daemon=True)
        self.q = zc.Queue.attach(cluster_id, queue_id)
        assert self.q.burst == 16  # all of zbalance_ipc's default pool (-b 16), not 32
        self.got: list[bytes] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            p = self.q.recv(timeout=0.05)
            if p is not None:
                self.got.append(p.data)

    def finish(self) -> list[bytes]:
        self.done.set()
        self.join(timeout=10)
        self.q.close()
        return self.got


def run_balancer(zc: ModuleType, bindir: Path, procs: Callable[..., Proc], tmp: Path,
                 cid: int, tool: str, opts: list[str], consumers: int, copies: int
                 ) -> tuple[list[list[bytes]], dict[str, int], list[tuple[int, int]]]:
    """tool -i Q -c cid -n consumers opts, consumers 0..n-2 zcount_ipc with a pcap and the
    last one Python; the Python producer sends frames() into the ingress queue, which the
    tool puts into copies consumer queues each.  Returns what each consumer got, the
    tool's totals, and each zcount_ipc's (packets, bytes)."""
    bal = procs(bindir / tool, "-i", "Q", "-c", str(cid), "-n", str(consumers), "-q", "1024",
                *opts)
    line = bal.expect(r"ingress queue 0: attach a producer to cluster \d+ queue \d+")
    ingress = int(line.split()[-1])
    assert ingress == consumers  # after the consumers' queues 0 .. n-1
    bal.expect(r"running")
    counters = []
    for q in range(consumers - 1):
        c = procs(bindir / "zcount_ipc", "-c", str(cid), "-i", str(q), "-o", tmp / f"q{q}.pcap")
        c.expect(r"attached to cluster")
        counters.append(c)
    py = PyConsumer(zc, cid, consumers - 1)
    py.start()
    sent = frames()
    mgmt = [zc.Queue.attach(cid, q, zc.QueueMode.MANAGEMENT) for q in range(consumers)]
    mgmt_in = zc.Queue.attach(cid, ingress, zc.QueueMode.MANAGEMENT)

    def wait_queues(most: int, total: int | None = None) -> None:
        """Until the ingress queue and every consumer queue hold at most most packets
        (and total were put in the consumer queues): the balancer drops what a full queue
        has no room for, so the producer keeps within the slowest consumer's pace (at most
        3 * most in a queue of 1024)."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            st = [m.stats() for m in mgmt]
            ing = mgmt_in.stats()
            if all(s.sent - s.recv <= most for s in [*st, ing]) and \
                    (total is None or sum(s.sent for s in st) == total):
                return
            time.sleep(0.01)
        raise AssertionError(f"queues did not drain: {st}")

    refused = 0
    with zc.Queue.attach(cid, ingress, zc.QueueMode.TX, burst=8) as producer:
        for k, f in enumerate(sent):
            if k % 256 == 0:
                wait_queues(256)
            while not producer.send(f):  # full: counted as a drop of the ingress queue
                refused += 1
                time.sleep(0.0005)
    # every packet through: each consumer queue empty, the expected number enqueued
    wait_queues(0, len(sent) * copies)
    for m in [*mgmt, mgmt_in]:
        m.close()
    got = []
    zcounts = []
    for q, c in enumerate(counters):
        out, _ = c.stop()
        m = re.search(r"zcount_ipc totals: (\d+) packets (\d+) bytes", out)
        assert m, out
        zcounts.append((int(m.group(1)), int(m.group(2))))
        got.append([bytes(p) for p in rdpcap(str(tmp / f"q{q}.pcap"))])
    got.append(py.finish())
    out, _ = bal.stop()
    m = TOTALS.search(out)
    assert m, out
    outs = [(int(a), int(b)) for a, b in re.findall(r"q\d+ (\d+) \((\d+) dropped\)", m.group(4))]
    assert len(outs) == consumers
    # the ingress queue's drops are the sends it refused, which the producer retried
    assert int(m.group(3)) == refused
    totals = {"in": int(m.group(2)),
              "out": sum(o for o, _ in outs), "out_drop": sum(d for _, d in outs)}
    for q in range(consumers):
        assert outs[q][0] == len(got[q])
    return got, totals, zcounts


@pytest.mark.parametrize("mode", ["0", "1"])
def test_balancer_every_packet_once(zc: ModuleType, installed: Path, procs: Callable[..., Proc],
                                    pages: None, tmp_path: Path, mode: str) -> None:
    cid = ID_BASE + int(mode)
    got, totals, zcounts = run_balancer(zc, installed / "bin", procs, tmp_path, cid,
                                        "zbalance_ipc", ["-m", mode], CONSUMERS, 1)
    sent = frames()
    assert Counter(p for q in got for p in q) == Counter(sent)
    assert totals == {"in": len(sent), "out": len(sent), "out_drop": 0}
    for q, (pkts, nbytes) in enumerate(zcounts):
        assert (pkts, nbytes) == (len(got[q]), sum(len(p) for p in got[q]))
    if mode == "0":  # one ingress queue: strict turns
        assert [len(q) for q in got] == [len(sent) // CONSUMERS] * CONSUMERS
    else:
        where: dict[frozenset[bytes], set[int]] = {}
        for q, pkts in enumerate(got):
            for p in pkts:
                where.setdefault(flow_of(p), set()).add(q)
        assert len(where) == FLOWS
        assert all(len(qs) == 1 for qs in where.values()), where
        assert len({q for qs in where.values() for q in qs}) > 1  # spread, not all on one


@pytest.mark.parametrize("tool", ["zbalance_ipc", "zfanout_ipc"])
def test_fanout_every_packet_to_every_consumer(zc: ModuleType, installed: Path,
                                               procs: Callable[..., Proc], pages: None,
                                               tmp_path: Path, tool: str) -> None:
    cid = ID_BASE + (5 if tool == "zbalance_ipc" else 6)
    opts = ["-m", "2"] if tool == "zbalance_ipc" else []
    got, totals, _ = run_balancer(zc, installed / "bin", procs, tmp_path, cid, tool, opts, 2, 2)
    sent = frames()
    for q in got:
        assert q == sent  # all of them, in order
    assert totals == {"in": len(sent), "out": 2 * len(sent), "out_drop": 0}


@pytest.mark.parametrize(("tool", "args", "message"), [
    ("zbalance_ipc", ["-i", "Q", "-c", "1", "-n", "2", "-m", "9"], "-m: 9 is out of range"),
    ("zbalance_ipc", ["-i", "Q", "-n", "2"], "-i, -c and -n are required"),
    ("zbalance_ipc", ["-i", "Q", "-c", "1", "-n", "2", "-r", "5:lo"], "-r: queue 5 does not exist"),
    ("zbalance_ipc", ["-i", "Q", "-c", "1", "-n", "0"], "-n: 0 is out of range"),
    ("zfanout_ipc", ["-i", "Q", "-c", "1", "-n", "2", "-m", "1"], "invalid option"),
    ("zcount_ipc", ["-c", "1"], "-c and -i are required"),
    ("zcount_ipc", ["-c", "x", "-i", "0"], "-c: 'x' is not a number"),
])
def test_bad_options_exit_2(installed: Path, tool: str, args: list[str], message: str) -> None:
    done = subprocess.run([str(installed / "bin" / tool), *args], capture_output=True,
                          text=True, timeout=30)
    assert done.returncode == 2
    assert message in done.stderr


def test_zcount_ipc_no_such_cluster(installed: Path) -> None:
    done = subprocess.run([str(installed / "bin/zcount_ipc"), "-c", str(ID_BASE + 9), "-i", "0"],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 1
    assert f"cannot attach to cluster {ID_BASE + 9} queue 0: No such file or directory" in \
        done.stderr

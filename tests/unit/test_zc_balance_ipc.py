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

import errno
import os
import re
import shutil
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
    # the tool's worker reads the ingress queue and fills the consumer queues: a second
    # reader or writer there would lose packets, so those sides are refused
    for q, mode in ((ingress, zc.QueueMode.RX), (0, zc.QueueMode.TX)):
        with pytest.raises(OSError) as taken:
            zc.Queue.attach(cid, q, mode)
        assert taken.value.errno == errno.EBUSY
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
        where = flow_queues(got)
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


# ---- the service options, the filters and modes 6 and 7 ---------------------------------

FILTERED = re.compile(r"; filtered (\d+)$")


def tagged(k: int, vlan: int | None = None, dport: int = 2048, etype: int | None = None) -> bytes:
    """Frame k (its number in the payload), 802.1Q-tagged with vlan, or with vlan's tag
    under Ethernet type etype (-m 7's encapsulation)."""
    from scapy.layers.l2 import Dot1Q  # type: ignore[import-untyped]

    eth = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
    ip = IP(src="10.1.0.1", dst="10.2.0.2") / UDP(sport=1024, dport=dport) / \
        Raw(k.to_bytes(8, "big") + bytes(20))
    if vlan is None:
        return bytes(eth / ip)
    raw = bytearray(bytes(eth / Dot1Q(vlan=vlan) / ip))
    if etype is not None:
        raw[12:14] = etype.to_bytes(2, "big")
    return bytes(raw)


def ingress_ids(bal: Proc, inputs: int) -> list[int]:
    """The ingress queues' ids from the balancer's lines."""
    return [int(bal.expect(rf"ingress queue {i}: attach").split()[-1]) for i in range(inputs)]


def send_all(zc: ModuleType, cid: int, qid: int, pkts: list[bytes]) -> None:
    with zc.Queue.attach(cid, qid, zc.QueueMode.TX, burst=8) as producer:
        for f in pkts:
            while not producer.send(f):
                time.sleep(0.001)


def collect(consumers: list[PyConsumer], total: int, settle: float = 0.5) -> list[list[bytes]]:
    """Until the consumers got total packets between them (then settle seconds more, to
    see any extra one), what each got."""
    deadline = time.monotonic() + 30
    while sum(len(c.got) for c in consumers) < total and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(settle)
    return [c.finish() for c in consumers]


def totals_of(text: str) -> tuple[int, list[int], int | None]:
    """(in, [out per queue], filtered or None) of the totals line in text."""
    m = TOTALS.search(text)
    assert m, text
    outs = [int(a) for a, _ in re.findall(r"q\d+ (\d+) \((\d+) dropped\)", m.group(4))]
    f = FILTERED.search(m.group(4))
    return int(m.group(2)), outs, int(f.group(1)) if f else None


def simple_run(zc: ModuleType, bindir: Path, procs: Callable[..., Proc], cid: int,
               opts: list[str], queues: int, inputs: list[list[bytes]], expect: int,
               tool: str = "zbalance_ipc") -> tuple[list[list[bytes]], str]:
    """zbalance_ipc -i Q[,Q...] -c cid -n queues opts; inputs[i] sent into ingress queue
    i; expect packets awaited over the Python consumers; returns what each queue got and
    the balancer's output after SIGINT."""
    bal = procs(bindir / tool, "-i", ",".join("Q" * len(inputs)), "-c", str(cid),
                "-n", str(queues), "-q", "1024", *opts)
    ids = ingress_ids(bal, len(inputs))
    bal.expect(r"running")
    return feed(zc, bal, cid, queues, list(zip(ids, inputs, strict=True)), expect)


def feed(zc: ModuleType, bal: Proc, cid: int, queues: int,
         inputs: list[tuple[int, list[bytes]]], expect: int) -> tuple[list[list[bytes]], str]:
    """A running balancer bal of cluster cid: Python consumers on queues 0 .. queues - 1,
    each (ingress queue id, packets) of inputs sent, expect packets awaited over the
    consumers; returns what each queue got and the balancer's output after SIGINT."""
    cons = [PyConsumer(zc, cid, q) for q in range(queues)]
    for c in cons:
        c.start()
    for qid, pkts in inputs:
        send_all(zc, cid, qid, pkts)
    got = collect(cons, expect)
    out, _ = bal.stop()
    return got, out


def flow_queues(got: list[list[bytes]]) -> dict[frozenset[bytes], set[int]]:
    """Each flow's queues (indexes into got) among the packets each got."""
    where: dict[frozenset[bytes], set[int]] = {}
    for q, pkts in enumerate(got):
        for p in pkts:
            where.setdefault(flow_of(p), set()).add(q)
    return where


def wait_for(cond: Callable[[], bool], timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.02)
    return cond()


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_daemon_pid_file_log(zc: ModuleType, installed: Path, pages: None,
                             tmp_path: Path) -> None:
    """-d returns 0 once consumers can attach; -P names the balancer; -l gets its lines;
    SIGTERM: exact totals in the log, the pid file gone."""
    cid = ID_BASE + 10
    pid_file, log = tmp_path / "zb.pid", tmp_path / "zb.log"
    done = subprocess.run([str(installed / "bin/zbalance_ipc"), "-i", "Q", "-c", str(cid),
                           "-n", "2", "-q", "1024", "-d", "-P", str(pid_file), "-l", str(log)],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    pid = int(pid_file.read_text())
    try:
        assert Path(f"/proc/{pid}/exe").resolve() == (installed / "bin/zbalance_ipc").resolve()
        assert os.getsid(pid) == pid  # its own session: detached
        # attach right away: the queues exist when -d returns
        cons = [PyConsumer(zc, cid, q) for q in range(2)]
        for c in cons:
            c.start()
        assert wait_for(lambda: "running" in log.read_text())
        ingress = int(re.findall(r"attach a producer to cluster \d+ queue (\d+)",
                                 log.read_text())[0])
        sent = [tagged(k) for k in range(500)]
        send_all(zc, cid, ingress, sent)
        got = collect(cons, len(sent))
        assert Counter(p for q in got for p in q) == Counter(sent)
        os.kill(pid, signal.SIGTERM)
        assert wait_for(lambda: not pid_alive(pid))
        assert wait_for(lambda: not pid_file.exists())
        inn, outs, filtered = totals_of(log.read_text())
        assert (inn, outs, filtered) == (500, [len(got[0]), len(got[1])], None)
        assert outs == [250, 250]
    finally:
        if pid_alive(pid):
            os.kill(pid, signal.SIGKILL)


def test_daemon_setup_error_reaches_caller(installed: Path, pages: None,
                                          tmp_path: Path) -> None:
    """-d with a set-up that fails (no such device): the caller gets the status and the
    message, and no pid file stays."""
    pid_file = tmp_path / "zb.pid"
    done = subprocess.run([str(installed / "bin/zbalance_ipc"), "-i", "nosuchdev0", "-c",
                           str(ID_BASE + 11), "-n", "1", "-d", "-P", str(pid_file)],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 1
    assert "cannot open nosuchdev0" in done.stderr
    assert not pid_file.exists()
    # with -l the message is in the log, the caller is told where
    log = tmp_path / "zb.log"
    done = subprocess.run([str(installed / "bin/zbalance_ipc"), "-i", "nosuchdev0", "-c",
                           str(ID_BASE + 11), "-n", "1", "-d", "-l", str(log), "-D", "nobody",
                           "-P", str(pid_file)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 1
    assert f"could not start (status 1): see {log}" in done.stderr
    assert "cannot open nosuchdev0" in log.read_text()
    assert wait_for(lambda: not pid_file.exists())  # removed by -D's root helper


def test_drop_privileges(zc: ModuleType, installed: Path, procs: Callable[..., Proc],
                         pages: None, tmp_path: Path) -> None:
    """-D nobody: the balancer runs as nobody; consumers attach and get everything, root's
    and one running as nobody too (the cluster's file is nobody's); at the end the
    cluster's name and the pid file are removed (by the root helper)."""
    import pwd

    nobody = pwd.getpwnam("nobody")
    cid = ID_BASE + 12
    pid_file = tmp_path / "zb.pid"
    bal = procs(installed / "bin/zbalance_ipc", "-i", "Q", "-c", str(cid), "-n", "3", "-q",
                "1024", "-D", "nobody", "-P", pid_file)
    ingress = ingress_ids(bal, 1)[0]
    bal.expect(r"running as nobody")
    bal.expect(r"running$")
    status = Path(f"/proc/{bal.p.pid}/status").read_text()
    uids = re.search(r"^Uid:\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", status, re.M)
    assert uids and {int(u) for u in uids.groups()} == {nobody.pw_uid}
    assert int(pid_file.read_text()) == bal.p.pid
    unprivileged = procs("setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}",
                         "--clear-groups", installed / "bin/zcount_ipc", "-c", str(cid), "-i",
                         "2")
    unprivileged.expect(r"attached to cluster")
    cons = [PyConsumer(zc, cid, q) for q in range(2)]
    for c in cons:
        c.start()
    sent = [tagged(k) for k in range(300)]
    send_all(zc, cid, ingress, sent)
    got = collect(cons, 200)
    assert Counter(p for q in got for p in q) == Counter(sent[0::3] + sent[1::3])
    zcount, _ = unprivileged.stop()
    assert f"zcount_ipc totals: 100 packets {sum(len(p) for p in sent[2::3])} bytes" in zcount
    out, _ = bal.stop()
    assert totals_of(out)[:2] == (300, [100, 100, 100])
    assert wait_for(lambda: not pid_file.exists())
    # the cluster's name is gone: its id can be taken again
    assert wait_for(lambda: not any(Path(m).joinpath(f"pfring_zc_cluster_{cid}").exists()
                                    for m in hugetlbfs_mounts()))


def hugetlbfs_mounts() -> list[str]:
    return [line.split()[1] for line in Path("/proc/mounts").read_text().splitlines()
            if line.split()[2] == "hugetlbfs"]


def test_drop_privileges_unknown_user(installed: Path) -> None:
    done = subprocess.run([str(installed / "bin/zbalance_ipc"), "-i", "Q", "-c", "1", "-n",
                           "1", "-D", "no_such_user_zb"], capture_output=True, text=True,
                          timeout=30)
    assert done.returncode == 2
    assert "-D: no such user 'no_such_user_zb'" in done.stderr


def test_wait_before_processing(zc: ModuleType, installed: Path, procs: Callable[..., Proc],
                                pages: None) -> None:
    """-W 2: the queues are there at once, the packets sent then come out 2 s later."""
    cid = ID_BASE + 13
    t0 = time.monotonic()
    bal = procs(installed / "bin/zbalance_ipc", "-i", "Q", "-c", str(cid), "-n", "1", "-q",
                "1024", "-W", "2")
    ingress = ingress_ids(bal, 1)[0]
    bal.expect(r"waiting 2 s before processing packets")
    cons = [PyConsumer(zc, cid, 0)]
    cons[0].start()
    sent = [tagged(k) for k in range(100)]
    send_all(zc, cid, ingress, sent)
    time.sleep(max(0.0, t0 + 1.5 - time.monotonic()))
    assert cons[0].got == []  # still waiting
    assert wait_for(lambda: len(cons[0].got) > 0, 20)
    first = time.monotonic()
    got = collect(cons, len(sent))
    assert first - t0 >= 2  # the first frame came out after the wait
    assert got[0] == sent
    out, _ = bal.stop()
    assert totals_of(out)[:2] == (100, [100])


def test_vlan_filter(zc: ModuleType, installed: Path, procs: Callable[..., Proc],
                     pages: None) -> None:
    """-x 10,30: tagged 10 or 30 forwarded, other VLANs and untagged frames filtered."""
    vlans = [10, 20, 30, None, 4095]
    sent = [tagged(k, vlans[k % len(vlans)]) for k in range(1000)]
    passing = [f for k, f in enumerate(sent) if vlans[k % len(vlans)] in (10, 30)]
    got, out = simple_run(zc, installed / "bin", procs, ID_BASE + 14, ["-x", "10,30"], 2,
                          [sent], len(passing))
    assert Counter(p for q in got for p in q) == Counter(passing)
    assert totals_of(out) == (1000, [200, 200], 600)


def test_fanout_vlan_and_bpf_filters(zc: ModuleType, installed: Path,
                                     procs: Callable[..., Proc], pages: None,
                                     tmp_path: Path) -> None:
    """zfanout_ipc takes the filters too: -x and -f on the input, every queue gets what
    passes both."""
    bpf = tmp_path / "f.bpf"
    bpf.write_text("vlan and udp dst port 2000")  # the frames are tagged
    sent = [tagged(k, 10 if k % 2 else 20, dport=2000 if k % 3 else 3000) for k in range(300)]
    passing = [f for k, f in enumerate(sent) if k % 2 and k % 3]
    got, out = simple_run(zc, installed / "bin", procs, ID_BASE + 22,
                          ["-x", "10", "-f", str(bpf)], 2, [sent], 2 * len(passing),
                          tool="zfanout_ipc")
    assert got == [passing, passing]
    assert totals_of(out) == (300, [100, 100], 200)


def test_bpf_filter_and_reload(zc: ModuleType, installed: Path, procs: Callable[..., Proc],
                               pages: None, tmp_path: Path) -> None:
    """-f: exactly the frames the expression matches; SIGUSR1 after rewriting the file
    applies the new one."""
    cid = ID_BASE + 15
    bpf = tmp_path / "filter.bpf"
    bpf.write_text("udp dst port 2000\n")
    bal = procs(installed / "bin/zbalance_ipc", "-i", "Q", "-c", str(cid), "-n", "1", "-q",
                "1024", "-f", bpf)
    ingress = ingress_ids(bal, 1)[0]
    bal.expect(r"running")
    cons = [PyConsumer(zc, cid, 0)]
    cons[0].start()
    first = [tagged(k, dport=2000 if k % 4 == 0 else 3000) for k in range(400)]
    send_all(zc, cid, ingress, first)
    deadline = time.monotonic() + 20
    while len(cons[0].got) < 100 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.3)
    assert cons[0].got == first[::4]
    bpf.write_text("udp dst port 3000 or vlan 7")
    bal.p.send_signal(signal.SIGUSR1)
    bal.expect(r"-f: .* loaded again")
    second = [tagged(k, dport=2000 if k % 4 == 0 else 3000) for k in range(400, 800)]
    send_all(zc, cid, ingress, second)
    got = collect(cons, 100 + 300)
    assert got[0] == first[::4] + [f for k, f in enumerate(second) if k % 4]
    out, _ = bal.stop()
    assert totals_of(out) == (800, [400], 400)


def test_bpf_reload_keeps_filter_on_bad_expression(zc: ModuleType, installed: Path,
                                                   procs: Callable[..., Proc], pages: None,
                                                   tmp_path: Path) -> None:
    cid = ID_BASE + 16
    bpf = tmp_path / "filter.bpf"
    bpf.write_text("udp dst port 2000")
    bal = procs(installed / "bin/zbalance_ipc", "-i", "Q", "-c", str(cid), "-n", "1", "-q",
                "1024", "-f", bpf)
    ingress = ingress_ids(bal, 1)[0]
    bal.expect(r"running")
    bpf.write_text("udp dst port nonsense((")
    bal.p.send_signal(signal.SIGUSR1)
    time.sleep(0.5)
    cons = [PyConsumer(zc, cid, 0)]
    cons[0].start()
    sent = [tagged(k, dport=2000 if k % 2 else 3000) for k in range(100)]
    send_all(zc, cid, ingress, sent)
    got = collect(cons, 50)
    assert got[0] == sent[1::2]
    out, err = bal.stop()
    assert "keeping the previous filter" in err
    assert totals_of(out) == (100, [50], 50)


@pytest.mark.parametrize("mode", ["0", "2"])
def test_bpf_filter_of_output_queues(zc: ModuleType, installed: Path,
                                     procs: Callable[..., Proc], pages: None, tmp_path: Path,
                                     mode: str) -> None:
    """-f file@1 (round robin) or file@0 (fan-out): that queue gets only what matches,
    the others as before; each refusal counted."""
    bpf = tmp_path / "q.bpf"
    bpf.write_text("udp dst port 2000")
    sent = [tagged(k, dport=2000 if k % 4 == 1 else 3000) for k in range(400)]
    if mode == "0":
        got, out = simple_run(zc, installed / "bin", procs, ID_BASE + 20,
                              ["-m", "0", "-f", f"{bpf}@1"], 2, [sent], 300)
        assert got == [sent[0::2], sent[1::4]]
        assert totals_of(out) == (400, [200, 100], 100)
    else:
        got, out = simple_run(zc, installed / "bin", procs, ID_BASE + 21,
                              ["-m", "2", "-f", f"{bpf}@0"], 2, [sent], 500)
        assert got == [sent[1::4], sent]
        assert totals_of(out) == (400, [100, 400], 300)


def test_bad_bpf_exits_2(installed: Path, tmp_path: Path) -> None:
    bpf = tmp_path / "bad.bpf"
    bpf.write_text("tcp port ((")
    done = subprocess.run([str(installed / "bin/zbalance_ipc"), "-i", "Q", "-c", "1", "-n",
                           "1", "-f", str(bpf)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert "not a valid BPF expression" in done.stderr
    done = subprocess.run([str(installed / "bin/zbalance_ipc"), "-i", "Q", "-c", "1", "-n",
                           "1", "-f", str(tmp_path / "missing")], capture_output=True,
                          text=True, timeout=30)
    assert done.returncode == 2
    assert "cannot read" in done.stderr


def test_mode_6_input_to_queue(zc: ModuleType, installed: Path, procs: Callable[..., Proc],
                               pages: None) -> None:
    """-m 6 -i Q,Q -n 2: what enters ingress queue i leaves through queue i."""
    a = [tagged(k) for k in range(300)]
    b = [tagged(k) for k in range(1000, 1200)]
    got, out = simple_run(zc, installed / "bin", procs, ID_BASE + 17, ["-m", "6"], 2, [a, b],
                          500)
    assert got == [a, b]
    assert totals_of(out) == (500, [300, 200], None)


def gtp(k: int, kind: str) -> bytes:
    """Frame k (its number in the payload) of kind: "u" a GTP-U G-PDU carrying one of 40
    inner UDP flows, "c1" a GTPv1-C and "c2" a GTPv2-C message (sequence number k)."""
    eth = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
    tag = k.to_bytes(8, "big")
    if kind == "u":
        inner = bytes(IP(src=f"172.16.{k % 40}.1", dst="172.17.0.1") /
                      UDP(sport=4000 + k % 40, dport=80) / Raw(tag))
        head = bytes([0x30, 0xFF]) + len(inner).to_bytes(2, "big") + (7).to_bytes(4, "big")
        return bytes(eth / IP(src="10.9.0.1", dst="10.9.0.2") / UDP(sport=2152, dport=2152) /
                     Raw(head + inner))
    if kind == "c1":  # version 1, PT, S; Create PDP Context Request; TEID, seq, N-PDU, next
        body = (k & 0xFFFF).to_bytes(2, "big") + bytes(2) + tag
        head = bytes([0x32, 0x10]) + len(body).to_bytes(2, "big") + bytes(4)
    else:  # version 2, T; Create Session Request; TEID, 3-byte seq, spare
        body = (k & 0xFFFFFF).to_bytes(3, "big") + bytes(1) + tag
        head = bytes([0x48, 0x20]) + (len(body) + 4).to_bytes(2, "big") + bytes(4)
    return bytes(eth / IP(src="10.9.0.3", dst="10.9.0.4") / UDP(sport=2123, dport=2123) /
                 Raw(head + body))


def gtp_mix() -> tuple[list[bytes], dict[str, list[bytes]]]:
    """600 GTP-U, 100 GTPv1-C and 100 GTPv2-C frames interleaved; and each kind's."""
    kinds = ["u"] * 6 + ["c1", "c2"]
    frames_ = [(kinds[k % 8], gtp(k, kinds[k % 8])) for k in range(800)]
    by = {kind: [f for k_, f in frames_ if k_ == kind] for kind in ("u", "c1", "c2")}
    return [f for _, f in frames_], by


def test_gtpc_to_its_own_queue(zc: ModuleType, installed: Path, procs: Callable[..., Proc],
                               pages: None) -> None:
    """-m 4 -G 1:2 -n 3: queue 1 gets the GTPv2-C messages and nothing else, in order; queues
    0 and 2 share the rest (GTP-U by inner flow, GTPv1-C), every frame once."""
    sent, by = gtp_mix()
    got, out = simple_run(zc, installed / "bin", procs, ID_BASE + 33, ["-m", "4", "-G", "1:2"],
                          3, [sent], len(sent))
    assert got[1] == by["c2"]
    assert Counter(got[0] + got[2]) == Counter(by["u"] + by["c1"])
    assert got[0] and got[2]
    assert totals_of(out)[:2] == (len(sent), [len(q) for q in got])


def test_gtpc_to_an_application_of_its_own(zc: ModuleType, installed: Path,
                                           procs: Callable[..., Proc], pages: None) -> None:
    """-m 4 -n 2,1 -G 2:1: the second application (queue 2) gets only the GTPv1-C; the
    first still gets every frame, once, over its two queues."""
    sent, by = gtp_mix()
    got, out = simple_run(zc, installed / "bin", procs, ID_BASE + 34,
                          ["-m", "4", "-n", "2,1", "-G", "2:1"], 3, [sent],
                          len(sent) + len(by["c1"]))
    assert got[2] == by["c1"]
    assert Counter(got[0] + got[1]) == Counter(sent)
    assert got[0] and got[1]
    assert totals_of(out)[:2] == (len(sent), [len(q) for q in got])


def test_mode_7_vlan_encapsulation(zc: ModuleType, installed: Path,
                                   procs: Callable[..., Proc], pages: None) -> None:
    """-m 7 -M 100,200 -n 3: VLAN 100 in type 0x8585 to queue 1, 200 to queue 2 (tags
    made 802.1Q again), other VLANs filtered, other Ethernet types to queue 0; -Y."""
    kinds = [100, 200, 300, None]
    sent = [tagged(k, kinds[k % 4], etype=0x8585) if kinds[k % 4] else tagged(k)
            for k in range(400)]
    got, out = simple_run(zc, installed / "bin", procs, ID_BASE + 18,
                          ["-m", "7", "-M", "100,200"], 3, [sent], 300)
    assert got[0] == sent[3::4]
    assert got[1] == [tagged(k, 100) for k in range(0, 400, 4)]
    assert got[2] == [tagged(k, 200) for k in range(1, 400, 4)]
    assert totals_of(out) == (400, [100, 100, 100], 100)
    # -Y: another Ethernet type; 0x8585 is then an ordinary type (queue 0)
    sent = [tagged(k, 100, etype=0x9999 if k % 2 else 0x8585) for k in range(100)]
    got, out = simple_run(zc, installed / "bin", procs, ID_BASE + 19,
                          ["-m", "7", "-Y", "0x9999", "-M", "100"], 2, [sent], 100)
    assert got == [sent[0::2], [tagged(k, 100) for k in range(1, 100, 2)]]
    assert totals_of(out) == (100, [50, 50], 0)


@pytest.mark.parametrize(("args", "message"), [
    (["-i", "Q", "-c", "1", "-n", "2", "-m", "6"], "-m 6: as many inputs (-i) as queues (-n)"),
    (["-i", "Q,Q", "-c", "1", "-n", "1,1", "-m", "6"], "-m 6: one application only"),
    (["-i", "Q", "-c", "1", "-n", "2", "-m", "7"], "-m 7: -M needs 1 to 1 VLANs"),
    (["-i", "Q", "-c", "1", "-n", "2", "-m", "7", "-M", "1,2"], "-m 7: -M needs 1 to 1 VLANs"),
    (["-i", "Q", "-c", "1", "-n", "2", "-M", "5"], "-M and -Y go with -m 7"),
    (["-i", "Q", "-c", "1", "-n", "2", "-m", "7", "-M", "5", "-Y", "12"], "-Y: '12' is not"),
    (["-i", "Q", "-c", "1", "-n", "2", "-x", "4096"], "-x: 4096 is out of range"),
    (["-i", "Q", "-c", "1", "-n", "2", "-Q", "/tmp/s"], "-Q: VM support"),
    (["-i", "Q", "-c", "1", "-n", "2", "-W", "x"], "-W: 'x' is not a number"),
    (["-i", "Q", "-c", "1", "-n", "2", "-f", "/dev/null@5"], "-f: queue 5 does not exist"),
    (["-i", "Q", "-c", "1", "-n", "2", "-f", "/a@1", "-f", "/b@1"], "queue 1 has two filters"),
    (["-i", "Q", "-c", "1", "-n", "2", "-f", "/a", "-f", "/b"], "-f: one filter for the input"),
    (["-i", "Q", "-i", "Q", "-c", "1", "-n", "2", "-r", "0:lo"], "-r goes with one balancer"),
    (["-i", "Q", "-i", "Q", "-c", "1", "-n", "2", "-m", "6"], "-m 6 goes with one balancer"),
    (["-i", "Q", "-i", "Q", "-c", "1", "-n", "40"], "2 balancers (-i) of 40 queues (-n): more"),
    (["-i", "Q", "-c", "1", "-n", "2", "-g", "0:1"], "-g: 2 cores for 1 balancers"),
    (["-i", ",", "-c", "1", "-n", "2"], "-i: no device in ','"),
    (["-i", "Q", "-c", "1", "-n", "2", "-G", "1:2"], "-G goes with -m 4"),
    (["-i", "Q", "-c", "1", "-n", "2", "-m", "4", "-G", "2:2"], "-G: queue 2 does not exist"),
    (["-i", "Q", "-c", "1", "-n", "2", "-m", "4", "-G", "1:3"], "-G: 3 is out of range"),
    (["-i", "Q", "-c", "1", "-n", "2", "-m", "4", "-G", "1"], "-G: expected <queue>:<version>"),
    (["-i", "Q", "-c", "1", "-n", "1", "-m", "4", "-G", "0:1"], "-G: queue 0 is the only queue"),
])
def test_bad_service_and_mode_options_exit_2(installed: Path, args: list[str],
                                             message: str) -> None:
    done = subprocess.run([str(installed / "bin/zbalance_ipc"), *args], capture_output=True,
                          text=True, timeout=30)
    assert done.returncode == 2
    assert message in done.stderr


def test_time_pulse_and_hw_aggregation_accepted_and_ignored(installed: Path) -> None:
    done = subprocess.run([str(installed / "bin/zbalance_ipc"), "-S", "0", "-R", "100", "-w",
                           "-h"], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0
    assert done.stdout.count("(time pulse) is not needed and ignored") == 2
    assert done.stdout.count("-w (hardware aggregation) is not needed and ignored") == 1


# ---- options from a configuration file ------------------------------------------------

def conf_text(cid: int, mode: str) -> str:
    """Options in every form the file takes: '=', blanks, both, quotes, an option alone,
    indentation, comments and blank lines."""
    return (f"# cluster {cid}\n"
            "  -i=Q\n"
            f"-c {cid}\n"
            "\n"
            '-n="2"\n'
            f"-m = {mode}\n"
            "   # an indented comment\n"
            "\t-q\t1024\n"
            "-p\n")


def test_configuration_file(zc: ModuleType, installed: Path, procs: Callable[..., Proc],
                            pages: None, tmp_path: Path) -> None:
    """zbalance_ipc <file>: the file's options, as from the command line: an IP hash (-m 1)
    over 2 queues of 1024 (-q), every packet once and no flow split."""
    cid = ID_BASE + 30
    conf = tmp_path / f"cluster-{cid}.conf"
    conf.write_text(conf_text(cid, "1"))
    bal = procs(installed / "bin/zbalance_ipc", conf)
    ids = ingress_ids(bal, 1)
    assert ids == [2]
    bal.expect(rf"cluster {cid}, 2 consumer queues \(ids 0-1\), 1 inputs; running")
    sent = frames()[:1024]  # no more than a queue holds: none can be dropped
    got, out = feed(zc, bal, cid, 2, [(ids[0], sent)], len(sent))
    assert Counter(p for q in got for p in q) == Counter(sent)
    assert totals_of(out)[:2] == (len(sent), [len(q) for q in got])
    assert all(len(qs) == 1 for qs in flow_queues(got).values()) and all(got)


@pytest.mark.parametrize(("text", "message"), [
    (None, "cannot read the configuration file"),
    ("-i=Q\n-c 1\nfoo bar\n", ".conf:3: 'foo bar' is not an option"),
    ("-i=Q\n-c=1\n-n=2\n-m=9\n", "-m: 9 is out of range"),
    ("-i=Q\n-n=2\n", "-i, -c and -n are required, on the command line or in a configuration"),
])
def test_configuration_file_errors(installed: Path, tmp_path: Path, text: str | None,
                                   message: str) -> None:
    conf = tmp_path / "cluster.conf"
    if text is not None:
        conf.write_text(text)
    done = subprocess.run([str(installed / "bin/zbalance_ipc"), str(conf)], capture_output=True,
                          text=True, timeout=30)
    assert done.returncode == 2
    assert message in done.stderr


def test_default_configuration_file(installed: Path, procs: Callable[..., Proc], pages: None,
                                    tmp_path: Path) -> None:
    """With no argument zbalance_ipc reads /etc/cluster/cluster.conf: one of the test's own,
    on a tmpfs over /etc/cluster in a mount namespace of the tool's own (the host's
    /etc/cluster is not touched; it is created empty for the mount and removed if it was
    not there)."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.skip("needs root and unshare(1)")
    cid = ID_BASE + 31
    conf = tmp_path / "cluster.conf"
    conf.write_text(conf_text(cid, "0"))
    etc = Path("/etc/cluster")
    made = not etc.exists()
    etc.mkdir(exist_ok=True)
    try:
        bal = procs("unshare", "-m", "--propagation", "private", "sh", "-c",
                    'mount -t tmpfs pfring-test /etc/cluster && cp "$1" /etc/cluster/ && '
                    'exec "$2"', "sh", conf, installed / "bin/zbalance_ipc")
        bal.expect(rf"cluster {cid}, 2 consumer queues \(ids 0-1\), 1 inputs; running")
        out, _ = bal.stop()
        assert totals_of(out)[:2] == (0, [0, 0])
    finally:
        if made:
            etc.rmdir()
    assert not (etc / "cluster.conf").exists()


def test_zfanout_ipc_configuration_file(zc: ModuleType, installed: Path,
                                        procs: Callable[..., Proc], pages: None,
                                        tmp_path: Path) -> None:
    cid = ID_BASE + 32
    conf = tmp_path / "fanout.conf"
    conf.write_text(f"-i Q\n-c={cid}\n-n 2\n")
    bal = procs(installed / "bin/zfanout_ipc", conf)
    ids = ingress_ids(bal, 1)
    bal.expect(r"running")
    sent = frames()[:512]  # fewer than a queue holds: none dropped
    got, _ = feed(zc, bal, cid, 2, [(ids[0], sent)], 2 * len(sent))
    assert got == [sent, sent]


# ---- several balancers (-i repeated) --------------------------------------------------

def single_cpu_threads(pid: int) -> list[str]:
    """The CPU lists of pid's threads that may run on one CPU only (the pinned workers)."""
    lists = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for line in (task / "status").read_text().splitlines():
            if line.startswith("Cpus_allowed_list:"):
                cpus = line.split()[1]
                if cpus.isdigit():
                    lists.append(cpus)
    return sorted(lists)


@pytest.mark.parametrize("mode", ["1", "2"])
def test_a_balancer_per_input_option(zc: ModuleType, installed: Path, procs: Callable[..., Proc],
                                     pages: None, mode: str) -> None:
    """-i Q -i Q -n 2 -g 0:1: two balancers, a worker each on its own CPU (the buffers on
    CPU 0's NUMA node), each with 2 queues of its own (0-1 and 2-3): what enters the first
    ingress queue leaves through queues 0-1 only, the second's through 2-3; IP hash (-m 1):
    once and no flow split, fan-out (-m 2): to both queues of its balancer, in order."""
    cid = ID_BASE + 35 + int(mode)
    bal = procs(installed / "bin/zbalance_ipc", "-i", "Q", "-i", "Q", "-c", str(cid), "-n", "2",
                "-m", mode, "-q", "1024", "-g", "0:1")
    assert ingress_ids(bal, 2) == [4, 5]
    bal.expect(rf"cluster {cid}, 4 consumer queues \(ids 0-3\), 2 inputs; running")
    bal.expect(r"balancer 0: inputs 0-0, queues 0-1")
    bal.expect(r"balancer 1: inputs 1-1, queues 2-3")
    assert single_cpu_threads(bal.p.pid) == ["0", "1"]
    # the buffers are bound to the NUMA node of the first worker's core (CPU 0), where
    # the kernel has NUMA
    for node_dir in Path("/sys/devices/system/cpu/cpu0").glob("node[0-9]*"):
        maps = [line for line in Path(f"/proc/{bal.p.pid}/numa_maps").read_text().splitlines()
                if f"pfring_zc_cluster_{cid}" in line]
        assert len(maps) == 1 and f" bind:{node_dir.name[4:]} " in maps[0], maps
    a, b = frames()[:1000], frames()[1024:2024]
    copies = 2 if mode == "2" else 1
    got, out = feed(zc, bal, cid, 4, [(4, a), (5, b)], copies * (len(a) + len(b)))
    assert totals_of(out)[:2] == (len(a) + len(b), [len(q) for q in got])
    if mode == "2":
        assert got == [a, a, b, b]
        return
    assert Counter(got[0] + got[1]) == Counter(a)
    assert Counter(got[2] + got[3]) == Counter(b)
    for pair in (got[0:2], got[2:4]):
        assert all(len(qs) == 1 for qs in flow_queues(pair).values()) and all(pair)

# SPDX-License-Identifier: LGPL-2.1-or-later
"""zbalance_ipc and zfanout_ipc on an e1000e port, with consumers in processes of their
own: three zcount_ipc (-o: a pcap of what each received) and one Python consumer
(zc_pyconsumer.py: pfring.zc's Queue.attach, each packet as a hex line).

The frames sent on the other port are UDP/IPv4 of 64 flows, some in both directions
(addresses and ports swapped), each frame with its sequence number in its payload, at
sizes from 60 to 1514 bytes. Round robin: frame k at consumer k % 4. IP hash: each flow,
both directions, at one consumer. Fan-out: every frame at every consumer. Each time every
frame sent arrives byte for byte, none twice, and zbalance_ipc's totals are those frames.
A consumer killed with SIGKILL mid-stream stops nobody else: the others get their whole
share, and what the balancer could not give the dead one is counted as its drops.

The consumers' progress is read, without disturbing them, through a management-only
attachment to each queue (pfring_zc_stats: packets taken out of it)."""

from __future__ import annotations

import signal
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from ringprobe import LoadPfRing, need
from test_tx import csum, first_difference

from pfring.bench.ingestion import (
    CONSUMER_TOTALS,
    parse_balancer,
    parse_pfcount,
    pid_ring_totals,
)
from pfring.paths import build_root
from pfring.rules import mac_bytes
from pfring.testing.plugin import LinkEnds
from pfring.testing.traffic import (
    Pktgen,
    interface_mac,
    send_frames_paced,
)

USER = build_root() / "user"
ZBALANCE = USER / "bin" / "zbalance_ipc"
ZFANOUT = USER / "bin" / "zfanout_ipc"
ZCOUNT_IPC = USER / "bin" / "zcount_ipc"
PFCOUNT = USER / "bin" / "pfcount"
PYCONSUMER = Path(__file__).with_name("zc_pyconsumer.py")
SIZES = (60, 61, 128, 512, 1514)
ZC_HUGEPAGES_NEEDED = 40  # of the 64 asked (conftest.py's zc_hugepages)

pytestmark = pytest.mark.usefixtures("zc_hugepages")
FLOWS = 64
CLUSTER = 51  # one id for all: a create removes the stale file of a killed creator
SEQ_AT = 42  # the sequence number: the first 4 bytes of the UDP payload


# ---- the frames ------------------------------------------------------------------------


@dataclass(frozen=True)
class Flow:
    src_ip: str
    dst_ip: str
    sport: int
    dport: int

    def reverse(self) -> Flow:
        return Flow(self.dst_ip, self.src_ip, self.dport, self.sport)

    def key(self) -> tuple[tuple[str, int], tuple[str, int]]:
        """The same for both directions."""
        a, b = (self.src_ip, self.sport), (self.dst_ip, self.dport)
        return (a, b) if a <= b else (b, a)


def udp_frame(dst: str, src: str, flow: Flow, seq: int, length: int) -> bytes:
    """A UDP/IPv4 frame of length bytes, checksums right, seq in its payload's first 4
    bytes, the rest a pattern of seq."""
    udp_len = length - 34
    fill = bytes((seq * 7 + i) & 0xFF for i in range(length - SEQ_AT - 4))
    payload = struct.pack("!I", seq) + fill
    saddr, daddr = socket.inet_aton(flow.src_ip), socket.inet_aton(flow.dst_ip)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, length - 14, seq & 0xFFFF, 0x4000, 64, 17, 0,
                     saddr, daddr)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    udp = struct.pack("!HHHH", flow.sport, flow.dport, udp_len, 0) + payload
    check = csum(saddr + daddr + struct.pack("!BBH", 0, 17, udp_len) + udp) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", check) + udp[8:]
    return mac_bytes(dst) + mac_bytes(src) + b"\x08\x00" + ip + udp


def flows() -> list[Flow]:
    return [Flow(f"10.{1 + i % 5}.{i}.{1 + i % 7}", f"192.168.{i % 3}.{2 + i}",
                 1024 + 37 * i, 2000 + 11 * i) for i in range(FLOWS)]


def balance_frames(e1000e_wire: LinkEnds, count: int) -> tuple[list[bytes], list[Flow]]:
    """count frames (seq 0..count-1) and the flow of each: frame k of flow k % 64, every
    other pass reversed for the flows whose number is a multiple of 3."""
    dst, src = interface_mac(e1000e_wire.rx), interface_mac(e1000e_wire.tx)
    base = flows()
    frames: list[bytes] = []
    of: list[Flow] = []
    for k in range(count):
        flow = base[k % FLOWS]
        if (k % FLOWS) % 3 == 0 and (k // FLOWS) % 2 == 1:
            flow = flow.reverse()
        frames.append(udp_frame(dst, src, flow, k, SIZES[k % len(SIZES)]))
        of.append(flow)
    return frames, of


def seq_of(frame: bytes) -> int:
    return int(struct.unpack_from("!I", frame, SEQ_AT)[0])


def read_pcap(path: Path) -> list[bytes]:
    """The frames of a classic pcap file (either byte order, either time unit)."""
    data = path.read_bytes()
    magic = data[:4]
    order = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    assert magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\xc3\xd4",
                     b"\xa1\xb2\x3c\x4d"), magic.hex()
    pos, out = 24, []
    while pos < len(data):
        _, _, caplen, wirelen = struct.unpack_from(order + "IIII", data, pos)
        assert caplen == wirelen
        out.append(data[pos + 16:pos + 16 + caplen])
        pos += 16 + caplen
    return out


# ---- the processes ---------------------------------------------------------------------


def started(cmd: list[str], ready: str, what: str) -> subprocess.Popen[str]:
    """cmd in the background, once it printed a line starting with ready on stdout."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith(ready):
        proc.kill()
        _, err = proc.communicate()
        pytest.fail(f"{what} did not start: {line!r} {err[-2000:]}")
    return proc


def finished(proc: subprocess.Popen[str], what: str) -> str:
    """SIGTERM, then its stdout once it exited 0."""
    proc.send_signal(signal.SIGTERM)
    try:
        out, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"{what} did not end on SIGTERM: {out[-2000:]} {err[-2000:]}")
    assert proc.returncode == 0, f"{what}: {out[-2000:]} {err[-2000:]}"
    return out


@dataclass
class Totals:
    recv: int
    dev_drops: int
    sent: list[int]
    drops: list[int]


def balancer_totals(out: str) -> Totals:
    """The totals line the balancer printed at exit (its last line)."""
    found = parse_balancer(out)
    assert found and found[-1].final and "totals" in out.splitlines()[-1], out[-2000:]
    last = found[-1]
    return Totals(last.recv, last.dev_drops, list(last.sent), list(last.drops))


class Run:
    """A balancer (zbalance_ipc or zfanout_ipc) on rx, consumers attached to each of its
    queues (the Python one on the queue py_queue), a management attachment to each."""

    def __init__(self, tool: Path, rx: str, cluster_id: int, consumers: int, args: list[str],
                 tmp: Path, py_queue: int | None) -> None:
        from pfring.zc import Queue, QueueMode

        self.cluster_id = cluster_id
        self.balancer = started([str(need(tool)), "-i", rx, "-c", str(cluster_id), "-n",
                                 str(consumers), *args], tool.name, tool.name)
        self.consumers: dict[int, subprocess.Popen[str]] = {}
        self.outputs: list[Path] = []
        self.watch: list[Any] = []
        try:
            for q in range(consumers):
                if q == py_queue:
                    path = tmp / f"q{q}.hex"
                    cmd = [sys.executable, str(PYCONSUMER), str(cluster_id), str(q), str(path)]
                    ready = "zc_pyconsumer: attached"
                else:
                    path = tmp / f"q{q}.pcap"
                    cmd = [str(need(ZCOUNT_IPC)), "-c", str(cluster_id), "-i", str(q), "-o",
                           str(path)]
                    ready = "zcount_ipc: attached"
                self.outputs.append(path)
                self.consumers[q] = started(cmd, ready, f"consumer {q}")
                self.watch.append(Queue.attach(cluster_id, q, QueueMode.MANAGEMENT))
        except BaseException:
            self.abort()
            raise

    def taken(self) -> list[int]:
        """Packets each consumer has taken out of its queue so far."""
        return [w.stats().recv for w in self.watch]

    def await_taken(self, done: Callable[[list[int]], bool], timeout: float = 60) -> list[int]:
        deadline = time.monotonic() + timeout
        while not done(now := self.taken()):
            if time.monotonic() > deadline:
                pytest.fail(f"the consumers took {now} packets after {timeout} s")
            time.sleep(0.05)
        return now

    def kill(self, q: int) -> None:
        proc = self.consumers.pop(q)
        proc.kill()
        proc.communicate()

    def stop(self) -> tuple[Totals, dict[int, list[bytes]]]:
        """The consumers, then the balancer, stopped by SIGTERM: the balancer's totals,
        what each living consumer received (its totals line checked against it)."""
        for w in self.watch:
            w.close()
        got: dict[int, list[bytes]] = {}
        for q, proc in sorted(self.consumers.items()):
            out = finished(proc, f"consumer {q}")
            m = CONSUMER_TOTALS.match(out.splitlines()[-1])
            assert m, out[-2000:]
            path = self.outputs[q]
            if path.suffix == ".pcap":
                frames = read_pcap(path)
            else:
                frames = [bytes.fromhex(line) for line in path.read_text().splitlines()]
            assert (int(m[1]), int(m[2])) == (len(frames), sum(map(len, frames))), q
            got[q] = frames
        self.consumers = {}
        totals = balancer_totals(finished(self.balancer, "the balancer"))
        return totals, got

    def abort(self) -> None:
        """After a failure: SIGTERM to all, SIGKILL to any still there after 10 s (the
        balancer's cluster file would outlive a SIGKILL until the next create of its id:
        every test here uses the same id, CLUSTER)."""
        for w in self.watch:
            w.close()
        procs = [*self.consumers.values(), self.balancer]
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in procs:
            try:
                proc.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()


def check_flow_order(seqs: list[int], flow_of: list[Flow], what: str) -> None:
    """The frames of each flow direction in the order sent. Frames of different flows
    may pass each other before zbalance_ipc reads them (the lab's e1000e spreads flows
    over two RX queues by RSS hash), those of one flow direction may not."""
    last: dict[Flow, int] = {}
    for seq in seqs:
        flow = flow_of[seq]
        assert last.get(flow, -1) < seq, f"{what}: frame {seq} of {flow} after {last[flow]}"
        last[flow] = seq


def check_each_once(frames: list[bytes], flow_of: list[Flow],
                    got: dict[int, list[bytes]]) -> None:
    """Every frame sent arrived at one consumer, byte for byte, none twice; each
    consumer's in the order sent within each flow direction."""
    every = sorted((f for fs in got.values() for f in fs), key=seq_of)
    assert every == frames, first_difference(every, frames)
    for q, fs in got.items():
        check_flow_order([seq_of(f) for f in fs], flow_of, f"consumer {q}")


def run_balanced(e1000e_wire: LinkEnds, tmp: Path, mode: int,
                 count: int) -> tuple[list[bytes], list[Flow], Totals, dict[int, list[bytes]]]:
    frames, flow_of = balance_frames(e1000e_wire, count)
    run = Run(ZBALANCE, e1000e_wire.rx, CLUSTER, 4, ["-m", str(mode)], tmp, py_queue=3)
    try:
        send_frames_paced(e1000e_wire.tx, e1000e_wire.rx, frames)
        if mode == 2:
            run.await_taken(lambda n: n == [count] * 4)
        else:
            run.await_taken(lambda n: sum(n) == count)
        totals, got = run.stop()
    except BaseException:
        run.abort()
        raise
    return frames, flow_of, totals, got


@pytest.mark.require_driver("e1000e")
def test_round_robin(e1000e_wire: LinkEnds, pf_ring_module: LoadPfRing, tmp_path: Path) -> None:
    """-m 0: every frame once, byte for byte, a quarter of them at each consumer; the
    n-th frame the balancer read went to consumer n % 4: interleaving the consumers'
    frames that way gives back an order of arrival (each flow direction's frames in the
    order sent); the balancer's totals: in = the frames sent = the sum of out, no drop."""
    pf_ring_module()
    count = 4000
    frames, flow_of, totals, got = run_balanced(e1000e_wire, tmp_path, 0, count)
    check_each_once(frames, flow_of, got)
    assert [len(got[q]) for q in range(4)] == [count // 4] * 4
    arrival = [seq_of(got[n % 4][n // 4]) for n in range(count)]
    check_flow_order(arrival, flow_of, "the order the balancer read")
    assert totals == Totals(count, 0, [count // 4] * 4, [0] * 4)


@pytest.mark.require_driver("e1000e")
def test_ip_hash_keeps_each_flow_together(e1000e_wire: LinkEnds, pf_ring_module: LoadPfRing,
                                          tmp_path: Path) -> None:
    """-m 1: every frame once, byte for byte; each flow, both of its directions, at
    exactly one consumer; the totals add up (the sum of out = in = sent, no drop)."""
    pf_ring_module()
    count = 4000
    frames, flow_of, totals, got = run_balanced(e1000e_wire, tmp_path, 1, count)
    check_each_once(frames, flow_of, got)
    where: dict[tuple[tuple[str, int], tuple[str, int]], set[int]] = {}
    directions: dict[tuple[tuple[str, int], tuple[str, int]], set[Flow]] = {}
    for q, fs in got.items():
        for f in fs:
            flow = flow_of[seq_of(f)]
            where.setdefault(flow.key(), set()).add(q)
            directions.setdefault(flow.key(), set()).add(flow)
    assert len(where) == FLOWS
    assert sum(len(d) == 2 for d in directions.values()) == len(range(0, FLOWS, 3))
    split = {k: qs for k, qs in where.items() if len(qs) != 1}
    assert not split, split
    assert len(set().union(*where.values())) > 1, "every flow at one consumer"
    assert [len(got[q]) for q in range(4)] == totals.sent
    assert (totals.recv, totals.dev_drops, sum(totals.sent), totals.drops) == (
        count, 0, count, [0] * 4)


@pytest.mark.require_driver("e1000e")
def test_fanout_mode(e1000e_wire: LinkEnds, pf_ring_module: LoadPfRing, tmp_path: Path) -> None:
    """-m 2: every consumer gets every frame, once, byte for byte, all in the same
    order (the order of arrival)."""
    pf_ring_module()
    count = 3000
    frames, flow_of, totals, got = run_balanced(e1000e_wire, tmp_path, 2, count)
    check_each_once(frames, flow_of, {0: got[0]})
    for q in range(1, 4):
        assert got[q] == got[0], (q, first_difference(got[q], got[0]))
    assert totals == Totals(count, 0, [count] * 4, [0] * 4)


@pytest.mark.require_driver("e1000e")
def test_zfanout_ipc(e1000e_wire: LinkEnds, pf_ring_module: LoadPfRing, tmp_path: Path) -> None:
    """zfanout_ipc -n 2 (a C and a Python consumer): both get every frame, once, byte for
    byte, in the same order."""
    pf_ring_module()
    count = 3000
    frames, flow_of = balance_frames(e1000e_wire, count)
    run = Run(ZFANOUT, e1000e_wire.rx, CLUSTER, 2, [], tmp_path, py_queue=1)
    try:
        send_frames_paced(e1000e_wire.tx, e1000e_wire.rx, frames)
        run.await_taken(lambda n: n == [count] * 2)
        totals, got = run.stop()
    except BaseException:
        run.abort()
        raise
    check_each_once(frames, flow_of, {0: got[0]})
    assert got[1] == got[0], first_difference(got[1], got[0])
    assert totals == Totals(count, 0, [count] * 2, [0] * 2)


@pytest.mark.require_driver("e1000e")
@pytest.mark.parametrize("capture_tx", [True, False], ids=["-X", "no-X"])
def test_capture_tx(e1000e_wire: LinkEnds, pf_ring_module: LoadPfRing, tmp_path: Path,
                    capture_tx: bool) -> None:
    """zbalance_ipc on the sending port: with -X the frames that port transmits reach the
    consumer, each once, byte for byte, in the order sent; without it none (the port
    receives nothing: IPv6 is off on both ends)."""
    pf_ring_module()
    count = 1000
    frames, _ = balance_frames(e1000e_wire, count)
    run = Run(ZBALANCE, e1000e_wire.tx, CLUSTER, 1, ["-m", "0"] + ["-X"] * capture_tx,
              tmp_path, py_queue=None)
    try:
        send_frames_paced(e1000e_wire.tx, e1000e_wire.rx, frames)
        if capture_tx:
            run.await_taken(lambda n: n == [count])
        else:
            time.sleep(1)  # what would have come by now
        totals, got = run.stop()
    except BaseException:
        run.abort()
        raise
    expected = frames if capture_tx else []
    assert got[0] == expected, first_difference(got[0], expected)
    assert totals == Totals(len(expected), 0, [len(expected)], [0])


@pytest.mark.require_driver("e1000e")
def test_consumer_killed_mid_stream(e1000e_wire: LinkEnds, pf_ring_module: LoadPfRing,
                                    tmp_path: Path) -> None:
    """Round robin over 4 queues of 256 slots, 4 zcount_ipc; consumer 1 killed with
    SIGKILL once each took its quarter of the first half: the three others still get their
    quarter of the second half, byte for byte, each frame once; the dead queue's quarter
    is what fills its queue plus the balancer's drops for it; no drop elsewhere."""
    pf_ring_module()
    count, half = 4000, 2000
    frames, flow_of = balance_frames(e1000e_wire, count)
    run = Run(ZBALANCE, e1000e_wire.rx, CLUSTER, 4, ["-m", "0", "-q", "256"], tmp_path,
              py_queue=None)
    try:
        send_frames_paced(e1000e_wire.tx, e1000e_wire.rx, frames[:half])
        run.await_taken(lambda n: n == [half // 4] * 4)
        run.kill(1)
        send_frames_paced(e1000e_wire.tx, e1000e_wire.rx, frames[half:])
        run.await_taken(lambda n: [n[0], n[2], n[3]] == [count // 4] * 3)
        totals, got = run.stop()
    except BaseException:
        run.abort()
        raise
    assert sorted(got) == [0, 2, 3]
    assert [len(got[q]) for q in (0, 2, 3)] == [count // 4] * 3
    seqs = [seq_of(f) for q in (0, 2, 3) for f in got[q]]
    assert len(set(seqs)) == len(seqs), "a frame twice"
    assert all(f == frames[seq_of(f)] for q in (0, 2, 3) for f in got[q]), "a frame altered"
    for q in (0, 2, 3):
        check_flow_order([seq_of(f) for f in got[q]], flow_of, f"consumer {q}")
    assert totals.recv == count and totals.dev_drops == 0
    assert [totals.sent[q] for q in (0, 2, 3)] == [count // 4] * 3
    assert [totals.drops[q] for q in (0, 2, 3)] == [0] * 3
    # the dead queue: its first-half share taken, then at most its 256 slots filled
    assert totals.sent[1] + totals.drops[1] == count // 4
    assert half // 4 < totals.sent[1] <= half // 4 + 256
    assert totals.drops[1] == count // 4 - totals.sent[1] > 0


# ---- one-copy ingestion through zbalance_ipc, and pfcount, on the same frames ----------
# How fast each ingests is the bench's business (invoke bench --only zc-ingestion,
# pfring.bench.ingestion: equal offered loads, every run accounted); here both must
# count what they were given.

INGESTION_FRAMES = 20000
INGESTION_PPS = 10000


def await_still(read: Callable[[], int], timeout: float = 30) -> int:
    """read()'s value once it stopped moving (the same twice 0.5 s apart)."""
    deadline = time.monotonic() + timeout
    last = read()
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = read()
        if now == last:
            return now
        last = now
    pytest.fail(f"still moving after {timeout} s: {last}")


@pytest.mark.require_driver("e1000e")
def test_ingestion_adds_up(e1000e_wire: LinkEnds, pf_ring_module: LoadPfRing,
                           tmp_path: Path) -> None:
    """pktgen's 60-byte frames at a paced rate into zbalance_ipc (one queue, zcount_ipc
    taking it: one-copy ingestion), then the same into pfcount (standard mode): neither
    counts more than was sent; the balancer's device received + dropped, its queue's
    sent + dropped and what zcount_ipc took add up; pfcount's count is what its ring
    says it read."""
    pf_ring_module()
    gen = Pktgen(e1000e_wire.tx)
    try:
        gen.configure(INGESTION_FRAMES, 60, interface_mac(e1000e_wire.rx), rate_pps=INGESTION_PPS)
        zbalance_ingestion(e1000e_wire, gen, tmp_path)
        pfcount_ingestion(e1000e_wire, gen)
    finally:
        gen.close()


def zbalance_ingestion(e1000e_wire: LinkEnds, gen: Pktgen, tmp_path: Path) -> None:
    run = Run(ZBALANCE, e1000e_wire.rx, CLUSTER, 1, ["-m", "0"], tmp_path, py_queue=None)
    try:
        sent = gen.run()
        await_still(lambda: run.taken()[0])
        totals, got = run.stop()
    except BaseException:
        run.abort()
        raise
    assert totals.recv == totals.sent[0] + totals.drops[0]
    assert totals.sent[0] == len(got[0])
    assert totals.recv + totals.dev_drops <= sent.sent


def pfcount_ingestion(e1000e_wire: LinkEnds, gen: Pktgen) -> None:
    pfcount = subprocess.Popen([str(need(PFCOUNT)), "-i", e1000e_wire.rx],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert pfcount.stderr is not None
    line = ""
    while "Capturing from" not in line:
        line = pfcount.stderr.readline()
        if not line:
            pfcount.wait()
            pytest.fail("pfcount stopped before it captured")
    try:
        sent = gen.run()
        await_still(lambda: pid_ring_totals(pfcount.pid).received)
        last = pid_ring_totals(pfcount.pid)
    finally:
        pfcount.send_signal(signal.SIGINT)
        _, err = pfcount.communicate(timeout=30)
    printed = parse_pfcount(err)
    assert printed, err[-2000:]
    counted, _, dropped = printed
    assert (counted, dropped) == (last.received, last.drops)
    assert counted + dropped <= sent.sent

# SPDX-License-Identifier: GPL-2.0-only
"""In-kernel filtering (issue 10), one behaviour at a time: every rule action, both
policies, the counters, purging, sampling, BPF (against tcpdump's decisions, and
attached by hand on the ring's fd), the errors of bad input, the limits, and rules
changed while traffic flows. test_filter_oracle.py compares generated rule sets with
an independent model."""

from __future__ import annotations

import ctypes
import errno
import ipaddress
import re
import signal
import struct
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
from ringprobe import TUN, LoadPfRing, kasan_kernel, quiet_veth
from scapy.error import Scapy_Exception
from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import ARP, Dot1Q, Ether
from scapy.utils import rdpcap

from pfring.paths import build_root
from pfring.ring import Direction, Ring
from pfring.rules import HashRule, Policy, Rule, RuleAction
from pfring.testing import traffic
from pfring.testing.traffic import FrameReceiver, interface_mac

OTHER = ("pfrflt0", "pfrflt1")
SOL_PF_RING = 0x5052
SOL_SOCKET, SO_ATTACH_FILTER, SO_DETACH_FILTER = 1, 26, 27
OPT_RULE_ADD, OPT_HASH_RULE_ADD, OPT_SAMPLING_RATE, OPT_RULE_POLICY = 30, 32, 16, 17
net = ipaddress.ip_network
addr = ipaddress.ip_address
libc = ctypes.CDLL(None, use_errno=True)


# ---- frames ------------------------------------------------------------------------


class Wire:
    """A quiet veth pair: frames go in at tx and a ring listens at rx."""

    def __init__(self, tx: str, rx: str) -> None:
        self.tx, self.rx = tx, rx
        self.src, self.dst = interface_mac(tx), interface_mac(rx)
        self.ident = 0

    def _pad(self, frame: bytes) -> bytes:
        return frame.ljust(60, b"\0")

    def udp(self, src: str, dst: str, sport: int, dport: int, payload: bytes = b"",
            vlan: int | None = None) -> bytes:
        self.ident += 1
        l3 = (IPv6(src=src, dst=dst, fl=self.ident) if ":" in src
              else IP(src=src, dst=dst, id=self.ident))
        l2 = Ether(src=self.src, dst=self.dst)
        if vlan is not None:
            l2 = l2 / Dot1Q(vlan=vlan)
        return self._pad(bytes(l2 / l3 / UDP(sport=sport, dport=dport) / payload))

    def tcp(self, src: str, dst: str, sport: int, dport: int, flags: str = "A",
            payload: bytes = b"") -> bytes:
        self.ident += 1
        return self._pad(bytes(Ether(src=self.src, dst=self.dst) /
                               IP(src=src, dst=dst, id=self.ident) /
                               TCP(sport=sport, dport=dport, flags=flags) / payload))

    def icmp(self, src: str, dst: str) -> bytes:
        self.ident += 1
        return self._pad(bytes(Ether(src=self.src, dst=self.dst) /
                               IP(src=src, dst=dst, id=self.ident) / ICMP(id=self.ident)))

    def send(self, frames: Sequence[bytes]) -> None:
        traffic.send_frames_paced(self.tx, self.rx, list(frames), chunk=256)


@pytest.fixture
def wire(veth: tuple[str, str]) -> Wire:
    return Wire(*veth)


@pytest.fixture
def other_veth() -> Iterator[tuple[str, str]]:
    with quiet_veth(OTHER) as ends:
        yield ends


def open_ring(wire: Wire) -> Ring:
    """A ring on the wire's receiving end, received frames only (not what a bounce
    sends back out of it)."""
    ring = Ring(wire.rx, caplen=2048)
    ring.set_direction(Direction.RX_ONLY)
    ring.set_poll_watermark(1)
    return ring


def received(ring: Ring, sent: int, timeout: float = 20.0) -> list[bytes]:
    """What the ring queued, once every frame sent is accounted for by its counters
    (queued, dropped, filtered or sampled out)."""
    deadline = time.monotonic() + timeout
    while True:
        st = ring.stats()
        seen = st.recv + st.drop + st.filtered + st.sampled_out
        if seen >= sent or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert seen == sent, f"{st} for {sent} frames sent"
    assert st.drop == 0
    return [p.data for p in iter(lambda: ring.recv(wait=False), None)]


def run(wire: Wire, ring: Ring, frames: Sequence[bytes]) -> list[bytes]:
    wire.send(frames)
    return received(ring, len(frames))


def ring_file(ring: Ring) -> str:
    proc = Path("/proc/net/pf_ring")
    found = [p for p in proc.iterdir() if p.is_file() and p.name.endswith(f".{ring.ring_id}")]
    assert len(found) == 1, found
    return found[0].read_text()


def proc_field(ring: Ring, field: str) -> str:
    m = re.search(rf"^{field}\s*: (.*)$", ring_file(ring), re.MULTILINE)
    assert m, ring_file(ring)
    return m[1]


# ---- the actions ---------------------------------------------------------------------

A, B, C = "10.0.0.1", "10.0.0.2", "10.9.9.9"


def mixed(wire: Wire) -> tuple[list[bytes], list[bytes], list[bytes]]:
    """DNS queries from A to B, web from B to A, pings from C: 10 of each."""
    dns = [wire.udp(A, B, 4000 + i, 53, b"query%d" % i) for i in range(10)]
    web = [wire.tcp(B, A, 80, 5000 + i) for i in range(10)]
    ping = [wire.icmp(C, A) for _ in range(10)]
    return dns, web, ping


def interleave(*groups: list[bytes]) -> list[bytes]:
    return [f for row in zip(*groups, strict=True) for f in row]


def test_forward_rule_under_the_drop_policy_delivers_only_its_matches(
    pfr_module: LoadPfRing, wire: Wire
) -> None:
    pfr_module()
    dns, web, ping = mixed(wire)
    with open_ring(wire) as ring:
        ring.set_policy(Policy.DROP)
        rid = ring.add_rule(Rule(rule_id=5, proto=17, dst=net(f"{B}/32"), dport=(53, 53)))
        assert rid == 5
        assert run(wire, ring, interleave(dns, web, ping)) == dns
        st = ring.stats()
        assert (st.recv, st.filtered, st.sampled_out) == (10, 20, 0)
        assert ring.rule_stats(5).match == 10
        assert ring.rule_stats(5).filtered == 0
        assert proc_field(ring, "Filtering Policy") == "drop"
        assert proc_field(ring, "Filtering Rules") == "1"
        assert int(proc_field(ring, "Tot Filtered")) == 20


def test_dont_forward_under_the_accept_policy_removes_only_its_matches(
    pfr_module: LoadPfRing, wire: Wire
) -> None:
    pfr_module()
    dns, web, ping = mixed(wire)
    with open_ring(wire) as ring:
        ring.add_rule(Rule(rule_id=1, action=RuleAction.DONT_FORWARD, proto=1))
        # web is B:80 -> A:500x: only the swapped view (A:500x -> B:80) matches
        ring.add_rule(Rule(rule_id=2, action=RuleAction.DONT_FORWARD, src=net(f"{A}/32"),
                           sport=(5000, 5009), dport=(80, 80), bidirectional=True))
        assert run(wire, ring, interleave(dns, web, ping)) == dns
        assert ring.rule_stats(1).match == ring.rule_stats(1).filtered == 10
        assert ring.rule_stats(2).match == ring.rule_stats(2).filtered == 10
        assert ring.stats().filtered == 20


def test_rules_are_evaluated_by_rule_id_and_continue_or_stop(
    pfr_module: LoadPfRing, wire: Wire
) -> None:
    """Added out of order; 10 counts and goes on, 20 stops with the verdict as it is
    (the policy's: drop), so 30 (which would forward) never sees the DNS queries; the
    web frames pass 10 and 20 (no match) and 30 forwards them."""
    pfr_module()
    dns, web, ping = mixed(wire)
    with open_ring(wire) as ring:
        ring.set_policy(Policy.DROP)
        ring.add_rule(Rule(rule_id=30, action=RuleAction.FORWARD, ip_version=4))
        ring.add_rule(Rule(rule_id=20, action=RuleAction.EXECUTE_AND_STOP, proto=17))
        ring.add_rule(Rule(rule_id=10, action=RuleAction.EXECUTE_AND_CONTINUE,
                           dst=net("10.0.0.0/24")))
        assert run(wire, ring, interleave(dns, web, ping)) == interleave(web, ping)
        assert ring.rule_stats(10).match == 30
        assert ring.rule_stats(20).match == 10
        assert ring.rule_stats(30).match == 20


def test_forward_add_rule_lets_the_rest_of_each_flow_through(
    pfr_module: LoadPfRing, wire: Wire
) -> None:
    """A SYN adds a hash rule for its flow: the flow's later frames, both ways, pass the
    drop policy; a flow that never sent a SYN does not."""
    pfr_module()
    with open_ring(wire) as ring:
        ring.set_policy(Policy.DROP)
        ring.add_rule(Rule(rule_id=1, action=RuleAction.FORWARD_ADD_RULE, proto=6,
                           tcp_flags=0x02))
        frames = [wire.tcp(A, B, 1000 + i, 80, "S") for i in range(3)]
        later = [wire.tcp(A, B, 1000 + i, 80, "A") for i in range(3)]
        back = [wire.tcp(B, A, 80, 1000 + i, "A") for i in range(3)]
        stranger = [wire.tcp(A, B, 2000, 80, "A")]
        got = run(wire, ring, frames + later + back + stranger)
        assert got == frames + later + back
        info = ring.filter_info()
        assert info.num_hash_rules == 3
        flow = HashRule(host_a=addr(B), host_b=addr(A), proto=6, port_a=80, port_b=1001)
        assert ring.hash_rule_stats(flow).match == 2  # one later frame each way
        assert ring.rule_stats(1).match == 3


def test_reflect_and_bounce_actions(pfr_module: LoadPfRing, wire: Wire,
                                    other_veth: tuple[str, str]) -> None:
    """_STOP sends a copy and does not queue; _CONTINUE sends a copy and the
    evaluation goes on (here to the policy: accept)."""
    pfr_module()
    dns, web, ping = mixed(wire)
    with open_ring(wire) as ring, FrameReceiver(other_veth[1], 0x0800) as out, \
            FrameReceiver(wire.tx, 0x0800) as back:
        ring.add_rule(Rule(rule_id=1, action=RuleAction.REFLECT_AND_STOP, proto=17,
                           reflector=other_veth[0]))
        ring.add_rule(Rule(rule_id=2, action=RuleAction.BOUNCE_AND_CONTINUE, proto=6))
        ring.add_rule(Rule(rule_id=3, action=RuleAction.BOUNCE_AND_STOP, proto=1))
        got = run(wire, ring, interleave(dns, web, ping))
        assert got == web
        assert out.frames(10) == dns
        swapped = [f[6:12] + f[0:6] + f[12:] for f in interleave(web, ping)]
        assert back.frames(20) == swapped
        assert ring.rule_stats(1).filtered == 10
        assert ring.rule_stats(2).filtered == 0
        assert ring.rule_stats(3).filtered == 10
        assert int(proc_field(ring, "Reflected")) == 30
    with open_ring(wire) as ring, FrameReceiver(other_veth[1], 0x0800) as out:
        ring.add_rule(Rule(rule_id=1, action=RuleAction.REFLECT_AND_CONTINUE, proto=1,
                           reflector=other_veth[0]))
        assert run(wire, ring, ping) == ping
        assert out.frames(10) == ping


def test_hash_rules_match_both_directions_and_come_first(
    pfr_module: LoadPfRing, wire: Wire
) -> None:
    pfr_module()
    with open_ring(wire) as ring:
        ring.add_rule(Rule(rule_id=1, action=RuleAction.DONT_FORWARD, ip_version=4))
        flows = [HashRule(host_a=addr(A), host_b=addr(f"10.1.{i // 250}.{i % 250}"),
                          proto=17, port_a=53, port_b=10000 + i) for i in range(1000)]
        for rule in flows:
            ring.add_hash_rule(rule)
        assert ring.filter_info().num_hash_rules == 1000
        with pytest.raises(OSError) as dup:
            ring.add_hash_rule(flows[7])
        assert dup.value.errno == errno.EEXIST
        frames = []
        for i in (0, 7, 999):
            frames.append(wire.udp(A, f"10.1.{i // 250}.{i % 250}", 53, 10000 + i))
            frames.append(wire.udp(f"10.1.{i // 250}.{i % 250}", A, 10000 + i, 53))
        miss = [wire.udp(A, "10.1.0.0", 53, 9999), wire.udp(A, "10.1.0.0", 54, 10000)]
        assert run(wire, ring, frames + miss) == frames
        assert ring.hash_rule_stats(flows[7]).match == 2
        assert ring.rule_stats(1).filtered == 2
        ring.remove_hash_rule(flows[7])
        with pytest.raises(OSError) as gone:
            ring.remove_hash_rule(flows[7])
        assert gone.value.errno == errno.ENOENT
        assert ring.filter_info().num_hash_rules == 999
        assert proc_field(ring, "Hash Rules") == "999"


# ---- purge, sampling ---------------------------------------------------------------


def test_purge_keeps_locked_and_recently_matched_rules(
    pfr_module: LoadPfRing, wire: Wire
) -> None:
    pfr_module()
    with open_ring(wire) as ring:
        ring.add_rule(Rule(rule_id=1, proto=50, locked=True))
        ring.add_rule(Rule(rule_id=2, proto=51))
        ring.add_rule(Rule(rule_id=3, proto=17))
        used = HashRule(host_a=addr(A), host_b=addr(B), proto=17, port_a=1, port_b=2,
                        action=RuleAction.EXECUTE_AND_CONTINUE)  # rule 3 is reached
        idle = HashRule(host_a=addr(A), host_b=addr(B), proto=17, port_a=1, port_b=3)
        ring.add_hash_rule(used)
        ring.add_hash_rule(idle)
        time.sleep(2.5)
        run(wire, ring, [wire.udp(A, B, 1, 2)])  # matches rule 3 and the used hash rule
        assert ring.rule_stats(2).inactivity >= 2
        ring.purge_idle_rules(2)
        ring.purge_idle_hash_rules(2)
        assert ring.filter_info().num_rules == 2
        ring.rule_stats(1)
        ring.rule_stats(3)
        with pytest.raises(OSError) as gone:
            ring.rule_stats(2)
        assert gone.value.errno == errno.ENOENT
        assert ring.filter_info().num_hash_rules == 1
        assert ring.hash_rule_stats(used).match == 1
        with pytest.raises(OSError):
            ring.hash_rule_stats(idle)


def test_sampling_keeps_one_in_n_and_counts_the_rest(pfr_module: LoadPfRing,
                                                     wire: Wire) -> None:
    pfr_module()
    frames = [wire.udp(A, B, 7, 7, b"%d" % i) for i in range(100)]
    with open_ring(wire) as ring:
        ring.set_sampling_rate(8)
        assert run(wire, ring, frames) == frames[::8]
        st = ring.stats()
        assert (st.recv, st.sampled_out, st.filtered) == (13, 87, 0)
        assert proc_field(ring, "Sampling Rate") == "8"
        # sampling comes after the filters: it counts only what they let through
        ring.set_sampling_rate(2)
        ring.add_rule(Rule(rule_id=1, action=RuleAction.DONT_FORWARD, sport=(7, 7),
                           payload=b"1"))
        kept = [f for f in frames if b"1" not in f[42:]]
        wire.send(frames)
        assert received(ring, 200) == kept[::2]


def test_filtering_sampling_lets_one_in_n_dropped_packets_through(
    pfr_module: LoadPfRing, wire: Wire
) -> None:
    pfr_module()
    frames = [wire.udp(A, B, 9, 9) for _ in range(50)]
    with open_ring(wire) as ring:
        ring.add_rule(Rule(rule_id=4, action=RuleAction.DONT_FORWARD, proto=17))
        ring.set_filtering_sampling_rate(5)
        assert run(wire, ring, frames) == frames[::5]
        st = ring.rule_stats(4)
        assert (st.match, st.filtered, st.match_forward) == (50, 40, 10)


# ---- BPF ---------------------------------------------------------------------------

BPF_EXPRESSIONS = ("udp", "tcp port 80", "icmp", "vlan 10", "vlan and udp port 53",
                   "ip6", "net 10.0.0.0/30", "greater 200", "not arp and not icmp",
                   "tcp[tcpflags] & tcp-syn != 0")

SANITIZER_BPF = ("udp", "vlan and udp port 53", "greater 200")


def bpf_frames(wire: Wire) -> list[bytes]:
    dns, web, ping = mixed(wire)
    tagged = [wire.udp(A, B, 4000, 53, vlan=10), wire.udp(A, B, 4000, 54, vlan=11),
              wire.udp(A, B, 4001, 53, vlan=10)]
    v6 = [wire.udp("fd00::1", "fd00::2", 1, 53), wire.udp("fd00::2", "fd00::1", 53, 1)]
    arp = [bytes(Ether(src=wire.src, dst="ff:ff:ff:ff:ff:ff") / ARP(psrc=A, pdst=B))]
    big = [wire.udp(C, A, 1, 2, b"x" * 300)]
    syn = [wire.tcp(A, B, 3333, 22, "S")]
    return interleave(dns, web, ping) + tagged + v6 + arp + big + syn


class Tcpdump:
    """tcpdump capturing on an interface with a filter: AF_PACKET's BPF, the reference."""

    def __init__(self, ifname: str, expr: str, path: Path) -> None:
        self.path = path
        self.stats = ""
        # -Z root: Debian's tcpdump would otherwise write as user tcpdump
        # --immediate-mode: each frame is written as it comes (no TPACKET_V3 block waits)
        # -s 2048 -B 8192: libpcap's immediate mode sizes each ring slot for the snap
        # length (262144 by default), so its default 2 MB held about 8 frames, and a
        # slow guest's tcpdump lost some of a burst ("4 packets dropped by kernel", CI)
        self.proc = subprocess.Popen(["tcpdump", "-n", "-U", "--immediate-mode", "-Z", "root",
                                      "-s", "2048", "-B", "8192",
                                      "-i", ifname, "-w", str(path), expr],
                                     stderr=subprocess.PIPE, text=True)
        assert self.proc.stderr is not None
        line = self.proc.stderr.readline()
        assert "listening on" in line, line

    def stop(self, expected: int, timeout: float = 60.0) -> list[bytes]:
        """What it captured, once it has written expected frames (or timeout passed).
        self.stats: what tcpdump says at its end (captured, received by filter, dropped
        by kernel): a reference that dropped frames shows it there."""
        deadline = time.monotonic() + timeout
        while len(self._read()) < expected and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(0.5)  # and nothing more
        self.proc.send_signal(signal.SIGINT)
        _, err = self.proc.communicate(timeout=20)
        assert self.proc.returncode == 0, err
        self.stats = " / ".join(line.strip() for line in err.splitlines() if "packets" in line)
        return self._read()

    def _read(self) -> list[bytes]:
        try:
            return [bytes(p) for p in rdpcap(str(self.path))]
        except (OSError, EOFError, ValueError, Scapy_Exception):  # not written yet
            return []


@pytest.mark.parametrize("expr", BPF_EXPRESSIONS)
def test_bpf_decides_as_tcpdump_does(pfr_module: LoadPfRing, wire: Wire, expr: str,
                                     tmp_path: Path) -> None:
    """The same frames reach the ring with the expression as its BPF filter and tcpdump
    capturing with it on the same interface, live (the veth's receive path takes a VLAN
    tag out of the frame: both read it from the ancillary fields, and both put it back
    in what they capture)."""
    if kasan_kernel() and expr not in SANITIZER_BPF:
        pytest.skip("the same kernel path as the expressions run on the sanitizer kernel")
    pfr_module()
    frames = bpf_frames(wire)
    with open_ring(wire) as ring:
        ring.set_bpf(expr)
        assert ring.filter_info().bpf
        assert proc_field(ring, "BPF Filter") == "Enabled"
        dump = Tcpdump(wire.rx, expr, tmp_path / "ref.pcap")
        got = run(wire, ring, frames)
        want = dump.stop(len(got))
        assert 0 < len(want) < len(frames), expr  # the expression does decide
        assert got == want, f"ring {len(got)} frames, tcpdump {len(want)}: {dump.stats}"
        assert ring.stats().filtered == len(frames) - len(want)
        ring.remove_bpf()
        assert proc_field(ring, "BPF Filter") == "Disabled"
        wire.send(frames[:5])
        assert received(ring, len(frames) + 5) == frames[:5]


def test_a_bad_bpf_expression_is_einval_with_libpcaps_message(
    pfr_module: LoadPfRing, wire: Wire
) -> None:
    pfr_module()
    with open_ring(wire) as ring:
        with pytest.raises(OSError) as bad:
            ring.set_bpf("udp and port ninety")
        assert bad.value.errno == errno.EINVAL
        assert "ninety" in str(bad.value)
        with pytest.raises(OSError) as none:
            ring.remove_bpf()
        assert none.value.errno == errno.ENOENT


class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def attach(fd: int, program: bytes, count: int) -> int:
    buf = ctypes.create_string_buffer(program)
    prog = SockFprog(count, ctypes.cast(buf, ctypes.c_void_p))
    return int(libc.setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, ctypes.byref(prog),
                               ctypes.sizeof(prog)))


def test_so_attach_filter_on_the_ring_fd(pfr_module: LoadPfRing, wire: Wire) -> None:
    """What Snort's DAQ does: classic BPF from tcpdump -ddd, attached with setsockopt on
    the ring's selectable fd; SO_DETACH_FILTER takes it off."""
    pfr_module()
    out = subprocess.run(["tcpdump", "-ddd", "-y", "EN10MB", "-i", wire.rx, "udp"],
                         check=True, capture_output=True, text=True).stdout.split("\n")
    count = int(out[0])
    insns = [tuple(int(x) for x in line.split()) for line in out[1 : 1 + count]]
    program = b"".join(struct.pack("HBBI", *i) for i in insns)
    dns, web, ping = mixed(wire)
    with open_ring(wire) as ring:
        assert attach(ring.fileno(), program, count) == 0
        assert ring.filter_info().bpf
        assert run(wire, ring, interleave(dns, web, ping)) == dns
        zero = ctypes.c_int(0)
        assert libc.setsockopt(ring.fileno(), SOL_SOCKET, SO_DETACH_FILTER,
                               ctypes.byref(zero), ctypes.sizeof(zero)) == 0
        wire.send(web[:3])
        assert received(ring, 33) == web[:3]


# ---- errors --------------------------------------------------------------------------


def raw_rule(**fields: int | bytes) -> bytes:
    """struct pf_ring_rule, for the kernel's own checks (Rule refuses these first)."""
    f: dict[str, int | bytes] = dict(
        rule_id=1, action=0, balance_id=0, balance_pool=0, locked=0, bidirectional=0,
        proto=0, ifindex=0, reflector=0, smac=bytes(6), dmac=bytes(6), vlan=0, eth_type=0,
        ip_version=0, tcp_flags=0, payload_len=0, pad0=0, sl=0, sh=0, dl=0, dh=0,
        shost=bytes(16), smask=bytes(16), dhost=bytes(16), dmask=bytes(16),
        payload=bytes(32))
    f.update(fields)
    return struct.pack("=HBBBBBBii6s6sHHBBBBHHHH16s16s16s16s32s", *f.values())


def raw_hash_rule(ip_version: int = 4, action: int = 0, pad: bytes = bytes(3)) -> bytes:
    return struct.pack("=HBB16s16sHHB3si", 0, ip_version, 17, bytes([10, 0, 0, 1]).ljust(16,
                       b"\0"), bytes([10, 0, 0, 2]).ljust(16, b"\0"), 1, 2, action, pad, 0)


def setsockopt_errno(fd: int, opt: int, value: bytes) -> int:
    buf = ctypes.create_string_buffer(value, len(value))
    if libc.setsockopt(fd, SOL_PF_RING, opt, buf, len(value)) == 0:
        return 0
    return ctypes.get_errno()


V4 = bytes([255, 255, 255, 0]).ljust(16, b"\0")
BAD_RULES: dict[str, tuple[bytes, int]] = {
    "unknown action": (raw_rule(action=9), errno.EINVAL),
    "low > high port": (raw_rule(sl=90, sh=80), errno.EINVAL),
    "mask not a prefix": (raw_rule(ip_version=4, smask=bytes([255, 0, 255, 0]).ljust(16,
                          b"\0")), errno.EINVAL),
    "host outside its mask": (raw_rule(ip_version=4, smask=V4,
                              shost=bytes([10, 0, 0, 1]).ljust(16, b"\0")), errno.EINVAL),
    "ipv4 mask past 4 bytes": (raw_rule(ip_version=4, dmask=bytes([255] * 5).ljust(16,
                               b"\0")), errno.EINVAL),
    "host without ip_version": (raw_rule(smask=V4), errno.EINVAL),
    "ip_version 5": (raw_rule(ip_version=5), errno.EINVAL),
    "payload too long": (raw_rule(payload_len=33), errno.EINVAL),
    "balance_id >= pool": (raw_rule(balance_pool=4, balance_id=4), errno.EINVAL),
    "reflect without device": (raw_rule(action=5), errno.EINVAL),
    "reflect to no device": (raw_rule(action=6, reflector=9999), errno.ENODEV),
    "negative ifindex": (raw_rule(ifindex=-1), errno.EINVAL),
    "padding set": (raw_rule(pad0=1), errno.EINVAL),
    "short": (raw_rule()[:100], errno.EINVAL),
}


@pytest.mark.parametrize("what", BAD_RULES)
def test_malformed_rules_are_refused_by_the_kernel(pfr_module: LoadPfRing, wire: Wire,
                                                   what: str) -> None:
    pfr_module()
    value, err = BAD_RULES[what]
    with open_ring(wire) as ring:
        assert setsockopt_errno(ring.fileno(), OPT_RULE_ADD, value) == err
        assert ring.filter_info().num_rules == 0
        assert run(wire, ring, [wire.udp(A, B, 1, 1)]) != []  # the ring works on


def test_other_bad_input_gets_its_errno(pfr_module: LoadPfRing, wire: Wire,
                                        tun: int) -> None:
    pfr_module()
    with open_ring(wire) as ring:
        fd = ring.fileno()
        ring.add_rule(Rule(rule_id=3))
        checks: list[tuple[Callable[[], object], int]] = [
            (lambda: ring.add_rule(Rule(rule_id=3)), errno.EEXIST),
            (lambda: ring.remove_rule(4), errno.ENOENT),
            (lambda: ring.rule_stats(4), errno.ENOENT),
            (lambda: ring.set_sampling_rate(0), errno.EINVAL),
            (lambda: ring.add_rule(Rule(rule_id=4, action=RuleAction.REFLECT_AND_STOP,
                                        reflector=TUN)), errno.EINVAL),
            (lambda: ring.add_rule(Rule(rule_id=4, action=RuleAction.REFLECT_AND_STOP,
                                        reflector="nosuch0")), errno.ENODEV),
        ]
        for call, err in checks:
            with pytest.raises(OSError) as e:
                call()
            assert e.value.errno == err
        for value, err in [(raw_hash_rule(ip_version=0), errno.EINVAL),
                           (raw_hash_rule(action=4), errno.EINVAL),
                           (raw_hash_rule(pad=b"\1\0\0"), errno.EINVAL),
                           (raw_hash_rule(), 0), (raw_hash_rule(), errno.EEXIST)]:
            assert setsockopt_errno(fd, OPT_HASH_RULE_ADD, value) == err
        assert setsockopt_errno(fd, OPT_RULE_POLICY, struct.pack("I", 2)) == errno.EINVAL
        assert setsockopt_errno(fd, OPT_SAMPLING_RATE, b"\1\0") == errno.EINVAL
        with pytest.raises(ValueError):
            Rule(sport=(90, 80))


def test_limits_are_module_parameters(pfr_module: LoadPfRing, wire: Wire) -> None:
    pfr_module(max_rules=4, max_hash_rules=3)
    with open_ring(wire) as ring:
        for i in range(4):
            ring.add_rule(Rule(rule_id=i))
        with pytest.raises(OSError) as full:
            ring.add_rule(Rule(rule_id=9))
        assert full.value.errno == errno.ENOSPC
        for i in range(3):
            ring.add_hash_rule(HashRule(host_a=addr(A), host_b=addr(B), proto=6, port_a=i))
        with pytest.raises(OSError) as hfull:
            ring.add_hash_rule(HashRule(host_a=addr(A), host_b=addr(B), proto=6, port_a=9))
        assert hfull.value.errno == errno.ENOSPC
        # FORWARD_ADD_RULE over the limit adds nothing and says so
        ring.remove_rule(0)
        ring.add_rule(Rule(rule_id=0, action=RuleAction.FORWARD_ADD_RULE, proto=17))
        frames = [wire.udp(A, B, 100 + i, 53) for i in range(5)]
        assert run(wire, ring, frames) == frames
        info = ring.filter_info()
        assert (info.num_hash_rules, info.hash_rules_not_added) == (3, 5)


@pytest.mark.parametrize("param", [{"max_rules": 0}, {"max_rules": 65536},
                                   {"max_hash_rules": 0}, {"max_hash_rules": (1 << 24) + 1}])
def test_limits_out_of_range_refuse_the_load(pfr_module: LoadPfRing,
                                            param: dict[str, int]) -> None:
    with pytest.raises(OSError) as refused:
        pfr_module(**param)
    assert refused.value.errno == errno.EINVAL


def test_an_auto_rule_id_is_the_highest_plus_one(pfr_module: LoadPfRing,
                                                 wire: Wire) -> None:
    pfr_module()
    with open_ring(wire) as ring:
        assert ring.add_rule(Rule()) == 0
        ring.add_rule(Rule(rule_id=41))
        assert ring.add_rule(Rule()) == 42
        ring.add_rule(Rule(rule_id=0xFFFE))
        assert ring.add_rule(Rule()) == 1  # the lowest free one, past the top


# ---- rules changed under traffic ------------------------------------------------------


def test_changing_rules_under_traffic_loses_no_packet_every_rule_set_accepts(
    pfr_module: LoadPfRing, wire: Wire
) -> None:
    """Frames of port 1 are accepted by every rule set the ring goes through while
    frames flow; frames of port 2 are dropped by some of them. Every port 1 frame
    arrives, once and in order."""
    pfr_module()
    n = 150 if kasan_kernel() else 400
    keep = [wire.udp(A, B, 1, 1, b"%d" % i) for i in range(n)]
    other = [wire.udp(A, B, 2, 2, b"%d" % i) for i in range(n)]
    frames = interleave(keep, other)
    stop = threading.Event()

    def churn(ring: Ring) -> None:
        i = 0
        while not stop.is_set():
            ring.add_rule(Rule(rule_id=100 + i % 50, action=RuleAction.DONT_FORWARD,
                               sport=(2, 2)))
            ring.add_hash_rule(HashRule(host_a=addr(A), host_b=addr(B), proto=17,
                                        port_a=2, port_b=2, action=RuleAction.DONT_FORWARD))
            ring.add_rule(Rule(rule_id=7, action=RuleAction.FORWARD, sport=(1, 1)))
            ring.remove_rule(100 + i % 50)
            ring.remove_hash_rule(HashRule(host_a=addr(A), host_b=addr(B), proto=17,
                                           port_a=2, port_b=2))
            ring.remove_rule(7)
            i += 1
            time.sleep(0.001)  # lets the sender have the GIL between rule sets

    with open_ring(wire) as ring:
        worker = threading.Thread(target=churn, args=(ring,))
        worker.start()
        try:
            wire.send(frames)
            got = received(ring, len(frames), timeout=60)
        finally:
            stop.set()
            worker.join()
        wanted = set(keep)
        assert [f for f in got if f in wanted] == keep
        assert set(got) <= set(frames)


def test_filters_cost_nothing_when_gone(pfr_module: LoadPfRing, wire: Wire) -> None:
    """Everything set and then taken back: the ring delivers all again, counters say
    so, and /proc shows no rule."""
    pfr_module()
    frames = [wire.udp(A, B, 3, 3) for _ in range(20)]
    with open_ring(wire) as ring:
        ring.set_policy(Policy.DROP)
        ring.add_rule(Rule(rule_id=1, proto=6))
        ring.set_sampling_rate(3)
        ring.set_bpf("tcp")
        assert run(wire, ring, frames) == []
        ring.remove_bpf()
        ring.set_sampling_rate(1)
        ring.remove_rule(1)
        ring.set_policy(Policy.ACCEPT)
        wire.send(frames)
        assert received(ring, 40) == frames
        assert proc_field(ring, "Filtering Rules") == "0"



# ---- pfcount ---------------------------------------------------------------------------

PFCOUNT = build_root() / "user" / "bin" / "pfcount"


def pfcount(wire: Wire, frames: Sequence[bytes], expected: int, *args: str,
            pcap: Path) -> str:
    """pfcount on the wire's receiving end with args, stopping after expected packets,
    writing them to pcap; its stderr."""
    proc = subprocess.Popen([str(PFCOUNT), "-i", wire.rx, "-e", "1", "-N", str(expected),
                             "-o", str(pcap), *args], stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if line.startswith("Capturing from"):
            break
    else:
        pytest.fail(f"pfcount did not start: {''.join(seen)}")
    wire.send(frames)
    try:
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, "".join(seen) + err
    return "".join(seen) + err


@pytest.mark.parametrize("args, pick", [
    (("-f", "udp port 53"), lambda dns, web, ping: dns),
    (("-X", "drop,udp", "-X", "drop,icmp"), lambda dns, web, ping: web),
    (("-D", "-X", f"forward,tcp,{B}/32,,80"), lambda dns, web, ping: web),
    (("-k", "5", "-X", "drop,,,,,53"), lambda dns, web, ping: interleave(web, ping)[::5]),
])
def test_pfcount_filters_in_the_kernel(pfr_module: LoadPfRing, wire: Wire, tmp_path: Path,
                                       args: tuple[str, ...],
                                       pick: Callable[..., list[bytes]]) -> None:
    pfr_module()
    dns, web, ping = mixed(wire)
    want = pick(dns, web, ping)
    pcap = tmp_path / "out.pcap"
    pfcount(wire, interleave(dns, web, ping), len(want), *args, pcap=pcap)
    assert [bytes(p) for p in rdpcap(str(pcap))] == want


@pytest.mark.parametrize("args, message", [
    (("-f", "udp port ninety"), "ninety"),
    (("-X", "drop,udp,10.0.0.1/33"), "-X"),
    (("-X", "drop,udp,,,90-80"), "-X"),
    (("-k", "0"), "sampling"),
])
def test_pfcount_refuses_bad_filters_clearly(pfr_module: LoadPfRing, wire: Wire,
                                            args: tuple[str, ...], message: str) -> None:
    pfr_module()
    proc = subprocess.run([str(PFCOUNT), "-i", wire.rx, "-N", "1", *args],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode != 0
    assert message in proc.stderr, proc.stderr

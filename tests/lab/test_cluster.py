# SPDX-License-Identifier: GPL-2.0-only
"""Clusters (issue 9): N flows over K member processes for every cluster type, through
Python's pfring.cluster, libpfring and pf_ring.ko, on a veth pair.

Every frame sent carries a unique tag, so each one received is known. The checks: the
members together got every frame, none twice (the duplicating type: exactly where its
two addresses say); every flow, both directions together, on exactly one member, and
the flows spread over more than one; round robin even to within one frame; fragments
with their datagram's first fragment; tunnelled flows split by the inner packet for the
inner types; a member killed moves only its own flows.
"""

from __future__ import annotations

import errno
import multiprocessing
import re
import subprocess
import time
from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

import pytest
from ringprobe import PROC, LoadPfRing
from scapy.contrib.gtp import GTP_U_Header  # type: ignore
from scapy.layers.inet import IP, TCP, UDP, fragment  # type: ignore
from scapy.layers.inet6 import IPv6  # type: ignore
from scapy.layers.l2 import GRE, Dot1Q, Ether  # type: ignore
from scapy.layers.vxlan import VXLAN  # type: ignore
from scapy.packet import Raw  # type: ignore

from pfring.cluster import Cluster, ClusterType, frames_until_idle
from pfring.paths import build_root
from pfring.ring import Ring
from pfring.testing import traffic

MEMBERS = 3
IDLE_S = 3.0
PFCOUNT = build_root() / "user" / "bin" / "pfcount"


@dataclass(frozen=True)
class Sent:
    frame: bytes
    flow: Hashable  # what must stay together: the test's idea of the type's flow
    src: str = ""
    dst: str = ""


def tag(n: int, phase: int = 0) -> bytes:
    return b"PFCL" + n.to_bytes(4, "big") + bytes([phase]) + bytes(23)


def ether(veth: tuple[str, str]) -> Ether:
    return Ether(src=traffic.interface_mac(veth[0]), dst=traffic.interface_mac(veth[1]))


def l4(proto: str, sport: int, dport: int) -> TCP | UDP:
    return TCP(sport=sport, dport=dport, flags="A") if proto == "tcp" else UDP(sport=sport,
                                                                                dport=dport)


def plain_flows(veth: tuple[str, str], key: Callable[[str, str, str, int, int, int], Hashable],
                flows: int = 24, each_way: int = 3, phase: int = 0) -> list[Sent]:
    """flows flows (TCP and UDP, IPv4 and IPv6, some on VLAN 10), each_way frames in each
    direction; key(proto, a, b, pa, pb, vlan) names the flow the type must keep
    together (a, b, pa, pb in the forward direction)."""
    out: list[Sent] = []
    n = 0
    for f in range(flows):
        proto = "tcp" if f % 2 else "udp"
        v6 = f % 3 == 0
        vlan = 10 if f % 4 == 1 else 0
        a, b = ((f"2001:db8::{f + 1:x}", f"2001:db8:1::{f % 5 + 1:x}") if v6 else
                (f"10.1.{f}.1", f"10.2.{f % 5}.1"))
        pa, pb = 1024 + f, 80 if f % 2 else 53
        for i in range(2 * each_way):
            fwd = i % 2 == 0
            s, d, ps, pd = (a, b, pa, pb) if fwd else (b, a, pb, pa)
            ip = IPv6(src=s, dst=d) if v6 else IP(src=s, dst=d)
            eth = ether(veth) / Dot1Q(vlan=vlan) if vlan else ether(veth)
            frame = bytes(eth / ip / l4(proto, ps, pd) / Raw(tag(n, phase)))
            out.append(Sent(frame, key(proto, a, b, pa, pb, vlan), s, d))
            n += 1
    return out


def run_cluster(veth: tuple[str, str], ctype: ClusterType, frames: Sequence[Sent],
                members: int = MEMBERS, cluster_id: int = 7) -> list[list[bytes]]:
    """frames sent into a cluster of members processes on veth[1]; each one's frames."""
    sent = multiprocessing.get_context("fork").Event()

    def collect(ring: Ring, index: int) -> list[bytes]:
        return [p.data for p in frames_until_idle(ring, IDLE_S, after=sent)]

    with Cluster(veth[1], cluster_id, ctype, members, collect) as cluster:
        traffic.send_frames(veth[0], [s.frame for s in frames])
        sent.set()
        got = cluster.results(timeout=120)
    return [g or [] for g in got]


def where(results: list[list[bytes]]) -> dict[bytes, list[int]]:
    """Each frame received, and the members that got it."""
    seen: dict[bytes, list[int]] = defaultdict(list)
    for member, frames in enumerate(results):
        for frame in frames:
            seen[frame].append(member)
    return seen


def assert_per_flow(results: list[list[bytes]], sent: Sequence[Sent]) -> None:
    seen = where(results)
    assert set(seen) == {s.frame for s in sent}, (
        f"{len(set(seen) - {s.frame for s in sent})} frame(s) not sent, "
        f"{len({s.frame for s in sent} - set(seen))} missing")
    twice = [m for m in seen.values() if len(m) > 1]
    assert not twice, f"{len(twice)} frame(s) went to more than one member"
    flow_members: dict[Hashable, set[int]] = defaultdict(set)
    for s in sent:
        flow_members[s.flow] |= set(seen[s.frame])
    split = {f: m for f, m in flow_members.items() if len(m) > 1}
    assert not split, f"flows split over members: {split}"
    used = {next(iter(m)) for m in flow_members.values()}
    assert len(used) > 1, f"{len(flow_members)} flows all went to member(s) {used}"


def five(proto: str, a: str, b: str, pa: int, pb: int, vlan: int) -> Hashable:
    return (proto, frozenset([(a, pa), (b, pb)]))


def four(proto: str, a: str, b: str, pa: int, pb: int, vlan: int) -> Hashable:
    return frozenset([(a, pa), (b, pb)])


def two(proto: str, a: str, b: str, pa: int, pb: int, vlan: int) -> Hashable:
    return frozenset([a, b])


def six(proto: str, a: str, b: str, pa: int, pb: int, vlan: int) -> Hashable:
    return (vlan, proto, frozenset([(a, pa), (b, pb)]))


def tcp5(proto: str, a: str, b: str, pa: int, pb: int, vlan: int) -> Hashable:
    return five(proto, a, b, pa, pb, vlan) if proto == "tcp" else two(proto, a, b, pa, pb, vlan)


PER_FLOW_KEYS = {
    ClusterType.PER_FLOW: six,
    ClusterType.PER_FLOW_2_TUPLE: two,
    ClusterType.PER_FLOW_4_TUPLE: four,
    ClusterType.PER_FLOW_5_TUPLE: five,
    ClusterType.PER_FLOW_TCP_5_TUPLE: tcp5,
    ClusterType.PER_FLOW_IP_5_TUPLE: five,
    # with no tunnel, the inner types hash the packet itself
    ClusterType.PER_INNER_FLOW: six,
    ClusterType.PER_INNER_FLOW_2_TUPLE: two,
    ClusterType.PER_INNER_FLOW_4_TUPLE: four,
    ClusterType.PER_INNER_FLOW_5_TUPLE: five,
    ClusterType.PER_INNER_FLOW_TCP_5_TUPLE: tcp5,
    ClusterType.PER_INNER_FLOW_IP_5_TUPLE: five,
}


@pytest.mark.parametrize("ctype", list(PER_FLOW_KEYS), ids=lambda t: t.name.lower())
def test_each_flow_goes_to_one_member(pfr_module: LoadPfRing, veth: tuple[str, str],
                                      ctype: ClusterType) -> None:
    pfr_module()
    sent = plain_flows(veth, PER_FLOW_KEYS[ctype])
    assert_per_flow(run_cluster(veth, ctype, sent), sent)


def test_ports_split_flows_the_2_tuple_keeps_together(pfr_module: LoadPfRing,
                                                      veth: tuple[str, str]) -> None:
    """One address pair, 24 port pairs: the 5-tuple spreads them, the 2-tuple cannot."""
    pfr_module()
    sent = [Sent(bytes(ether(veth) / IP(src="10.9.0.1", dst="10.9.0.2") /
                       UDP(sport=2000 + i, dport=53) / Raw(tag(i))), i) for i in range(24)]
    five_members = {m for ms in where(run_cluster(veth, ClusterType.PER_FLOW_5_TUPLE,
                                                  sent)).values() for m in ms}
    two_members = {m for ms in where(run_cluster(veth, ClusterType.PER_FLOW_2_TUPLE,
                                                 sent)).values() for m in ms}
    assert len(five_members) > 1 and len(two_members) == 1, (five_members, two_members)


def test_round_robin_is_even_to_one_frame(pfr_module: LoadPfRing,
                                          veth: tuple[str, str]) -> None:
    pfr_module()
    sent = plain_flows(veth, five, flows=10, each_way=5)  # 100 frames over 3 members
    results = run_cluster(veth, ClusterType.ROUND_ROBIN, sent)
    seen = where(results)
    assert set(seen) == {s.frame for s in sent}
    assert all(len(m) == 1 for m in seen.values())
    counts = sorted(len(r) for r in results)
    assert counts[-1] - counts[0] <= 1, counts
    assert sum(counts) == len(sent)


def test_fragments_go_with_their_first_fragment(pfr_module: LoadPfRing,
                                                veth: tuple[str, str]) -> None:
    """UDP flows whose datagrams are fragmented (IPv4, 3 fragments each, in order) or
    not: with the 5-tuple, every fragment goes where its flow's other packets go."""
    pfr_module()
    sent: list[Sent] = []
    for f in range(16):
        a, b = f"10.3.{f}.1", "10.4.0.1"
        for i in range(4):
            fwd = i % 2 == 0
            s, d, ps, pd = (a, b, 3000 + f, 4000) if fwd else (b, a, 4000, 3000 + f)
            pkt = IP(src=s, dst=d, id=100 * f + i) / UDP(sport=ps, dport=pd) / \
                Raw(tag(100 * f + i) + bytes(1200))
            parts = fragment(pkt, fragsize=400) if i < 2 else [pkt]
            assert len(parts) == (4 if i < 2 else 1)
            for part in parts:
                sent.append(Sent(bytes(ether(veth) / part),
                                 frozenset([(a, 3000 + f), (b, 4000)])))
    assert_per_flow(run_cluster(veth, ClusterType.PER_FLOW_5_TUPLE, sent), sent)


def tunnelled(veth: tuple[str, str], kind: str, flows: int = 24) -> list[Sent]:
    """flows inner UDP flows (both directions) in one tunnel between two endpoints, whose
    outer headers are the same for every flow."""
    out: list[Sent] = []
    n = 0
    for f in range(flows):
        a, b, pa, pb = f"192.168.{f}.1", "192.168.200.1", 5000 + f, 53
        for i in range(4):
            fwd = i % 2 == 0
            s, d, ps, pd = (a, b, pa, pb) if fwd else (b, a, pb, pa)
            os_, od = ("10.0.0.1", "10.0.0.2") if fwd else ("10.0.0.2", "10.0.0.1")
            inner = IP(src=s, dst=d) / UDP(sport=ps, dport=pd) / Raw(tag(n))
            if kind == "gre":
                outer = IP(src=os_, dst=od) / GRE(proto=0x0800) / inner
            elif kind == "gre-key":
                outer = IP(src=os_, dst=od) / GRE(proto=0x0800, key_present=1, key=7) / inner
            elif kind == "vxlan":
                outer = (IP(src=os_, dst=od) / UDP(sport=40000, dport=4789) / VXLAN(vni=42) /
                         Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / inner)
            else:  # gtp-u
                outer = (IP(src=os_, dst=od) / UDP(sport=2152, dport=2152) /
                         GTP_U_Header(teid=0x1234) / inner)
            out.append(Sent(bytes(ether(veth) / outer), frozenset([(a, pa), (b, pb)])))
            n += 1
    return out


@pytest.mark.parametrize("kind", ["gre", "gre-key", "vxlan", "gtp-u"])
def test_tunnelled_flows_split_by_the_inner_packet(pfr_module: LoadPfRing,
                                                   veth: tuple[str, str], kind: str) -> None:
    """The inner types spread the tunnel's flows, each on one member; the outer 5-tuple
    sees the tunnel alone, one flow (GRE, GTP-U from port 2152 to 2152) or two (VXLAN:
    each direction from port 40000 to 4789), on as many members at most."""
    pfr_module()
    sent = tunnelled(veth, kind)
    assert_per_flow(run_cluster(veth, ClusterType.PER_INNER_FLOW_5_TUPLE, sent), sent)
    outer = {m for ms in where(run_cluster(veth, ClusterType.PER_FLOW_5_TUPLE,
                                           sent)).values() for m in ms}
    assert len(outer) <= (2 if kind == "vxlan" else 1), outer


def test_non_ip_frames_follow_their_mac_pair(pfr_module: LoadPfRing,
                                            veth: tuple[str, str]) -> None:
    pfr_module()
    sent = []
    for f in range(24):
        a, b = f"02:00:00:00:{f:02x}:01", "02:00:00:00:ff:02"
        for i in range(4):
            s, d = (a, b) if i % 2 == 0 else (b, a)
            frame = bytes(Ether(src=s, dst=d, type=0x88B5) / Raw(tag(4 * f + i)))
            sent.append(Sent(frame, frozenset([a, b])))
    assert_per_flow(run_cluster(veth, ClusterType.PER_FLOW_IP_5_TUPLE, sent), sent)


def test_duplicating_type_sends_to_each_address_member(pfr_module: LoadPfRing,
                                                       veth: tuple[str, str]) -> None:
    """Each frame goes to its source address's member and its destination's (once when
    they are the same member); every address has one member for all its frames."""
    pfr_module()
    sent = plain_flows(veth, five)
    seen = where(run_cluster(veth, ClusterType.PER_FLOW_IP_WITH_DUP_TUPLE, sent))
    assert set(seen) == {s.frame for s in sent}
    for s in sent:
        assert len(seen[s.frame]) == len(set(seen[s.frame])) <= 2, seen[s.frame]
    # An address's member got every frame to or from it
    owner: dict[str, set[int]] = {}
    for address in {s.src for s in sent} | {s.dst for s in sent}:
        owner[address] = set.intersection(*(set(seen[s.frame]) for s in sent
                                            if address in (s.src, s.dst)))
        assert owner[address], f"no member got every frame of {address}"
    # and a frame went nowhere else than to its two addresses' members
    for s in sent:
        assert set(seen[s.frame]) <= owner[s.src] | owner[s.dst], s
    assert any(len(m) == 2 for m in seen.values()), "no frame was duplicated"


def test_a_killed_member_moves_only_its_flows(pfr_module: LoadPfRing,
                                              veth: tuple[str, str]) -> None:
    """24 flows, then member 1 is killed (kill -9) and the same flows are sent again:
    the flows of members 0 and 2 stay where they were, member 1's go to them, and
    /proc shows two members left."""
    pfr_module()
    first = plain_flows(veth, five, phase=0)
    second = plain_flows(veth, five, phase=1)

    sent = multiprocessing.get_context("fork").Event()

    def collect(ring: Ring, index: int) -> list[bytes]:
        return [p.data for p in frames_until_idle(ring, IDLE_S, after=sent)]

    with Cluster(veth[1], 11, ClusterType.PER_FLOW_5_TUPLE, MEMBERS, collect) as cluster:
        traffic.send_frames(veth[0], [s.frame for s in first])
        time.sleep(1.0)
        cluster.kill(1)
        text = (PROC / "clusters").read_text()
        assert re.search(r"Cluster 11: type 4 \(per flow 5-tuple\), 2 member\(s\)", text), text
        traffic.send_frames(veth[0], [s.frame for s in second])
        sent.set()
        results = cluster.results(timeout=120)
    assert results[1] is None
    seen = where([r or [] for r in results])
    # every frame of the second phase reached a survivor, once
    assert {s.frame for s in second} <= set(seen)
    assert all(len(seen[s.frame]) == 1 for s in second)
    before: dict[Hashable, set[int]] = defaultdict(set)
    after: dict[Hashable, set[int]] = defaultdict(set)
    for s in first:
        before[s.flow] |= set(seen.get(s.frame, []))
    for s in second:
        after[s.flow] |= set(seen[s.frame])
    moved = [f for f in before if before[f] and after[f] != before[f]]
    assert not moved, f"flows of a surviving member moved: {moved}"
    orphans = [f for f in before if not before[f]]
    assert orphans, "member 1 had no flow: the test proves nothing"
    assert all(len(after[f]) == 1 for f in after), "a flow was split after the kill"


def drain(ring: Ring) -> list[bytes]:
    out = []
    while (packet := ring.recv(wait=False)) is not None:
        out.append(packet.data)
    return out


def test_sixty_four_members_and_no_more(pfr_module: LoadPfRing,
                                        veth: tuple[str, str]) -> None:
    """64 rings of one process in one cluster share 640 flows, every one on one ring;
    a 65th ring is refused with ENOSPC."""
    pfr_module(min_num_slots=64)
    rings = [Ring(veth[1], 128, enable=False) for _ in range(65)]
    try:
        for ring in rings[:64]:
            ring.set_cluster(21, ClusterType.PER_FLOW_2_TUPLE)
            ring.enable()
        with pytest.raises(OSError) as refused:
            rings[64].set_cluster(21, ClusterType.PER_FLOW_2_TUPLE)
        assert refused.value.errno == errno.ENOSPC
        sent = [Sent(bytes(ether(veth) / IP(src=f"10.{i // 250}.{i % 250}.1", dst="10.99.0.1")
                           / UDP(sport=1, dport=2) / Raw(tag(i))), i) for i in range(640)]
        for start in range(0, len(sent), 200):  # within what 64 rings of 64 slots hold
            traffic.send_frames(veth[0], [s.frame for s in sent[start:start + 200]])
            time.sleep(0.3)
        time.sleep(1.0)
        results = [drain(ring) for ring in rings[:64]]
        seen = where(results)
        assert set(seen) >= {s.frame for s in sent}
        assert all(len(seen[s.frame]) == 1 for s in sent)
        assert sum(1 for r in results if r) >= 60, [len(r) for r in results]
        assert sum(r.stats().drop for r in rings[:64]) == 0
    finally:
        for ring in rings:
            ring.close()


def test_bad_cluster_requests_are_refused(pfr_module: LoadPfRing,
                                          veth: tuple[str, str]) -> None:
    pfr_module()
    a = Ring(veth[1], enable=False)
    b = Ring(veth[1], enable=False)
    c = Ring(veth[0], enable=False)
    try:
        a.set_cluster(3, ClusterType.PER_FLOW_5_TUPLE)
        a.set_cluster(3, ClusterType.PER_FLOW_5_TUPLE)  # the same again: no error
        cases: list[tuple[Callable[[], None], int]] = [
            (lambda: b.set_cluster(3, ClusterType.ROUND_ROBIN), errno.EINVAL),  # type
            (lambda: c.set_cluster(3, ClusterType.PER_FLOW_5_TUPLE), errno.EINVAL),  # device
            (lambda: a.set_cluster(4, ClusterType.PER_FLOW_5_TUPLE), errno.EBUSY),  # in one
            (lambda: b.set_cluster(3, ClusterType.PER_FLOW_5_TUPLE, consumer=99),
             errno.EINVAL),
        ]
        for call, code in cases:
            with pytest.raises(OSError) as refused:
                call()
            assert refused.value.errno == code
        b.set_cluster(3, ClusterType.PER_FLOW_5_TUPLE, consumer=5)
        d = Ring(veth[1], enable=False)
        with pytest.raises(OSError) as taken:
            d.set_cluster(3, ClusterType.PER_FLOW_5_TUPLE, consumer=5)
        assert taken.value.errno == errno.EBUSY
        d.close()
        text = (PROC / "clusters").read_text()
        assert re.search(r"Cluster 3: type 4 \(per flow 5-tuple\), 2 member\(s\)", text), text
        assert re.search(r"slot 5 consumer 5 active 0 buckets 0", text), text
        ring_files = [p for p in PROC.iterdir() if p.is_file() and "-" in p.name]
        assert sum("Cluster Id         : 3" in p.read_text() for p in ring_files) == 2
        a.remove_from_cluster()
        b.remove_from_cluster()
        assert "Cluster 3:" not in (PROC / "clusters").read_text()
    finally:
        for ring in (a, b, c):
            ring.close()


def test_pfcount_processes_share_a_cluster(pfr_module: LoadPfRing,
                                           veth: tuple[str, str]) -> None:
    """Two pfcount -c 5 on one device: together they count every frame, once."""
    pfr_module()
    if not PFCOUNT.is_file():
        pytest.skip(f"{PFCOUNT} is not built")
    procs = [subprocess.Popen([str(PFCOUNT), "-i", veth[1], "-c", "5", "-H", "4"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    try:
        for proc in procs:
            assert proc.stderr is not None
            line = ""
            while "Capturing from" not in line:
                line = proc.stderr.readline()
                assert line, "pfcount stopped before it captured"
        sent = plain_flows(veth, five)
        traffic.send_frames(veth[0], [s.frame for s in sent])
        time.sleep(2.0)
    finally:
        for proc in procs:
            proc.terminate()
    counts = []
    for proc in procs:
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        totals = re.findall(r"^([\d']+) pkts - ", err, re.MULTILINE)
        assert totals, err
        counts.append(int(totals[-1].replace("'", "")))
    assert sum(counts) == len(sent), counts
    assert all(counts), counts


def test_cluster_members_show_in_proc(pfr_module: LoadPfRing, veth: tuple[str, str]) -> None:
    """Enabled members own every bucket between them; the /proc line of each says so."""
    pfr_module()
    rings = [Ring(veth[1]) for _ in range(3)]
    try:
        for ring in rings:
            ring.set_cluster(9, ClusterType.ROUND_ROBIN)
        text = (PROC / "clusters").read_text()
        buckets = [int(b) for b in re.findall(r"active 1 buckets (\d+)", text)]
        assert len(buckets) == 3 and sum(buckets) == 1024, text
        assert max(buckets) - min(buckets) <= 1, buckets
    finally:
        for ring in rings:
            ring.close()
    assert "Cluster 9:" not in (PROC / "clusters").read_text()

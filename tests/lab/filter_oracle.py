# SPDX-License-Identifier: GPL-2.0-only
"""An independent model of a ring's in-kernel filtering (issue 10): given the ring's rules,
policy and sampling rates and the frames it sees, in order, which frames it must queue,
and what every counter must then say.

Written from the specification only: the "Filtering" section of linux/pf_ring.h, the
comments of its struct pf_ring_parsed, the user guide (sections 8.9-8.12 and 11) and
pfring.rules. It shares no code with the module, on purpose: where the two disagree, one
of them is wrong, and the test that compares them (tests/lab/test_filter_oracle.py) says
where.

    result = evaluate(rules, hash_rules, Policy.ACCEPT, [FrameIn(data, ifindex)])
    result.delivered            # [True, False, ...], one per frame
    result.rule_stats[10]       # RuleCounts(match=.., filtered=.., match_forward=..)

Places where the specification can be read more than one way carry a comment starting
"SPEC:" that says which reading this model takes. A case that reaches a place the
specification leaves open is listed in OracleResult.ambiguities (a test can discard it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from ipaddress import ip_address

from pfring.rules import HashRule, IPAddress, IPNetwork, Policy, Rule, RuleAction, mac_bytes

PKT_TX, PKT_RX = 0, 1  # FrameIn.direction (PF_RING_PKT_TX / PF_RING_PKT_RX)

ETH_HLEN = 14
HEADER_WINDOW = 160  # only this much of a frame is read for its headers
VLAN_TPIDS = (0x8100, 0x88A8)
MAX_VLAN_TAGS = 2
ETH_P_IP = 0x0800
ETH_P_IPV6 = 0x86DD
IPV6_EXT_HEADERS = (0, 43, 60, 44)  # hop-by-hop, routing, destination options, fragment
IPV6_FRAGMENT = 44
IPV6_MAX_EXT_HEADERS = 4
IPPROTO_TCP, IPPROTO_UDP, IPPROTO_UDPLITE = 6, 17, 136
ZERO_MAC = bytes(6)

_STOPPING = frozenset({
    RuleAction.FORWARD, RuleAction.DONT_FORWARD, RuleAction.EXECUTE_AND_STOP,
    RuleAction.FORWARD_ADD_RULE, RuleAction.REFLECT_AND_STOP, RuleAction.BOUNCE_AND_STOP,
})


# -- the packet's headers, as the kernel's parser reads them -----------------------------

@dataclass(frozen=True)
class Parsed:
    """What the rules see of a frame (struct pf_ring_parsed). A field the frame does not
    have is None (ports, TCP flags) or -1 (offsets)."""

    dmac: bytes
    smac: bytes
    eth_type: int  # after the VLAN tags
    vlan_id: int  # the outer tag's VID; 0: untagged
    qinq_vlan_id: int  # the inner tag's VID
    ip_version: int  # 0, 4 or 6
    l3_proto: int  # 0 when not IP
    ip_src: bytes  # 16 bytes, IPv4 in the first 4, the rest zero
    ip_dst: bytes
    sport: int | None  # None: the packet has no port (no TCP/UDP/UDP-Lite header)
    dport: int | None
    tcp_flags: int | None  # None: not TCP, or its 20-byte header is not there
    l3_offset: int
    l4_offset: int
    payload_offset: int

    @property
    def is_ip(self) -> bool:
        return self.ip_version in (4, 6)

    def summary(self) -> str:
        """A one-line description, for failure messages."""
        parts = [f"type {self.eth_type:#06x}"]
        if self.vlan_id or self.qinq_vlan_id:
            parts.append(f"vlan {self.vlan_id}/{self.qinq_vlan_id}")
        if self.is_ip:
            n = 4 if self.ip_version == 4 else 16
            parts.append(f"IPv{self.ip_version} proto {self.l3_proto} "
                         f"{self.ip_src[:n].hex()} > {self.ip_dst[:n].hex()}")
        if self.sport is not None:
            parts.append(f"ports {self.sport} > {self.dport}")
        if self.tcp_flags is not None:
            parts.append(f"flags {self.tcp_flags:#04x}")
        parts.append(f"l4 {self.l4_offset} payload {self.payload_offset}")
        return ", ".join(parts)


def _be16(b: bytes, off: int) -> int:
    return int.from_bytes(b[off:off + 2], "big")


@dataclass
class _L4:
    sport: int | None = None
    dport: int | None = None
    tcp_flags: int | None = None
    l4_offset: int = -1
    payload_offset: int = -1


def _read_l4(frame: bytes, hdr: bytes, proto: int, l4: int) -> _L4:
    """The transport header at l4 (its start is known to be there: an L4 offset)."""
    out = _L4(l4_offset=l4)
    if proto == IPPROTO_TCP:
        if l4 + 20 <= len(hdr):
            out.sport, out.dport = _be16(hdr, l4), _be16(hdr, l4 + 2)
            out.tcp_flags = hdr[l4 + 13]
            # SPEC: the payload starts data offset * 4 after the TCP header's start, taken
            # literally (a data offset below 5 puts it inside the header), when that is
            # within the whole frame (not only the 160 bytes read for headers).
            start = l4 + (hdr[l4 + 12] >> 4) * 4
            out.payload_offset = start if start <= len(frame) else -1
        # SPEC: a TCP header cut short (under 20 bytes) gives no ports, no flags and no
        # payload at all.
    elif proto in (IPPROTO_UDP, IPPROTO_UDPLITE):
        if l4 + 8 <= len(hdr):
            out.sport, out.dport = _be16(hdr, l4), _be16(hdr, l4 + 2)
            out.payload_offset = l4 + 8
        # SPEC: a UDP header cut short: no ports and no payload.
    else:
        out.payload_offset = l4  # another protocol: its payload starts at the L4 offset
    return out


def _ipv4(frame: bytes, hdr: bytes, off: int) -> tuple[int, bytes, bytes, _L4] | None:
    if off + 20 > len(hdr) or hdr[off] >> 4 != 4 or hdr[off] & 0x0F < 5:
        return None
    proto = hdr[off + 9]
    src = hdr[off + 12:off + 16] + bytes(12)
    dst = hdr[off + 16:off + 20] + bytes(12)
    # SPEC: the IPv4 total length is not consulted: what follows the header to the end
    # of the frame (Ethernet padding included) is the packet's, as the spec says "in the
    # whole frame from the payload offset to its end".
    if _be16(hdr, off + 6) & 0x1FFF:
        return proto, src, dst, _L4()  # a later fragment: proto and addresses, no L4
    l4 = off + (hdr[off] & 0x0F) * 4
    if l4 > len(hdr):
        # SPEC: IPv4 options cut short: no L4 header (never happens under 160 bytes
        # for a frame longer than the header window: 14 + 8 + 60 < 160).
        return proto, src, dst, _L4()
    return proto, src, dst, _read_l4(frame, hdr, proto, l4)


def _ipv6(frame: bytes, hdr: bytes, off: int) -> tuple[int, bytes, bytes, _L4] | None:
    if off + 40 > len(hdr) or hdr[off] >> 4 != 6:
        return None
    src, dst = hdr[off + 8:off + 24], hdr[off + 24:off + 40]
    nh, at, walked = hdr[off + 6], off + 40, 0
    while nh in IPV6_EXT_HEADERS:
        if walked == IPV6_MAX_EXT_HEADERS:
            # SPEC: a fifth extension header is not walked: l3_proto is its type (the
            # next-header value where the walk stopped) and the packet has no L4 header.
            return nh, src, dst, _L4()
        if at + 2 > len(hdr):
            # SPEC: an extension header cut short: l3_proto is its own type, no L4.
            return nh, src, dst, _L4()
        length = 8 if nh == IPV6_FRAGMENT else (hdr[at + 1] + 1) * 8
        if at + length > len(hdr):
            return nh, src, dst, _L4()  # SPEC: as above
        if nh == IPV6_FRAGMENT and _be16(hdr, at + 2) >> 3:
            # SPEC: a later fragment: l3_proto is the fragment header's next header (what
            # follows is fragment data, not walked), and there is no L4 header.
            return hdr[at], src, dst, _L4()
        nh, at, walked = hdr[at], at + length, walked + 1
    return nh, src, dst, _read_l4(frame, hdr, nh, at)


def parse(frame: bytes) -> Parsed | None:
    """The headers of an Ethernet frame; None for one shorter than 14 bytes."""
    if len(frame) < ETH_HLEN:
        return None
    hdr = frame[:HEADER_WINDOW]
    eth_type, off = _be16(hdr, 12), ETH_HLEN
    vids: list[int] = []
    # SPEC: a tag whose 4 bytes are not all there is not read (eth_type stays the TPID).
    while eth_type in VLAN_TPIDS and len(vids) < MAX_VLAN_TAGS and off + 4 <= len(hdr):
        vids.append(_be16(hdr, off) & 0x0FFF)
        eth_type, off = _be16(hdr, off + 2), off + 4
    ip: tuple[int, bytes, bytes, _L4] | None = None
    version = 0
    if eth_type == ETH_P_IP:
        ip, version = _ipv4(frame, hdr, off), 4
    elif eth_type == ETH_P_IPV6:
        ip, version = _ipv6(frame, hdr, off), 6
    proto, src, dst, l4 = ip if ip is not None else (0, bytes(16), bytes(16), _L4())
    return Parsed(
        dmac=bytes(hdr[0:6]), smac=bytes(hdr[6:12]), eth_type=eth_type,
        vlan_id=vids[0] if vids else 0, qinq_vlan_id=vids[1] if len(vids) > 1 else 0,
        ip_version=version if ip is not None else 0, l3_proto=proto,
        ip_src=bytes(src), ip_dst=bytes(dst), sport=l4.sport, dport=l4.dport,
        tcp_flags=l4.tcp_flags, l3_offset=off if ip is not None else -1,
        l4_offset=l4.l4_offset, payload_offset=l4.payload_offset,
    )


def flow_hash(p: Parsed | None) -> int:
    """The slot's flow hash: protocol + both ports + the eight big-endian 32-bit words of
    the two 16-byte addresses, modulo 2^32; 0 when not IP."""
    if p is None or not p.is_ip:
        return 0
    # SPEC: a packet without ports adds 0 for them.
    words = sum(int.from_bytes(a[i:i + 4], "big") for a in (p.ip_src, p.ip_dst)
                for i in range(0, 16, 4))
    return (p.l3_proto + (p.sport or 0) + (p.dport or 0) + words) & 0xFFFFFFFF


# -- matching --------------------------------------------------------------------------

def _host_matches(net: IPNetwork, addr: bytes, version: int) -> bool:
    """(address & mask) == (host & mask) on the version's bytes; a zero mask: any."""
    if net.prefixlen == 0:
        return True
    n = 4 if version == 4 else 16
    value = int.from_bytes(addr[:n], "big")
    return value & int(net.netmask) == int(net.network_address) & int(net.netmask)


def _range_matches(rng: tuple[int, int], port: int | None) -> bool:
    if rng == (0, 0):
        return True
    return port is not None and rng[0] <= port <= rng[1]


def _one_way(rule: Rule, p: Parsed | None, frame: bytes, ifindex: int, fhash: int,
             swap: bool) -> bool:
    if rule.ifindex and rule.ifindex != ifindex:
        return False
    smac, dmac = mac_bytes(rule.smac), mac_bytes(rule.dmac)
    src, dst, sport, dport = rule.src, rule.dst, rule.sport, rule.dport
    if swap:
        smac, dmac, src, dst, sport, dport = dmac, smac, dst, src, dport, sport
    checks_l2 = smac != ZERO_MAC or dmac != ZERO_MAC or rule.vlan_id or rule.eth_type
    if p is None:
        # A frame shorter than an Ethernet header has nothing: only a rule that asks
        # for nothing of the packet matches it.
        return not (checks_l2 or rule.version or rule.proto or src is not None
                    or dst is not None or sport != (0, 0) or dport != (0, 0) or rule.tcp_flags
                    or rule.payload or rule.balance_pool)
    if smac != ZERO_MAC and p.smac != smac:
        return False
    if dmac != ZERO_MAC and p.dmac != dmac:
        return False
    if rule.vlan_id and p.vlan_id != rule.vlan_id:
        return False
    if rule.eth_type and p.eth_type != rule.eth_type:
        return False
    # pfring.rules: src and dst name the IP version too (Rule.version), which the
    # packet must then have.
    if rule.version and p.ip_version != rule.version:
        return False
    if rule.proto and not (p.is_ip and p.l3_proto == rule.proto):
        return False
    if src is not None and not _host_matches(src, p.ip_src, p.ip_version):
        return False
    if dst is not None and not _host_matches(dst, p.ip_dst, p.ip_version):
        return False
    if not (_range_matches(sport, p.sport) and _range_matches(dport, p.dport)):
        return False
    if rule.tcp_flags and not (p.is_ip and p.l3_proto == IPPROTO_TCP and p.tcp_flags is not None
                               and p.tcp_flags & rule.tcp_flags == rule.tcp_flags):
        return False
    if rule.payload and not (p.payload_offset >= 0 and rule.payload in frame[p.payload_offset:]):
        return False
    return not (rule.balance_pool and fhash % rule.balance_pool != rule.balance_id)


def rule_matches(rule: Rule, frame: bytes, ifindex: int, p: Parsed | None = None) -> bool:
    """Does the wildcard rule match the frame (that came in on, or went out of, ifindex)?"""
    p = parse(frame) if p is None else p
    fhash = flow_hash(p)
    return (_one_way(rule, p, frame, ifindex, fhash, swap=False)
            or (rule.bidirectional and _one_way(rule, p, frame, ifindex, fhash, swap=True)))


HashKey = tuple[int, int, int, bytes, bytes, int, int]  # vlan, version, proto, a, b, pa, pb


def _addr16(addr: IPAddress) -> bytes:
    return addr.packed + bytes(16 - len(addr.packed))


def hash_key(rule: HashRule) -> HashKey:
    """What identifies a hash rule (adding it twice is EEXIST)."""
    return (rule.vlan_id, rule.ip_version, rule.proto, _addr16(rule.host_a),
            _addr16(rule.host_b), rule.port_a, rule.port_b)


def hash_rule_matches(rule: HashRule, p: Parsed | None) -> bool:
    """An IP packet of the rule's version, VLAN and protocol whose two (address, port)
    ends are the rule's, in either direction; a packet without ports has ports 0."""
    if p is None or p.ip_version != rule.ip_version:
        return False
    if p.vlan_id != rule.vlan_id or p.l3_proto != rule.proto:
        return False
    a, b = _addr16(rule.host_a), _addr16(rule.host_b)
    sport, dport = p.sport or 0, p.dport or 0
    return ((p.ip_src, sport, p.ip_dst, dport) == (a, rule.port_a, b, rule.port_b)
            or (p.ip_src, sport, p.ip_dst, dport) == (b, rule.port_b, a, rule.port_a))


def flow_rule(p: Parsed) -> HashRule:
    """The hash rule FORWARD_ADD_RULE adds for an IP packet.

    SPEC: host_a/port_a are the packet's source, host_b/port_b its destination (the
    orientation matters only for reading its stats back: the key names it)."""
    n = 4 if p.ip_version == 4 else 16
    return HashRule(host_a=ip_address(p.ip_src[:n]), host_b=ip_address(p.ip_dst[:n]),
                    proto=p.l3_proto, port_a=p.sport or 0, port_b=p.dport or 0,
                    vlan_id=p.vlan_id, action=RuleAction.FORWARD)


def _mirror(key: HashKey) -> HashKey:
    vlan, version, proto, a, b, pa, pb = key
    return (vlan, version, proto, b, a, pb, pa)


# -- the result ----------------------------------------------------------------------------

@dataclass(frozen=True)
class FrameIn:
    """A frame the ring sees: its bytes (from the destination MAC), the device it came in
    on (or went out of) and its direction."""

    data: bytes
    ifindex: int
    direction: int = PKT_RX


@dataclass
class RuleCounts:
    """A rule's counters (struct pf_ring_rule_stats without inactivity)."""

    match: int = 0
    filtered: int = 0
    match_forward: int = 0

    def as_tuple(self) -> tuple[int, int, int]:
        return (self.match, self.filtered, self.match_forward)


@dataclass
class RingCounts:
    """The ring's counters (struct pf_ring_stats; drop is 0 for a ring never full)."""

    recv: int = 0
    filtered: int = 0
    sampled_out: int = 0

    def as_tuple(self) -> tuple[int, int, int]:
        return (self.recv, self.filtered, self.sampled_out)


@dataclass(frozen=True)
class Copy:
    """A copy a REFLECT or BOUNCE action sends: out of device (a rule's reflector name,
    or for a bounce the ifindex the frame came in on), data as it goes out."""

    device: str | int
    data: bytes
    frame_index: int


class Fate(Enum):
    DELIVERED = "delivered"
    FILTERED = "filtered"
    SAMPLED_OUT = "sampled_out"


@dataclass(frozen=True)
class Verdict:
    """What happened to one frame, and why."""

    index: int
    fate: Fate
    decided_by: str  # "policy", "rule 7 (DONT_FORWARD)", "hash rule ...", "no filtering"
    matched_rules: tuple[int, ...]  # the wildcard rules that matched and were reached
    hash_match: bool
    rescued: bool  # dropped by a rule, delivered by the filtering sampling rate
    parsed: Parsed | None

    @property
    def delivered(self) -> bool:
        return self.fate is Fate.DELIVERED

    def explain(self) -> str:
        what = f"frame {self.index}: {self.fate.value} by {self.decided_by}"
        if self.rescued:
            what += " (rescued by the filtering sampling rate)"
        if self.matched_rules:
            what += f", rules matched {list(self.matched_rules)}"
        if self.hash_match:
            what += ", a hash rule matched"
        return what + f"; {self.parsed.summary() if self.parsed else 'no headers'}"


@dataclass
class OracleResult:
    """Everything the ring must show after the frames."""

    verdicts: list[Verdict]
    rule_stats: dict[int, RuleCounts]  # by rule_id
    hash_rules: list[HashRule]  # those given, then those FORWARD_ADD_RULE added, in order
    hash_rule_stats: list[RuleCounts]  # one per hash_rules entry
    added_hash_rules: list[HashRule]
    copies: list[Copy]
    ring: RingCounts
    hash_match: int = 0
    hash_miss: int = 0
    hash_rules_not_added: int = 0
    ambiguities: list[str] = field(default_factory=list)

    @property
    def delivered(self) -> list[bool]:
        return [v.delivered for v in self.verdicts]

    def delivered_frames(self, frames: Sequence[FrameIn]) -> list[bytes]:
        """The bytes the ring must hold, in order."""
        return [f.data for f, v in zip(frames, self.verdicts, strict=True) if v.delivered]


Outcome = OracleResult


# -- evaluation ----------------------------------------------------------------------------

@dataclass
class _HashEntry:
    rule: HashRule
    key: HashKey
    counts: RuleCounts


class _Ring:
    """The ring's filtering state, frame after frame."""

    def __init__(self, rules: Sequence[Rule], hash_rules: Sequence[HashRule], policy: Policy,
                 sampling_rate: int, filtering_sampling_rate: int,
                 max_hash_rules: int | None) -> None:
        ids = [r.rule_id for r in rules]
        if len(set(ids)) != len(ids):
            raise ValueError("rule ids must be distinct (the kernel says EEXIST)")
        if sampling_rate < 1 or filtering_sampling_rate < 0:
            raise ValueError("sampling rate must be >= 1, filtering sampling rate >= 0")
        self.rules = sorted(rules, key=lambda r: r.rule_id)  # lowest rule_id first
        self.policy = policy
        self.sampling_rate = sampling_rate
        self.filtering_sampling_rate = filtering_sampling_rate
        self.max_hash_rules = max_hash_rules
        self.rule_counts = {r.rule_id: RuleCounts() for r in rules}
        self.entries: list[_HashEntry] = []
        for h in hash_rules:
            key = hash_key(h)
            if key in {e.key for e in self.entries}:
                raise ValueError(f"hash rule key given twice (the kernel says EEXIST): {h}")
            self.entries.append(_HashEntry(h, key, RuleCounts()))
        self.initial_hash_rules = len(self.entries)
        self.passed = 0  # packets that passed the filters (sampling's count)
        self.rule_dropped = 0  # packets DONT_FORWARD dropped (filtering sampling's count)
        self.ring = RingCounts()
        self.copies: list[Copy] = []
        self.hash_match = self.hash_miss = self.not_added = 0
        self.ambiguities: list[str] = []
        # A ring with no rule, the accept policy and sampling rate 1 does no filtering.
        self.filtering = bool(rules or hash_rules or policy != Policy.ACCEPT
                              or sampling_rate != 1)

    def _hash_lookup(self, p: Parsed | None, index: int) -> _HashEntry | None:
        if p is None or not p.is_ip or not self.entries:
            # SPEC: hash_miss counts only IP packets looked up while the ring has hash
            # rules (not compared by the lab test: FilterInfo does not carry it).
            return None
        found = [e for e in self.entries if hash_rule_matches(e.rule, p)]
        if len(found) > 1:
            self.ambiguities.append(f"frame {index}: matches {len(found)} hash rules "
                                    "(a key and its mirror image); took the first added")
        if found:
            self.hash_match += 1
            return found[0]
        self.hash_miss += 1
        return None

    def _add_flow_rule(self, p: Parsed, index: int) -> None:
        rule = flow_rule(p)
        key = hash_key(rule)
        keys = {e.key for e in self.entries}
        if key in keys:
            # SPEC: the key is there already (the packet matched it, and its action went
            # on): nothing is added and nothing counted.
            return
        if _mirror(key) in keys:
            self.ambiguities.append(f"frame {index}: FORWARD_ADD_RULE adds the mirror image "
                                    "of a hash rule the packet matched")
        if self.max_hash_rules is not None and len(self.entries) >= self.max_hash_rules:
            self.not_added += 1
            return
        self.entries.append(_HashEntry(rule, key, RuleCounts()))

    def _copy(self, action: RuleAction, reflector: str | None, f: FrameIn, index: int) -> None:
        # Only received Ethernet frames are reflected or bounced.
        if f.direction != PKT_RX or len(f.data) < ETH_HLEN:
            return
        if action in (RuleAction.REFLECT_AND_STOP, RuleAction.REFLECT_AND_CONTINUE):
            assert reflector is not None
            self.copies.append(Copy(reflector, f.data, index))
        else:
            self.copies.append(Copy(f.ifindex, f.data[6:12] + f.data[0:6] + f.data[12:], index))

    def frame(self, f: FrameIn, index: int) -> Verdict:
        if not self.filtering:
            self.ring.recv += 1
            return Verdict(index, Fate.DELIVERED, "no filtering", (), False, False, None)
        p = parse(f.data)
        deliver = self.policy == Policy.ACCEPT  # the verdict starts as the policy's
        decided_by = "policy"
        dropped_by: RuleCounts | None = None  # the DONT_FORWARD rule that dropped it
        stop = False
        matched: list[int] = []

        def act(action: RuleAction, counts: RuleCounts, reflector: str | None,
                name: str) -> None:
            nonlocal deliver, decided_by, dropped_by, stop
            counts.match += 1
            if action in (RuleAction.FORWARD, RuleAction.FORWARD_ADD_RULE):
                deliver = True
                if action == RuleAction.FORWARD_ADD_RULE and p is not None and p.is_ip:
                    self._add_flow_rule(p, index)
            elif action == RuleAction.DONT_FORWARD:
                deliver, dropped_by = False, counts
                # The rule's filtered or match_forward is counted below, once the
                # filtering sampling rate has had its say (the header: filtered are
                # "dropped by its action", not those the sampling rate delivered).
            elif action in (RuleAction.REFLECT_AND_STOP, RuleAction.BOUNCE_AND_STOP):
                self._copy(action, reflector, f, index)
                deliver = False
                counts.filtered += 1
            elif action in (RuleAction.REFLECT_AND_CONTINUE, RuleAction.BOUNCE_AND_CONTINUE):
                self._copy(action, reflector, f, index)
            # EXECUTE_AND_CONTINUE: only the match is counted; EXECUTE_AND_STOP: the
            # verdict as it is. SPEC: a packet EXECUTE_AND_STOP leaves to a drop policy is
            # the policy's drop, not counted in the rule's filtered.
            if action in _STOPPING:
                stop = True
                decided_by = f"{name} ({action.name})"

        entry = self._hash_lookup(p, index)
        if entry is not None:
            act(entry.rule.action, entry.counts, entry.rule.reflector,
                f"hash rule {entry.rule.host_a}:{entry.rule.port_a}-"
                f"{entry.rule.host_b}:{entry.rule.port_b}")
        for rule in self.rules:
            if stop:
                break
            if rule_matches(rule, f.data, f.ifindex, p):
                matched.append(rule.rule_id)
                act(rule.action, self.rule_counts[rule.rule_id], rule.reflector,
                    f"rule {rule.rule_id}")

        rescued = False
        if not deliver and dropped_by is not None and self.filtering_sampling_rate:
            # SPEC: one count over the ring (not one per rule), hash rules' DONT_FORWARD
            # included: of the packets rules dropped, the 1st, (N+1)th ... are delivered.
            if self.rule_dropped % self.filtering_sampling_rate == 0:
                deliver = rescued = True
                dropped_by.match_forward += 1
            self.rule_dropped += 1
        if dropped_by is not None and not rescued:
            dropped_by.filtered += 1
        if not deliver:
            self.ring.filtered += 1
            return Verdict(index, Fate.FILTERED, decided_by, tuple(matched),
                           entry is not None, False, p)
        # SPEC: a packet the filtering sampling rate delivered goes through the sampling
        # rate like any other that passed.
        sampled = self.passed % self.sampling_rate == 0
        self.passed += 1
        if not sampled:
            self.ring.sampled_out += 1
            return Verdict(index, Fate.SAMPLED_OUT, decided_by, tuple(matched),
                           entry is not None, rescued, p)
        self.ring.recv += 1
        return Verdict(index, Fate.DELIVERED, decided_by, tuple(matched), entry is not None,
                       rescued, p)


def evaluate(
    rules: Sequence[Rule],
    hash_rules: Sequence[HashRule],
    policy: Policy,
    frames: Sequence[FrameIn],
    sampling_rate: int = 1,
    filtering_sampling_rate: int = 0,
    max_hash_rules: int | None = None,
) -> OracleResult:
    """What a ring with these rules (explicit rule ids), hash rules, policy and sampling
    rates must do with frames, seen in this order (no BPF filter, no ring reflector, a
    ring never full). max_hash_rules: the module's limit per ring (None: not reached)."""
    ring = _Ring(rules, hash_rules, policy, sampling_rate, filtering_sampling_rate,
                 max_hash_rules)
    verdicts = [ring.frame(f, i) for i, f in enumerate(frames)]
    return OracleResult(
        verdicts=verdicts,
        rule_stats=ring.rule_counts,
        hash_rules=[e.rule for e in ring.entries],
        hash_rule_stats=[e.counts for e in ring.entries],
        added_hash_rules=[e.rule for e in ring.entries[ring.initial_hash_rules:]],
        copies=ring.copies,
        ring=ring.ring,
        hash_match=ring.hash_match,
        hash_miss=ring.hash_miss,
        hash_rules_not_added=ring.not_added,
        ambiguities=ring.ambiguities,
    )

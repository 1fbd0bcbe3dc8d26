# SPDX-License-Identifier: LGPL-2.1-or-later
"""In-kernel filtering rules as typed values: what Ring.add_rule() and
Ring.add_hash_rule() take (the meaning of every field is in linux/pf_ring.h,
"Filtering").

    ring.add_rule(Rule(rule_id=10, action=RuleAction.DONT_FORWARD, proto=17,
                       dst=ipaddress.ip_network("10.0.0.0/8"), dport=(53, 53)))
    ring.add_hash_rule(HashRule(proto=6, host_a=ip_address("10.0.0.1"), port_a=1234,
                                host_b=ip_address("10.0.0.2"), port_b=80))

A field left at its default takes part in no decision. Values are checked here (ValueError)
before the kernel checks them again (OSError with its errno).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from enum import IntEnum

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

AUTO_RULE_ID = 0xFFFF  # FILTERING_RULE_AUTO_RULE_ID: the kernel picks the highest + 1
PAYLOAD_MAX = 32
REFLECTOR_NAME_MAX = 8  # libpfring's REFLECTOR_NAME_LEN: the rules carry the name


class RuleAction(IntEnum):
    """libpfring's rule_action_behaviour (linux/pf_ring.h enum pf_ring_rule_action)."""

    FORWARD = 0  # deliver; stop
    DONT_FORWARD = 1  # drop; stop
    EXECUTE_AND_CONTINUE = 2  # count the match; go on
    EXECUTE_AND_STOP = 3  # count the match; stop with the verdict as it is
    FORWARD_ADD_RULE = 4  # deliver, add a hash rule for the packet's flow; stop
    REFLECT_AND_STOP = 5  # a copy out of the reflector device; drop; stop
    REFLECT_AND_CONTINUE = 6  # a copy out of the reflector device; go on
    BOUNCE_AND_STOP = 7  # a copy back out, MACs swapped; drop; stop
    BOUNCE_AND_CONTINUE = 8  # a copy back out, MACs swapped; go on


class Policy(IntEnum):
    """What happens to a packet that no rule decides (pfring_toggle_filtering_policy)."""

    DROP = 0
    ACCEPT = 1


class FilteringMode(IntEnum):
    """libpfring's filtering_mode. No NIC here has hardware rules: SOFTWARE_ONLY and
    HARDWARE_AND_SOFTWARE (the default, software included) both run the rules in the
    kernel module; HARDWARE_ONLY fails with PF_RING_ERROR_NOT_SUPPORTED (EOPNOTSUPP)."""

    HARDWARE_AND_SOFTWARE = 0
    HARDWARE_ONLY = 1
    SOFTWARE_ONLY = 2


_REFLECTING = (RuleAction.REFLECT_AND_STOP, RuleAction.REFLECT_AND_CONTINUE)


def _port_range(name: str, r: tuple[int, int]) -> None:
    low, high = r
    if not (0 <= low <= 0xFFFF and 0 <= high <= 0xFFFF) or low > high:
        raise ValueError(f"{name}: {low}..{high} is not a port range (0 <= low <= high)")


def _reflector(name: str | None) -> None:
    if name is not None and len(name.encode()) > REFLECTOR_NAME_MAX:
        raise ValueError(f"reflector {name!r}: libpfring's rules take device names of at most "
                         f"{REFLECTOR_NAME_MAX} bytes")


def _mac(name: str, mac: str | None) -> None:
    if mac is not None and len(mac_bytes(mac)) != 6:
        raise ValueError(f"{name}: {mac!r} is not a MAC address")


def mac_bytes(mac: str | None) -> bytes:
    """'aa:bb:cc:dd:ee:ff' as 6 bytes; None as 6 zero bytes (any)."""
    if mac is None:
        return bytes(6)
    try:
        return bytes(int(x, 16) for x in mac.split(":"))
    except ValueError as e:
        raise ValueError(f"{mac!r} is not a MAC address") from e


@dataclass(frozen=True)
class Rule:
    """A wildcard rule (libpfring's filtering_rule). src and dst are networks (an address
    and its mask: ip_network('10.1.0.0/16')); both must be of one IP version, which the
    packet must then have. ports are inclusive (low, high) ranges, (0, 0) for any."""

    rule_id: int = AUTO_RULE_ID
    action: RuleAction = RuleAction.FORWARD
    ifindex: int = 0
    smac: str | None = None
    dmac: str | None = None
    vlan_id: int = 0
    eth_type: int = 0
    ip_version: int = 0  # 0: from src/dst, or any when they are None
    proto: int = 0
    src: IPNetwork | None = None
    dst: IPNetwork | None = None
    sport: tuple[int, int] = (0, 0)
    dport: tuple[int, int] = (0, 0)
    tcp_flags: int = 0
    payload: bytes = b""
    balance_id: int = 0
    balance_pool: int = 0
    bidirectional: bool = False
    locked: bool = False
    reflector: str | None = None  # device name, for the REFLECT actions

    def __post_init__(self) -> None:
        if not 0 <= self.rule_id <= 0xFFFF:
            raise ValueError(f"rule_id {self.rule_id} is out of 0..65535")
        _port_range("sport", self.sport)
        _port_range("dport", self.dport)
        _mac("smac", self.smac)
        _mac("dmac", self.dmac)
        versions: set[int] = {n.version for n in (self.src, self.dst) if n is not None}
        if self.ip_version not in (0, 4, 6):
            raise ValueError(f"ip_version {self.ip_version} is not 0, 4 or 6")
        if self.ip_version:
            versions.add(self.ip_version)
        if len(versions) > 1:
            raise ValueError("src, dst and ip_version name different IP versions")
        if len(self.payload) > PAYLOAD_MAX:
            raise ValueError(f"payload pattern longer than {PAYLOAD_MAX} bytes")
        if b"\0" in self.payload:
            raise ValueError("payload pattern with a NUL byte (libpfring's is a C string)")
        _reflector(self.reflector)
        if self.balance_pool and self.balance_id >= self.balance_pool:
            raise ValueError("balance_id must be below balance_pool")
        if self.action in _REFLECTING and not self.reflector:
            raise ValueError(f"{self.action.name} needs a reflector device")

    @property
    def version(self) -> int:
        """The IP version the rule asks for (0: any)."""
        if self.ip_version:
            return self.ip_version
        for n in (self.src, self.dst):
            if n is not None:
                return n.version
        return 0


@dataclass(frozen=True)
class HashRule:
    """A hash rule (libpfring's hash_filtering_rule): an exact flow, matched in both
    directions. Packets without ports (ICMP, later fragments) have ports 0."""

    host_a: IPAddress
    host_b: IPAddress
    proto: int
    port_a: int = 0
    port_b: int = 0
    vlan_id: int = 0
    action: RuleAction = RuleAction.FORWARD
    reflector: str | None = None

    def __post_init__(self) -> None:
        if self.host_a.version != self.host_b.version:
            raise ValueError("host_a and host_b are of different IP versions")
        for p in (self.port_a, self.port_b):
            if not 0 <= p <= 0xFFFF:
                raise ValueError(f"port {p} is out of 0..65535")
        if self.action == RuleAction.FORWARD_ADD_RULE:
            raise ValueError("FORWARD_ADD_RULE is a wildcard rule's action")
        _reflector(self.reflector)
        if self.action in _REFLECTING and not self.reflector:
            raise ValueError(f"{self.action.name} needs a reflector device")

    @property
    def ip_version(self) -> int:
        return self.host_a.version


@dataclass(frozen=True)
class RuleStats:
    """A rule's counters (hash_filtering_rule_stats)."""

    match: int
    filtered: int
    match_forward: int
    inactivity: int  # seconds since the last match


@dataclass(frozen=True)
class FilterInfo:
    """What the kernel holds for the ring (PF_RING_OPT_FILTER_INFO)."""

    num_rules: int
    num_hash_rules: int
    policy: Policy
    sampling_rate: int
    filtering_sampling_rate: int
    bpf: bool
    hash_match: int = 0  # packets that matched a hash rule
    hash_miss: int = 0  # packets looked up in the hash rules that matched none
    hash_rules_not_added: int = 0  # FORWARD_ADD_RULE over the module's max_hash_rules

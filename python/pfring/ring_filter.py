# SPDX-License-Identifier: LGPL-2.1-or-later
"""Ring's in-kernel filtering (linux/pf_ring.h, "Filtering"): BPF, wildcard and hash
rules, the policy and the sampling rates, through libpfring's functions.

    ring.set_bpf("udp and dst port 53")
    rule_id = ring.add_rule(Rule(action=RuleAction.DONT_FORWARD, proto=17))
    ring.set_policy(Policy.DROP)

Ring inherits these methods from RingFilter. Errors raise OSError with the errno
libpfring set (the kernel's: EEXIST, ENOENT, EINVAL, ENOSPC, ENODEV, ...); a BPF
expression libpcap refuses raises OSError(EINVAL) with libpcap's message.
"""

from __future__ import annotations

import os
from typing import Any, NoReturn

from pfring.native._pfring import ffi, lib  # type: ignore[import-not-found]
from pfring.rules import (
    FilterInfo,
    FilteringMode,
    HashRule,
    IPAddress,
    IPNetwork,
    Policy,
    Rule,
    RuleStats,
    mac_bytes,
)

U16_MAX = 0xFFFF
U32_MAX = 0xFFFFFFFF


def _fail(what: str, detail: str = "") -> NoReturn:
    err = ffi.errno or 5  # EIO when the library said nothing more
    raise OSError(err, f"{what}: {detail or os.strerror(err)}")


def _check(rc: int, what: str) -> None:
    if rc < 0:
        _fail(what)


def _in_range(name: str, value: int, high: int) -> int:
    if not 0 <= value <= high:
        raise ValueError(f"{name} {value} is out of 0..{high}")
    return value


def _net_bytes(net: IPNetwork | None) -> tuple[bytes, bytes]:
    """A network as 16 network-order bytes of address and of mask (IPv4: the first 4)."""
    if net is None:
        return bytes(16), bytes(16)
    return (net.network_address.packed.ljust(16, b"\0"),
            net.netmask.packed.ljust(16, b"\0"))


def _addr_bytes(addr: IPAddress) -> bytes:
    return addr.packed.ljust(16, b"\0")


def _reflector(name: str | None) -> bytes:
    return (name or "").encode()


def rule_struct(rule: Rule) -> Any:
    """The binding's struct pfpy_rule for rule (glue.h turns it into a filtering_rule;
    the IP version goes as this library's FILTER_IPV4/IPV6_HOSTS_FLAG, so that a rule
    with ip_version and no host, or an IPv6 /32, means what it says)."""
    c = ffi.new("struct pfpy_rule *")
    c.rule_id = rule.rule_id
    c.action = int(rule.action)
    c.balance_id = rule.balance_id
    c.balance_pool = rule.balance_pool
    c.locked = int(rule.locked)
    c.bidirectional = int(rule.bidirectional)
    c.proto = rule.proto
    c.ifindex = rule.ifindex
    c.smac = mac_bytes(rule.smac)
    c.dmac = mac_bytes(rule.dmac)
    c.vlan_id = rule.vlan_id
    c.eth_type = rule.eth_type
    c.ip_version = rule.version
    c.tcp_flags = rule.tcp_flags
    c.sport_low, c.sport_high = rule.sport
    c.dport_low, c.dport_high = rule.dport
    c.shost, c.shost_mask = _net_bytes(rule.src)
    c.dhost, c.dhost_mask = _net_bytes(rule.dst)
    c.payload = rule.payload.ljust(32, b"\0")
    c.payload_len = len(rule.payload)
    c.reflector = _reflector(rule.reflector).ljust(8, b"\0")
    return c


def hash_rule_struct(rule: HashRule) -> Any:
    """The binding's struct pfpy_hash_rule for rule."""
    c = ffi.new("struct pfpy_hash_rule *")
    c.vlan_id = rule.vlan_id
    c.ip_version = rule.ip_version
    c.proto = rule.proto
    c.action = int(rule.action)
    c.port_a = rule.port_a
    c.port_b = rule.port_b
    c.host_a = _addr_bytes(rule.host_a)
    c.host_b = _addr_bytes(rule.host_b)
    c.reflector = _reflector(rule.reflector).ljust(8, b"\0")
    return c


def _stats(out: Any) -> RuleStats:
    return RuleStats(match=int(out.match), filtered=int(out.filtered),
                     match_forward=int(out.match_forward), inactivity=int(out.inactivity))


def _describe(rule: HashRule) -> str:
    return f"{rule.proto} {rule.host_a}:{rule.port_a} <-> {rule.host_b}:{rule.port_b}"


class RingFilter:
    """The filtering methods of Ring (which provides _handle())."""

    def _handle(self) -> Any:  # pragma: no cover - Ring's
        raise NotImplementedError

    # -- BPF -------------------------------------------------------------------------

    def set_bpf(self, expr: str) -> None:
        """Attach a BPF filter (tcpdump's syntax) in the kernel, replacing the one there:
        only the packets it accepts reach the ring."""
        handle = self._handle()
        ffi.errno = 0
        if lib.pfring_set_bpf_filter(handle, expr.encode()) < 0:
            detail = ffi.string(lib.pfring_get_bpf_error(handle)).decode(errors="replace")
            _fail(f"set BPF filter {expr!r}", detail)

    def remove_bpf(self) -> None:
        """Detach the BPF filter (OSError ENOENT when there is none)."""
        _check(lib.pfring_remove_bpf_filter(self._handle()), "remove BPF filter")

    # -- wildcard rules ------------------------------------------------------------------

    def add_rule(self, rule: Rule) -> int:
        """Add a wildcard rule; returns its id (the kernel's pick for AUTO_RULE_ID)."""
        rule_id = ffi.new("unsigned short *")
        ffi.errno = 0
        _check(lib.pfpy_add_rule(self._handle(), rule_struct(rule), rule_id),
               f"add rule {rule.rule_id}")
        return int(rule_id[0])

    def remove_rule(self, rule_id: int) -> None:
        _check(lib.pfring_remove_filtering_rule(self._handle(),
                                                _in_range("rule_id", rule_id, U16_MAX)),
               f"remove rule {rule_id}")

    def rule_stats(self, rule_id: int) -> RuleStats:
        out = ffi.new("struct pfpy_rule_stats *")
        _check(lib.pfpy_rule_stats(self._handle(), _in_range("rule_id", rule_id, U16_MAX),
                                   out), f"rule {rule_id} stats")
        return _stats(out)

    def purge_idle_rules(self, seconds: int) -> None:
        """Remove the rules (not locked) that matched nothing for seconds."""
        _check(lib.pfring_purge_idle_rules(self._handle(),
                                           _in_range("seconds", seconds, U16_MAX)),
               "purge idle rules")

    # -- hash rules --------------------------------------------------------------------------

    def add_hash_rule(self, rule: HashRule) -> None:
        _check(lib.pfpy_hash_rule(self._handle(), hash_rule_struct(rule), 1),
               f"add hash rule {_describe(rule)}")

    def remove_hash_rule(self, rule: HashRule) -> None:
        _check(lib.pfpy_hash_rule(self._handle(), hash_rule_struct(rule), 0),
               f"remove hash rule {_describe(rule)}")

    def hash_rule_stats(self, rule: HashRule) -> RuleStats:
        out = ffi.new("struct pfpy_rule_stats *")
        _check(lib.pfpy_hash_rule_stats(self._handle(), hash_rule_struct(rule), out),
               f"hash rule {_describe(rule)} stats")
        return _stats(out)

    def purge_idle_hash_rules(self, seconds: int) -> None:
        _check(lib.pfring_purge_idle_hash_rules(self._handle(),
                                                _in_range("seconds", seconds, U16_MAX)),
               "purge idle hash rules")

    # -- policy, sampling, mode ------------------------------------------------------------

    def set_policy(self, policy: Policy) -> None:
        """What happens to a packet no rule decides."""
        _check(lib.pfring_toggle_filtering_policy(self._handle(), int(policy)),
               f"set policy {policy.name.lower()}")

    def set_sampling_rate(self, n: int) -> None:
        """One packet in n (of those that passed the filters) reaches the ring; 1: all."""
        _check(lib.pfring_set_sampling_rate(self._handle(), _in_range("rate", n, U32_MAX)),
               f"set sampling rate {n}")

    def set_filtering_sampling_rate(self, n: int) -> None:
        """One packet in n that a DONT_FORWARD rule drops is delivered all the same; 0:
        none."""
        _check(lib.pfring_set_filtering_sampling_rate(self._handle(),
                                                      _in_range("rate", n, U32_MAX)),
               f"set filtering sampling rate {n}")

    def set_filtering_mode(self, mode: FilteringMode) -> None:
        """SOFTWARE_ONLY and HARDWARE_AND_SOFTWARE work (no NIC has hardware rules here);
        HARDWARE_ONLY raises OSError(EOPNOTSUPP)."""
        _check(lib.pfring_set_filtering_mode(self._handle(), int(mode)),
               f"set filtering mode {mode.name.lower()}")

    def filter_info(self) -> FilterInfo:
        out = ffi.new("struct pf_ring_filter_info *")
        _check(lib.pfring_get_filtering_info(self._handle(), out), "filter info")
        return FilterInfo(
            num_rules=int(out.num_rules), num_hash_rules=int(out.num_hash_rules),
            policy=Policy(int(out.policy)), sampling_rate=int(out.sampling_rate),
            filtering_sampling_rate=int(out.filtering_sampling_rate), bpf=bool(out.bpf),
            hash_match=int(out.hash_match), hash_miss=int(out.hash_miss),
            hash_rules_not_added=int(out.hash_rules_not_added),
        )

# SPDX-License-Identifier: LGPL-2.1-or-later
"""What one bench run measures: links, frame sizes, consumers, repetitions and counts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from pfring.bench.consumers import CONSUMERS


@dataclass(frozen=True)
class Plan:
    links: tuple[str, ...]
    sizes: tuple[int, ...]
    consumers: tuple[str, ...]
    reps: int
    count: int          # frames per generator-rate repetition
    search_count: int   # frames per step of the loss-free search
    # Steps of the loss-free search, as fractions of the no-consumer rate; 0 means
    # pktgen's own top speed (no ratep).
    steps: tuple[float, ...]
    rings: tuple[int, ...] = (1, 2, 4, 8)
    search_sizes: tuple[int, ...] = field(default=(60,))
    # "Another device's traffic costs nothing": pktgen on veth while a pf_ring C ring is
    # bound to this device ("" skips it), against a no-consumer block in the same boot.
    other_device: str = "lo"
    # "TX with capture off costs nothing": pktgen through dev_queue_xmit on veth's
    # sending end, with and without a ring bound to that end, the module loaded with
    # enable_tx_capture=0.
    tx_capture_off: bool = True
    # "Two igb queues into one ring": pktgen on the igb link with many source addresses
    # (flows over both RX queues), these consumers bound to the whole rx device, 60 B,
    # with the loss-free search; () skips it. The emulated igb is several times slower
    # than veth: its runs send fewer frames.
    multiqueue: tuple[str, ...] = ("pfring-c", "tpacket-v3")
    multiqueue_count: int = 12_000
    multiqueue_search_count: int = 6_000
    # "A cluster against PACKET_FANOUT_HASH" (issue 9): on veth, pktgen with many source
    # addresses (flows), a pf_ring cluster (per flow 5-tuple) of N pf_ring C rings and a
    # fanout-hash group of N TPACKET_V3 sockets for each N here, at the first size, plus
    # one plain ring and socket (no group); () skips it.
    cluster: tuple[int, ...] = (1, 2, 4)
    # "pfsend against a raw AF_PACKET sender" (issue 9): pfsend and afp_sender (a TX ring
    # with PACKET_QDISC_BYPASS) each send count frames of the first size on veth, reps
    # times, in turns.
    senders: bool = True
    # "In-kernel filtering" (issue 10): on veth, pktgen's one UDP flow at the first size,
    # pf_ring C rings with no filter, with filter_rules wildcard rules the traffic misses
    # (0: one added and removed), with filter_hash_rules hash rules (the traffic's flow
    # among them, the drop policy), and with the BPF filter filter_bpf, against
    # TPACKET_V3 sockets with no filter and with the same BPF; each after its own
    # no-consumer block. False skips it.
    filtering: bool = True
    filter_rules: tuple[int, ...] = (0, 16, 256)
    filter_hash_rules: tuple[int, ...] = (10_000, 100_000)
    filter_bpf: str = "udp"
    # "The aware drivers" (issue 11): on each lab link here, at every size, pf_ring C
    # with the in-tree driver (standard mode) and TPACKET_V3, then with our aware driver
    # loaded in its place (the same boot): pf_ring C, and pf_ring C with the device in
    # capture-only mode; each after its own no-consumer block. () skips it.
    aware: tuple[str, ...] = ("e1000e", "igb")
    # "One-copy ingestion" (issue 12): on each link here, 60-byte frames at each load of
    # zc_loads (fractions of the same boot's no-consumer rate: equal offered loads, rate
    # limited by pktgen), zc_count frames a run, plan.reps runs of each in turns: pfcount
    # (standard mode) on the rx device, then zbalance_ipc reading it in one-copy mode into
    # one queue that one zcount_ipc empties. () skips it.
    zc_ingestion: tuple[str, ...] = ("e1000e", "veth")
    zc_loads: tuple[float, ...] = (0.25, 0.5, 0.75, 1.0)
    zc_count: int = 20_000
    # The scenarios this run was limited to (select()); () for all of the plan's
    only: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# The scenarios a run can be limited to: "links" is every link's consumers, the ring on
# another device and the scaling (run_link); the others are one scenario each.
SCENARIOS = ("links", "cluster", "tx-capture-off", "senders", "multiqueue", "filtering",
             "aware", "zc-ingestion")


def select(plan: Plan, only: Iterable[str]) -> Plan:
    """plan limited to the scenarios named (SCENARIOS); nothing named: plan as it is."""
    wanted = tuple(dict.fromkeys(only))
    unknown = [name for name in wanted if name not in SCENARIOS]
    if unknown:
        raise ValueError(f"unknown scenario(s) {', '.join(unknown)}; "
                         f"known: {', '.join(SCENARIOS)}")
    if not wanted:
        return plan
    limited = replace(
        plan, only=wanted,
        links=plan.links if "links" in wanted else (),
        other_device=plan.other_device if "links" in wanted else "",
        cluster=plan.cluster if "cluster" in wanted else (),
        tx_capture_off=plan.tx_capture_off and "tx-capture-off" in wanted,
        senders=plan.senders and "senders" in wanted,
        multiqueue=plan.multiqueue if "multiqueue" in wanted else (),
        filtering=plan.filtering and "filtering" in wanted,
        aware=plan.aware if "aware" in wanted else (),
        zc_ingestion=plan.zc_ingestion if "zc-ingestion" in wanted else (),
    )
    if not (limited.links or limited.cluster or limited.tx_capture_off or limited.senders
            or limited.multiqueue or limited.filtering or limited.aware
            or limited.zc_ingestion):
        # it would boot, measure nothing and publish an empty table over the last one
        raise ValueError(f"this plan has none of {', '.join(wanted)} (the quick plans have "
                         "no aware drivers): run it without --quick")
    return limited


MULTIQUEUE_LINK = "igb"

# The quick run keeps one wildcard-rule case (the one target (i) judges) so that CI's
# bench stays within its few minutes.
QUICK = Plan(links=("veth",), sizes=(60,), consumers=CONSUMERS, reps=3, count=40_000,
             search_count=15_000, steps=(0.25, 0.5, 0.75, 0.0), filter_rules=(16,),
             aware=(), zc_loads=(0.5, 1.0), zc_count=10_000)
FULL = Plan(links=("veth", "e1000e"), sizes=(60, 512, 1500), consumers=CONSUMERS, reps=5,
            count=50_000, search_count=20_000, steps=(0.25, 0.5, 0.75, 0.9, 0.0),
            multiqueue_count=30_000, multiqueue_search_count=15_000)


# CI's run: the quick plan's scenarios once each, with fewer frames, so that the bench
# cannot rot (every run still accounted for); its figures are not worth publishing.
SMOKE = replace(QUICK, reps=1, count=10_000, search_count=5_000, steps=(0.5, 0.0),
                multiqueue_count=4_000, multiqueue_search_count=2_000, cluster=(2,),
                zc_ingestion=("e1000e",), zc_count=5_000)


def plan_for(quick: bool, smoke: bool = False) -> Plan:
    return SMOKE if smoke else QUICK if quick else FULL

# SPDX-License-Identifier: LGPL-2.1-or-later
"""The targets of issues 4, 8, 9, 10 and 11, each a threshold on a ratio. The bench reports them;
it is not a test, and a missing number is neither a pass nor a fail."""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    key: str
    description: str
    threshold: float
    at_least: bool  # True: ratio >= threshold passes; False: ratio <= threshold passes

    def check(self, value: float | None) -> bool | None:
        if value is None:
            return None
        compare: Callable[[float, float], bool] = operator.ge if self.at_least else operator.le
        return compare(value, self.threshold)

    def check_bounded(self, value: float | None, numerator_is_lower_bound: bool,
                      denominator_is_lower_bound: bool) -> bool | None:
        """check() for a ratio of two rates either of which may be only a lower bound (no
        drop even at the generator's top speed). A ratio over a lower bound is an upper
        bound and the other way round; what the bounds cannot decide is None."""
        passed = self.check(value)
        if passed is None or numerator_is_lower_bound == denominator_is_lower_bound:
            return None if numerator_is_lower_bound else passed
        # numerator a lower bound: value is a lower bound; denominator: an upper bound
        value_is_lower_bound = numerator_is_lower_bound
        if value_is_lower_bound == self.at_least:
            return True if passed else None
        return False if not passed else None

    def label(self) -> str:
        return f"{'>=' if self.at_least else '<='} {self.threshold:g}"


GENERATOR_RATIO = Target("a", "pf_ring (C): generator rate with capture / without", 0.90, True)
LOSS_FREE_VS_TPV3 = Target("b", "pf_ring (C): loss-free rate / TPACKET_V3's", 1.2, True)
PYTHON_VS_C = Target("b-py", "pf_ring (Python batch): loss-free rate / pf_ring (C)'s", 0.5,
                     True)
SCALING_8 = Target("d", "8 rings: capture cost / one ring's", 8.5, False)
# Issue 8: traffic of a device no ring is bound to must not pay for capture.
OTHER_DEVICE = Target("e", "pf_ring (C) on another device: generator rate with the ring / "
                      "without", 0.95, True)

# Issue 8: frames a device sends must not pay for a ring on it when TX capture is off.
TX_CAPTURE_OFF = Target("f", "pf_ring (C) on the sending device, TX capture off: generator "
                        "rate with the ring / without", 0.95, True)

# Issue 9: sharing flows over N rings with a cluster must cost the delivering CPU no more
# than (within the lab's noise) AF_PACKET's fanout of N sockets does.
CLUSTER_VS_FANOUT = Target("g", "pf_ring cluster of N rings (C): generator rate / a "
                           "PACKET_FANOUT_HASH group of N TPACKET_V3 sockets'", 0.9, True)

# Issue 9: pfsend must send as fast as a program using AF_PACKET's fastest way does.
PFSEND_VS_AF_PACKET = Target("h", "pfsend: frames per second / AF_PACKET's with "
                             "PACKET_QDISC_BYPASS (the faster of sendmmsg and a TX ring)",
                             0.9, True)

# Issue 10: rules a packet does not match cost little (16 wildcard rules, each packet
# walking them all); the hash rules' lookup takes constant time (100,000 rules cost what
# 10,000 do); pf_ring's BPF filter costs what AF_PACKET's does (the ratio of the two
# with the same filter, where without filters pf_ring C / TPACKET_V3 is itself the
# bench's measured ratio, about 0.8-0.9 of the generator rate's). Each a ratio of two
# generator ratios of the filtering scenario (pfring.bench.filtering).
RULES_16 = Target("i", "pf_ring (C), 16 wildcard rules the traffic misses: generator ratio "
                  "/ with no filter", 0.9, True)
HASH_100K_VS_10K = Target("j", "pf_ring (C), 100,000 hash rules: generator ratio / with "
                          "10,000 (constant-time lookup)", 0.9, True)
BPF_VS_TPV3 = Target("k", "pf_ring (C) with a BPF filter: generator ratio / TPACKET_V3's "
                     "with the same filter", 0.9, True)

# Issue 11: the aware driver hands frames to the rings from its RX clean-up: capture
# costs the delivering CPU little, less than TPACKET_V3 does; in capture-only mode the
# stack's work on the captured frames goes too.
AWARE_RATIO = Target("l", "pf_ring (C), aware driver: generator rate with capture / "
                     "without", 0.90, True)
AWARE_VS_TPV3 = Target("m", "pf_ring (C), aware driver: generator ratio / TPACKET_V3's",
                       1.0, True)
CAPTURE_ONLY_RATIO = Target("n", "pf_ring (C), aware driver, capture only: generator rate "
                            "with capture / without", 1.0, True)
AWARE_CPU = Target("o", "pf_ring (C), aware driver (and capture only): the consumer's CPU "
                   "plus the guest's softirq time per packet / standard mode's", 0.5, False)

ALL = (GENERATOR_RATIO, LOSS_FREE_VS_TPV3, PYTHON_VS_C, SCALING_8, OTHER_DEVICE,
       TX_CAPTURE_OFF, CLUSTER_VS_FANOUT, PFSEND_VS_AF_PACKET, RULES_16, HASH_100K_VS_10K,
       BPF_VS_TPV3, AWARE_RATIO, AWARE_VS_TPV3, CAPTURE_ONLY_RATIO, AWARE_CPU)


def verdict(passed: bool | None) -> str:
    """n/a: not measured, or (loss-free rates) the bounds cannot decide."""
    return {True: "pass", False: "FAIL", None: "n/a"}[passed]

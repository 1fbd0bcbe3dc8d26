# SPDX-License-Identifier: LGPL-2.1-or-later
"""What one bench run measures: links, frame sizes, consumers, repetitions and counts."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
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

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


QUICK = Plan(links=("veth",), sizes=(60,), consumers=CONSUMERS, reps=3, count=40_000,
             search_count=15_000, steps=(0.25, 0.5, 0.75, 0.0))
FULL = Plan(links=("veth", "e1000e"), sizes=(60, 512, 1500), consumers=CONSUMERS, reps=5,
            count=50_000, search_count=20_000, steps=(0.25, 0.5, 0.75, 0.9, 0.0))


def plan_for(quick: bool) -> Plan:
    return QUICK if quick else FULL

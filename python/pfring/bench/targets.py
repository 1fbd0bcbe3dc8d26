# SPDX-License-Identifier: LGPL-2.1-or-later
"""The targets of issue 4, each a threshold on a ratio. The bench reports them; it is not
a test, and a missing number is neither a pass nor a fail."""

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

    def label(self) -> str:
        return f"{'>=' if self.at_least else '<='} {self.threshold:g}"


GENERATOR_RATIO = Target("a", "pf_ring (C): generator rate with capture / without", 0.90, True)
LOSS_FREE_VS_TPV3 = Target("b", "pf_ring (C): loss-free rate / TPACKET_V3's", 1.2, True)
PYTHON_VS_C = Target("b-py", "pf_ring (Python batch): loss-free rate / pf_ring (C)'s", 0.5,
                     True)
SCALING_8 = Target("d", "8 rings: capture cost / one ring's", 8.5, False)

ALL = (GENERATOR_RATIO, LOSS_FREE_VS_TPV3, PYTHON_VS_C, SCALING_8)


def verdict(passed: bool | None) -> str:
    return {True: "pass", False: "FAIL", None: "n/a"}[passed]

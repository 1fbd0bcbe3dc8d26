# SPDX-License-Identifier: LGPL-2.1-or-later
"""Repetitions summed up: median, min, max and spread; ratios between two medians."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Spread:
    """The repetitions of one number: their median, extremes and count.

    spread is (max - min) / median: 0.1 means the repetitions span 10 % of the median.
    """

    median: float
    min: float
    max: float
    n: int

    @property
    def spread(self) -> float:
        return (self.max - self.min) / self.median if self.median else 0.0

    def as_dict(self) -> dict[str, float]:
        return {**asdict(self), "spread": self.spread}


def summarize(values: Sequence[float]) -> Spread | None:
    """None when there is nothing to sum up."""
    if not values:
        return None
    return Spread(float(statistics.median(values)), float(min(values)), float(max(values)),
                  len(values))


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator; None when either is missing or the denominator is 0."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


def capture_cost(pps_with: float, pps_without: float) -> float:
    """The time capture adds on the delivering CPU per packet (seconds): 1/pps with a
    consumer running minus 1/pps without."""
    return 1.0 / pps_with - 1.0 / pps_without

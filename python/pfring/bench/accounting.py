# SPDX-License-Identifier: LGPL-2.1-or-later
"""Where every frame of a measured run went: the consumers' counts against what pktgen sent.

A run record (a timed repetition, a scaling repetition or one step of the loss-free
search) holds:

  sent           pktgen's count: the frames the tx interface's driver accepted
  delivered      the rx interface's rx_packets difference over the run (None: not read)
  each           [[received, drops], ...]: each consumer's own counts over the run, or
                 [[received, drops, filtered, sampled_out], ...]: with what the ring's
                 filters and sampling kept out (the filtering scenario, issue 10)
  expected_each  what each consumer should have seen: sent, or 0 for a ring bound to
                 another device (optional: sent for every consumer)

  stages         (the ingestion scenario's zbalance_ipc, pfring.bench.ingestion) where the
                 frames went on the way: {"device": [received, dropped], "queue": [sent,
                 dropped], "consumer": taken}: what the balancer read from the device
                 and what the device's ring dropped, what it put into the consumer's
                 queue and what the full queue refused, what zcount_ipc took out of it

Results written before `each` existed hold only the sums `received` and `drops` (and
`rings`, the number of consumers that each saw every frame); they are read the same way.

Every consumer must account for every frame it should have seen: received + drops +
filtered + sampled_out == expected. A run is loss-free when no consumer dropped a frame
(a frame a filter kept out was not lost: the consumer asked for that); it dropped when
the consumer's own counter explains every missing frame; otherwise frames are
unaccounted for, and the run is an error in the results, not a result. A consumer that
received and dropped nothing of what it should have seen saw nothing, even when its
filters account for every frame: it was not capturing what the bench measures. A run
with stages must add up at each of them too: the device's received + dropped =
expected, its received = the queue's sent + dropped, and the consumer took what the
queue was sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

LOSS_FREE = "loss-free"
DROPPED = "dropped"
UNACCOUNTED = "unaccounted"


@dataclass(frozen=True)
class Count:
    """One consumer's frames over one run."""

    expected: int
    received: int
    drops: int
    filtered: int = 0
    sampled_out: int = 0

    @property
    def counted(self) -> int:
        return self.received + self.drops + self.filtered + self.sampled_out

    @property
    def accounted(self) -> bool:
        return self.counted == self.expected

    @property
    def saw_nothing(self) -> bool:
        return self.expected > 0 and self.received + self.drops == 0


def _count(expected: Any, each: Sequence[Any]) -> Count:
    """One consumer's [received, drops] or [received, drops, filtered, sampled_out]."""
    if len(each) not in (2, 4):
        raise ValueError(f"a consumer's counts are 2 or 4 numbers, not {list(each)}")
    return Count(int(expected), *(int(n) for n in each))


def counts(record: dict[str, Any]) -> list[Count]:
    """Each consumer's count in a run record; empty for a run without consumers."""
    if "each" in record:
        each = record["each"]
        expected = record.get("expected_each") or [record["sent"]] * len(each)
        return [_count(e, c) for e, c in zip(expected, each, strict=True)]
    if "received" not in record:
        return []
    copies = int(record.get("rings", 1))
    return [Count(record["sent"] * copies, int(record["received"]), int(record["drops"]))]


def stage_problems(record: dict[str, Any]) -> list[str]:
    """Where a run's stages (zbalance_ipc's device and queue, zcount_ipc) do not add up;
    empty when they do or the run has none."""
    stages = record.get("stages")
    if not stages:
        return []
    (dev_in, dev_drop), (q_sent, q_drop) = stages["device"], stages["queue"]
    taken = stages["consumer"]
    expected = (record.get("expected_each") or [record["sent"]])[0]
    found = []
    if dev_in + dev_drop != expected:
        found.append(f"device received {dev_in} + dropped {dev_drop} != {expected}")
    if dev_in != q_sent + q_drop:
        found.append(f"device received {dev_in} != queue sent {q_sent} + dropped {q_drop}")
    if taken != q_sent:
        found.append(f"consumer took {taken} != queue sent {q_sent}")
    return found


def status(record: dict[str, Any]) -> str | None:
    """LOSS_FREE, DROPPED or UNACCOUNTED; None for a run without consumers."""
    found = counts(record)
    if not found:
        return None
    if not all(c.accounted for c in found) or stage_problems(record):
        return UNACCOUNTED
    return DROPPED if any(c.drops for c in found) else LOSS_FREE


def saw_nothing(record: dict[str, Any]) -> bool:
    """A consumer that should have seen frames of the run counted none at all (neither
    received nor dropped): it was not capturing what the bench measured."""
    return any(c.saw_nothing for c in counts(record))


def link_delivered_all(record: dict[str, Any]) -> bool | None:
    """Did the rx interface count exactly what pktgen sent? None when not read."""
    delivered = record.get("delivered")
    return None if delivered is None else delivered == record["sent"]


@dataclass(frozen=True)
class SearchOutcome:
    """One repetition of the loss-free search, from its steps.

    loss_free_pps is the highest achieved rate of the loss-free steps before the first
    step that was not loss-free; None when that step's frames were unaccounted for (the
    repetition is void) or there were no steps. capped: no step dropped, so the
    generator's top speed, not the consumer, was the limit (the rate is a lower bound).
    """

    loss_free_pps: float | None
    capped: bool
    void_step: int | None = None  # index of the unaccounted step that voided the rep


def search_outcome(steps: Sequence[dict[str, Any]]) -> SearchOutcome:
    if not steps:
        return SearchOutcome(None, False)
    clean = 0.0
    for index, step in enumerate(steps):
        found = status(step)
        if found == UNACCOUNTED:
            return SearchOutcome(None, False, index)
        if found == DROPPED:
            return SearchOutcome(clean, False)
        clean = max(clean, float(step["pps"]))
    return SearchOutcome(clean, True)


def describe(record: dict[str, Any]) -> str:
    """What a run's frames add up to, for a report line: each consumer's received +
    dropped against what it should have seen, and what the rx interface counted."""
    parts = []
    for c in counts(record):
        kept_out = (f" + filtered {c.filtered} + sampled out {c.sampled_out}"
                    if c.filtered or c.sampled_out else "")
        parts.append(f"received {c.received} + dropped {c.drops}{kept_out} = "
                     f"{c.counted} of {c.expected}")
    text = "; ".join(parts) if parts else "no consumer"
    stages = stage_problems(record)
    if stages:
        text += " (" + "; ".join(stages) + ")"
    delivered = record.get("delivered")
    if delivered is not None:
        text += f" (pktgen sent {record['sent']}, the rx interface counted {delivered})"
    return text


@dataclass(frozen=True)
class Tally:
    """How many runs of a scenario added up."""

    good: int
    total: int

    def label(self) -> str:
        return f"{self.good}/{self.total}" if self.total else "-"


def tally_runs(records: Sequence[dict[str, Any]]) -> Tally:
    """Runs with consumers: those whose frames were accounted for. Runs without: those
    in which the rx interface counted what pktgen sent (the link delivers)."""
    with_consumers = [r for r in records if counts(r)]
    if with_consumers:
        return Tally(sum(status(r) != UNACCOUNTED for r in with_consumers),
                     len(with_consumers))
    read = [r for r in records if link_delivered_all(r) is not None]
    return Tally(sum(bool(link_delivered_all(r)) for r in read), len(read))


def tally_steps(searches: Sequence[dict[str, Any]]) -> Tally:
    steps = [step for s in searches for step in s["steps"]]
    return Tally(sum(status(step) != UNACCOUNTED for step in steps), len(steps))

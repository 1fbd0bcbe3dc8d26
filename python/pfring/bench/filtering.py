# SPDX-License-Identifier: LGPL-2.1-or-later
"""The in-kernel filtering scenario (issue 10): what a ring's filters cost the
delivering CPU, as generator ratios in one boot.

On veth, pktgen sends its one UDP flow (FLOW) at the plan's first size, and one consumer
at a time captures it, each block after its own no-consumer block:

  pfring-c none          pfr_consumer with no filter: today's cost, the reference
  pfring-c rules N       N wildcard rules the traffic misses (TCP, each its own
                         destination port, DONT_FORWARD) and the accept policy: every
                         packet walks all N and is delivered. N 0: one rule added and
                         removed (a ring whose rules are gone must cost what one that
                         never had any does)
  pfring-c hash N        N hash rules and the drop policy: the traffic's own flow as a
                         FORWARD rule, N - 1 other UDP flows as DONT_FORWARD rules; every
                         packet is looked up and found (one that were not would be
                         filtered, which the accounting reports)
  pfring-c bpf           pf_ring's BPF filter (pfring_set_bpf_filter) with plan.filter_bpf
  tpacket-v3 none        tpv3_consumer with no filter
  tpacket-v3 bpf         tpv3_consumer with the same expression (SO_ATTACH_FILTER)

Every filter lets every frame of the traffic through: a run whose frames a filter kept
out (filtered or sampled_out) is an accounting problem, as is one whose frames do not
add up (received + dropped + filtered + sampled out against what pktgen sent).

The ratios divide one case's median generator ratio (its runs' rates over its own
baseline's median) by another's; three of them have targets (targets.py: i, j, k).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pfring.bench import accounting as acc
from pfring.bench import targets as tg
from pfring.bench.plan import Plan
from pfring.bench.stats import Spread, ratio, summarize

PFRING = "pfring-c"
TPV3 = "tpacket-v3"
# pktgen's frames (pfring.testing.traffic.Pktgen; UDP port 9 is pktgen's default for
# both ends): the flow of the hash rule that delivers them
FLOW = "198.18.0.1:9,198.18.0.2:9"
# Adding 100,000 hash rules one setsockopt at a time takes a while under emulation
READY_TIMEOUT_S = 600.0
NONE, RULES, HASH, BPF = "none", "rules", "hash", "bpf"
_OWNER = {PFRING: "pf_ring (C)", TPV3: "TPACKET_V3"}


@dataclass(frozen=True)
class FilterCase:
    """One consumer with one filter."""

    consumer: str       # PFRING or TPV3
    kind: str           # NONE, RULES, HASH or BPF
    n: int = 0          # rules (RULES, HASH)
    expr: str = ""      # BPF

    @property
    def key(self) -> str:
        """"pfring-c rules 16": what records, rows and ratios name the case by."""
        return " ".join([self.consumer, self.kind,
                         *([str(self.n)] if self.kind in (RULES, HASH) else [])])

    @property
    def tag(self) -> str:
        """The key as a file name part."""
        return self.key.replace(" ", "-")

    def label(self) -> str:
        what = {NONE: "no filter",
                RULES: (f"{self.n:,} wildcard rules" if self.n
                        else "0 rules (one added and removed)"),
                HASH: f"{self.n:,} hash rules",
                BPF: f'BPF "{self.expr}"'}[self.kind]
        return f"{_OWNER[self.consumer]}, {what}"

    def options(self) -> list[str]:
        """The consumer's options for the filter (consumers.consumer_argv)."""
        if self.kind == RULES:
            return ["-R", str(self.n)]
        if self.kind == HASH:
            return ["-K", str(self.n), "-k", FLOW]
        if self.kind == BPF:
            return ["-f", self.expr]
        return []

    def check_filters(self, event: dict[str, int] | None) -> None:
        """Does the ring hold what the case asked for? event: pfr_consumer's first
        "filters" line (None: it printed none). Raises RuntimeError when not."""
        if self.consumer != PFRING or self.kind == NONE:
            return
        if event is None:
            raise RuntimeError(f"{self.key}: the consumer did not say what filters it has")
        wanted = {RULES: {"rules": self.n, "hash_rules": 0, "policy": 1, "bpf": 0},
                  HASH: {"rules": 0, "hash_rules": self.n, "policy": 0, "bpf": 0},
                  BPF: {"rules": 0, "hash_rules": 0, "policy": 1, "bpf": 1}}[self.kind]
        wrong = {k: event.get(k) for k, v in wanted.items() if event.get(k) != v}
        if wrong:
            raise RuntimeError(f"{self.key}: the ring holds {wrong}, not {wanted}")


def cases(plan: Plan) -> list[FilterCase]:
    """The plan's cases in the order of the run."""
    return [FilterCase(PFRING, NONE),
            *(FilterCase(PFRING, RULES, n) for n in plan.filter_rules),
            *(FilterCase(PFRING, HASH, n) for n in plan.filter_hash_rules),
            FilterCase(PFRING, BPF, expr=plan.filter_bpf),
            FilterCase(TPV3, NONE),
            FilterCase(TPV3, BPF, expr=plan.filter_bpf)]


@dataclass(frozen=True)
class FilterRatio:
    """One case's generator ratio over another's."""

    description: str
    numerator: str      # a case key
    denominator: str
    target: tg.Target | None = None


def ratios(plan: dict[str, Any]) -> list[FilterRatio]:
    """The ratios the scenario reports for a plan (as the results document keeps it)."""
    none, bpf = f"{PFRING} {NONE}", f"{PFRING} {BPF}"
    out = [FilterRatio(f"{n} wildcard rules / no filter" if n
                       else "0 rules (one added and removed) / no filter",
                       f"{PFRING} {RULES} {n}", none, tg.RULES_16 if n == 16 else None)
           for n in plan.get("filter_rules") or ()]
    hashes = list(plan.get("filter_hash_rules") or ())
    out += [FilterRatio(f"{n:,} hash rules / no filter", f"{PFRING} {HASH} {n}", none)
            for n in hashes]
    if 10_000 in hashes and 100_000 in hashes:
        out.append(FilterRatio("100,000 hash rules / 10,000 hash rules",
                               f"{PFRING} {HASH} 100000", f"{PFRING} {HASH} 10000",
                               tg.HASH_100K_VS_10K))
    out += [FilterRatio("pf_ring BPF / pf_ring no filter", bpf, none),
            FilterRatio("TPACKET_V3 BPF / TPACKET_V3 no filter", f"{TPV3} {BPF}",
                        f"{TPV3} {NONE}"),
            FilterRatio("pf_ring BPF / TPACKET_V3 BPF", bpf, f"{TPV3} {BPF}",
                        tg.BPF_VS_TPV3),
            FilterRatio("pf_ring no filter / TPACKET_V3 no filter", none, f"{TPV3} {NONE}")]
    return out


def _d(s: Spread | None) -> dict[str, float] | None:
    return s.as_dict() if s else None


def _sum(records: Iterable[dict[str, Any]], key: str) -> int:
    return sum(int(r.get(key, 0)) for r in records)


def kept_out(record: dict[str, Any]) -> int:
    """Frames of the run the consumer's filters or sampling kept out."""
    return sum(c.filtered + c.sampled_out for c in acc.counts(record))


def rows(raw: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per case, in the order of the run, each against its own no-consumer
    block."""
    records = raw.get("filtering") or []
    out = []
    for key in dict.fromkeys(r["case"] for r in records):
        mine = [r for r in records if r["case"] == key]
        runs = [r for r in mine if r["consumer"] != "none"]
        nones = [r for r in mine if r["consumer"] == "none"]
        none = summarize([r["pps"] for r in nones])
        gen = summarize([r["pps"] / none.median for r in runs] if none else [])
        first = runs[0] if runs else {}
        out.append({
            "case": key, "consumer": first.get("consumer"),
            "label": first.get("label", key), "link": mine[0]["link"],
            "size": mine[0]["size"],
            "generator_pps": _d(summarize([r["pps"] for r in runs])),
            "baseline_pps": _d(none), "generator_ratio": _d(gen),
            "sent": _sum(runs, "sent"), "received": _sum(runs, "received"),
            "drops": _sum(runs, "drops"), "filtered": _sum(runs, "filtered"),
            "sampled_out": _sum(runs, "sampled_out"),
            "runs_accounted": _tally(acc.tally_runs(runs)),
            "baseline_accounted": _tally(acc.tally_runs(nones)),
            "filters_at_start": first.get("filters_at_start"),
            "filters_at_end": (runs[-1] if runs else {}).get("filters_at_end"),
        })
    return out


def _tally(t: acc.Tally) -> dict[str, int]:
    return {"good": t.good, "total": t.total}


def _median(row: dict[str, Any] | None) -> float | None:
    gen = (row or {}).get("generator_ratio")
    return float(gen["median"]) if gen else None


def ratio_rows(plan: dict[str, Any], found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every ratio of the plan with its value (None: a case is missing) and target;
    none when the scenario did not run."""
    if not found:
        return []
    by_case = {r["case"]: r for r in found}
    out = []
    for fr in ratios(plan):
        value = ratio(_median(by_case.get(fr.numerator)), _median(by_case.get(fr.denominator)))
        out.append({"description": fr.description, "numerator": fr.numerator,
                    "denominator": fr.denominator, "value": value,
                    "target": fr.target.key if fr.target else None})
    return out


def where(found: list[dict[str, Any]]) -> str:
    return f"{found[0]['link']} {found[0]['size']} B" if found else ""


def evaluate(found: list[dict[str, Any]], computed: list[dict[str, Any]]) -> list[
        tuple[tg.Target, str, float | None]]:
    """The targets of the ratios measured: (target, where, value)."""
    by_key = {t.key: t for t in tg.ALL}
    return [(by_key[r["target"]], where(found), r["value"]) for r in computed
            if r["target"] and r["value"] is not None]


def accounting_problems(raw: dict[str, Any]) -> list[str]:
    """Runs whose frames do not add up, consumers that saw nothing, filters that kept
    out frames of the traffic they were to let through, no-consumer runs in which the
    link lost frames."""
    found = []
    for r in raw.get("filtering") or []:
        at = f"{r['link']} {r['size']} B filtering {r['case']}: {r['consumer']} run {r['rep']}"
        if acc.saw_nothing(r):
            found.append(f"{at}: the consumer saw nothing: {acc.describe(r)}")
        elif acc.status(r) == acc.UNACCOUNTED:
            found.append(f"{at}: frames unaccounted for: {acc.describe(r)}")
        elif kept_out(r):
            found.append(f"{at}: the filter kept out frames it should have let through: "
                         f"{acc.describe(r)}")
        elif not acc.counts(r) and acc.link_delivered_all(r) is False:
            found.append(f"{at}: the link did not deliver what pktgen sent: "
                         f"{acc.describe(r)}")
    return found

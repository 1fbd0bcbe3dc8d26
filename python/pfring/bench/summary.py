# SPDX-License-Identifier: LGPL-2.1-or-later
"""The guest's raw numbers summed up: per scenario (link, frame size, consumer) the
median, min and max of every metric, the ratios against the same boot's references, the
accounting of every run's frames, and the targets.

Ratios:
  generator ratio   pktgen's rate with the consumer running / without (same link, size;
                    "without" is the block run just before the consumer started, its
                    median shown as the baseline)
  loss-free ratio   highest rate without loss / TPACKET_V3's (the Python consumer: / the C
                    pf_ring consumer's); a repetition counts only when every frame of
                    every step was accounted for (pfring.bench.accounting)
  CPU ratio         consumer CPU time per packet / TPACKET_V3's
  scaling           capture cost of n rings / one ring's, where the cost is the time
                    capture adds per packet on the delivering CPU: 1/pps(n) - 1/pps(none)
  cluster           flows shared by a group of N consumers: a pf_ring cluster's
                    generator rate / a PACKET_FANOUT_HASH group's of the same N (same
                    block, same baseline); a cluster of one's / one plain ring's (a fanout
                    group of one's / one plain socket's)
  filtering         one filter case's generator ratio / another's (pfring.bench.filtering)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pfring.bench import accounting as acc
from pfring.bench import filtering, ingestion, senders
from pfring.bench import targets as tg
from pfring.bench.consumers import (
    AWARE,
    CAPTURE_ONLY,
    CLUSTER,
    FANOUT,
    OTHER_DEVICE,
    TX_CAPTURE_OFF,
)
from pfring.bench.stats import Spread, capture_cost, ratio, summarize

SCHEMA = 2
REFERENCE = "tpacket-v3"


def _median(s: Spread | None) -> float | None:
    return s.median if s else None


def _d(s: Spread | None) -> dict[str, float] | None:
    return s.as_dict() if s else None


def _select(records: Iterable[dict[str, Any]], link: str, size: int,
            consumer: str) -> list[dict[str, Any]]:
    return [r for r in records
            if r["link"] == link and r["size"] == size and r["consumer"] == consumer]


def baseline(raw: dict[str, Any], link: str, size: int, block: str) -> Spread | None:
    """The no-consumer rate measured just before block; every no-consumer run when there
    is no such block (or for the no-consumer row itself)."""
    runs = _select(raw["rate"], link, size, "none")
    own = [r["pps"] for r in runs if r.get("baseline_for") == block]
    return summarize(own or [r["pps"] for r in runs])


def loss_free_outcomes(searches: Iterable[dict[str, Any]]) -> list[acc.SearchOutcome]:
    """Each search repetition's outcome, from its steps (not from what the guest
    concluded: results written by older code are judged by today's rules)."""
    return [acc.search_outcome(s["steps"]) for s in searches]


def scenario(raw: dict[str, Any], link: str, size: int, consumer: str) -> dict[str, Any]:
    """Every metric of one consumer on one link and frame size (ratios filled in later)."""
    none = baseline(raw, link, size, consumer)
    runs = _select(raw["rate"], link, size, consumer)
    pps = summarize([r["pps"] for r in runs])
    gen_ratio = summarize([r["pps"] / none.median for r in runs] if none else [])
    cpu = summarize([r["cpu_s"] / r["received"] * 1e6 for r in runs
                     if r.get("received")])
    # the consumer's CPU and the softirq time of the whole guest (results of before
    # 2026-12-03 lack softirq_s)
    cpu_softirq = summarize([(r["cpu_s"] + r["softirq_s"]) / r["received"] * 1e6
                             for r in runs if r.get("received") and "softirq_s" in r])
    searches = _select(raw["search"], link, size, consumer)
    outcomes = loss_free_outcomes(searches)
    valid = [o for o in outcomes if o.loss_free_pps is not None]  # not void
    loss_free = summarize([o.loss_free_pps or 0.0 for o in valid])
    return {
        "link": link, "size": size, "consumer": consumer,
        "generator_pps": _d(pps), "generator_ratio": _d(gen_ratio),
        "baseline_pps": _d(none),
        "received": sum(r.get("received", 0) for r in runs),
        "drops": sum(r.get("drops", 0) for r in runs),
        "runs_accounted": _tally(acc.tally_runs(runs)),
        "steps_accounted": _tally(acc.tally_steps(searches)),
        "cpu_us_per_packet": _d(cpu),
        "cpu_softirq_us_per_packet": _d(cpu_softirq),
        "loss_free_pps": _d(loss_free),
        "loss_free_capped": bool(valid) and all(o.capped for o in valid),
        "loss_free_void_reps": len(outcomes) - len(valid),
    }


def _tally(t: acc.Tally) -> dict[str, int]:
    return {"good": t.good, "total": t.total}


def _m(row: dict[str, Any], key: str) -> float | None:
    value = row.get(key)
    return float(value["median"]) if isinstance(value, dict) else None


def add_ratios(rows: list[dict[str, Any]]) -> None:
    """CPU and loss-free ratios against the same link and size's references."""
    by_key = {(r["link"], r["size"], r["consumer"]): r for r in rows}
    for row in rows:
        ref = by_key.get((row["link"], row["size"], REFERENCE), {})
        c = by_key.get((row["link"], row["size"], "pfring-c"), {})
        row["cpu_ratio_vs_tpv3"] = ratio(_m(row, "cpu_us_per_packet"),
                                         _m(ref, "cpu_us_per_packet"))
        row["loss_free_vs_tpv3"] = ratio(_m(row, "loss_free_pps"), _m(ref, "loss_free_pps"))
        row["loss_free_vs_c"] = ratio(_m(row, "loss_free_pps"), _m(c, "loss_free_pps"))


def scaling(raw: dict[str, Any]) -> list[dict[str, Any]]:
    records = raw["scaling"]
    if not records:
        return []
    link, size = records[0]["link"], records[0]["size"]
    none_spread = baseline(raw, link, size, "rings")
    none = _median(none_spread)
    out = []
    for n in sorted({r["rings"] for r in records}):
        runs = [r for r in records if r["rings"] == n]
        pps = summarize([r["pps"] for r in runs])
        out.append({
            "link": link, "size": size, "rings": n, "generator_pps": _d(pps),
            "baseline_pps": _d(none_spread),
            "generator_ratio": ratio(_median(pps), none),
            "cost_s": capture_cost(pps.median, none) if pps and none else None,
            "runs_accounted": _tally(acc.tally_runs(runs)),
        })
    one = next((r["cost_s"] for r in out if r["rings"] == 1), None)
    for row in out:
        row["cost_vs_one"] = ratio(row["cost_s"], one)
    return out


# The group each flow-sharing group is compared with, and the one plain consumer a group
# of one is compared with
VERSUS = {CLUSTER: FANOUT}
PLAIN = {CLUSTER: "pfring-c", FANOUT: "tpacket-v3"}


def busiest_share(record: dict[str, Any]) -> float | None:
    """The share of a group's frames (received + dropped) its busiest member took: 1/N
    when the flows spread evenly over N members; None for a run without a group."""
    shares = (record.get("shares") or [None])[0]
    if not shares:
        return None
    counted = [received + drops for received, drops in shares]
    return max(counted) / sum(counted) if sum(counted) else None


def cluster(raw: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per consumer and group size of the flow-sharing scenario (members 0: one
    consumer, no group), in the order of the run, each against its block's no-consumer
    runs."""
    records = raw.get("cluster") or []
    if not records:
        return []
    link, size = records[0]["link"], records[0]["size"]
    nones = [r for r in records if r["consumer"] == "none"]
    out = []
    for consumer, members in dict.fromkeys((r["consumer"], r.get("members", 0))
                                           for r in records if r["consumer"] != "none"):
        runs = [r for r in records
                if r["consumer"] == consumer and r.get("members", 0) == members]
        block = runs[0].get("block")
        own = [r for r in nones if r.get("block") == block]
        none = summarize([r["pps"] for r in own or nones])
        pps = summarize([r["pps"] for r in runs])
        out.append({
            "link": link, "size": size, "consumer": consumer, "members": members,
            "block": block, "generator_pps": _d(pps), "baseline_pps": _d(none),
            "generator_ratio": _d(summarize([r["pps"] / none.median for r in runs]
                                            if none else [])),
            "cpu_us_per_packet": _d(summarize([r["cpu_s"] / r["received"] * 1e6
                                               for r in runs if r.get("received")])),
            "busiest_share": _d(summarize([b for b in map(busiest_share, runs)
                                           if b is not None])),
            "received": sum(r.get("received", 0) for r in runs),
            "drops": sum(r.get("drops", 0) for r in runs),
            "runs_accounted": _tally(acc.tally_runs(runs)),
            "baseline_accounted": _tally(acc.tally_runs(own)),
        })
    by_key = {(r["consumer"], r["members"]): r for r in out}
    for row in out:
        other = by_key.get((VERSUS.get(row["consumer"], ""), row["members"]), {})
        plain = by_key.get((PLAIN.get(row["consumer"], ""), 0), {}) if row["members"] == 1 \
            else {}
        row["vs_fanout"] = ratio(_m(row, "generator_pps"), _m(other, "generator_pps"))
        row["vs_plain"] = ratio(_m(row, "generator_pps"), _m(plain, "generator_pps"))
    return out


def _where(record: dict[str, Any]) -> str:
    rings = f" x{record['rings']}" if record.get("rings") else ""
    members = f" of {record['members']}" if record.get("members") else ""
    flows = " (flows)" if "block" in record else ""
    load = f" at load {record['load']}" if "load" in record else ""
    return (f"{record['link']} {record['size']} B{flows} {record['consumer']}{rings}{members}"
            f"{load}")


def accounting_problems(raw: dict[str, Any]) -> list[str]:
    """Every run whose frames do not add up, as report lines: timed runs and search
    steps whose consumers did not account for every frame (the search step voids its
    repetition), consumers that saw nothing, and no-consumer runs in which the rx
    interface did not count what pktgen sent (the link itself lost or added frames)."""
    found = []
    for r in [*raw["rate"], *raw["scaling"], *(raw.get("cluster") or []),
              *(raw.get("zc_ingestion") or [])]:
        where = f"{_where(r)} run {r['rep']}"
        if acc.saw_nothing(r):
            found.append(f"{where}: the consumer saw nothing: {acc.describe(r)}")
        elif acc.status(r) == acc.UNACCOUNTED:
            found.append(f"{where}: frames unaccounted for: {acc.describe(r)}")
        elif not acc.counts(r) and acc.link_delivered_all(r) is False:
            found.append(f"{where}: the link did not deliver what pktgen sent: "
                         f"{acc.describe(r)}")
    found += senders.accounting_problems(raw.get("senders") or [])
    found += filtering.accounting_problems(raw)
    for s in raw["search"]:
        void = acc.search_outcome(s["steps"]).void_step
        if void is not None:
            step = s["steps"][void]
            found.append(f"{_where(s)} loss-free search rep {s['rep']}, step {void + 1} "
                         f"(ratep {step['ratep']}): frames unaccounted for, the repetition "
                         f"is void: {acc.describe(step)}")
    return found


def scenario_keys(raw: dict[str, Any]) -> list[tuple[str, int, str]]:
    """(link, size, consumer) of every scenario measured, in the order of the run, each
    link and size's no-consumer row first."""
    keys = list(dict.fromkeys((r["link"], r["size"], r["consumer"]) for r in raw["rate"]))
    out: list[tuple[str, int, str]] = []
    for link, size in dict.fromkeys((k[0], k[1]) for k in keys):
        if (link, size, "none") in keys:
            out.append((link, size, "none"))
        out += [k for k in keys if k[:2] == (link, size) and k[2] != "none"]
    return out


def evaluate(rows: list[dict[str, Any]], scale: list[dict[str, Any]],
             groups: list[dict[str, Any]] | None = None,
             sending: list[dict[str, Any]] | None = None,
             filters: tuple[list[dict[str, Any]], list[dict[str, Any]]] | None = None,
             ) -> list[dict[str, Any]]:
    """Every target, for every link and frame size it applies to."""
    found: list[dict[str, Any]] = []

    by_key = {(r["link"], r["size"], r["consumer"]): r for r in rows}

    def add(target: tg.Target, where: str, value: float | None,
            passed: bool | None = None, checked: bool = False) -> None:
        found.append({"key": target.key, "description": target.description,
                      "threshold": target.threshold, "at_least": target.at_least,
                      "where": where, "value": value,
                      "passed": passed if checked else target.check(value)})

    def add_loss_free(target: tg.Target, row: dict[str, Any], ref: str, key: str) -> None:
        other = by_key.get((row["link"], row["size"], ref))
        if not row["loss_free_pps"] or not other or not other["loss_free_pps"]:
            return
        value = row[key]
        passed = target.check_bounded(value, row["loss_free_capped"],
                                      other["loss_free_capped"])
        add(target, f"{row['link']} {row['size']} B", value, passed, checked=True)

    for row in rows:
        where = f"{row['link']} {row['size']} B"
        if row["consumer"] == "pfring-c":
            add(tg.GENERATOR_RATIO, where, _m(row, "generator_ratio"))
            add_loss_free(tg.LOSS_FREE_VS_TPV3, row, REFERENCE, "loss_free_vs_tpv3")
        if row["consumer"] == "pfring-py":
            add_loss_free(tg.PYTHON_VS_C, row, "pfring-c", "loss_free_vs_c")
        if row["consumer"] == OTHER_DEVICE:
            add(tg.OTHER_DEVICE, where, _m(row, "generator_ratio"))
        if row["consumer"] == TX_CAPTURE_OFF:
            add(tg.TX_CAPTURE_OFF, where, _m(row, "generator_ratio"))
        if row["consumer"] in (AWARE, CAPTURE_ONLY):
            standard = by_key.get((row["link"], row["size"], "pfring-c"))
            add(tg.AWARE_CPU, where + (" capture only" if row["consumer"] == CAPTURE_ONLY
                                       else ""),
                ratio(_m(row, "cpu_softirq_us_per_packet"),
                      _m(standard, "cpu_softirq_us_per_packet") if standard else None))
        if row["consumer"] == AWARE:
            add(tg.AWARE_RATIO, where, _m(row, "generator_ratio"))
            tpv3 = by_key.get((row["link"], row["size"], REFERENCE))
            add(tg.AWARE_VS_TPV3, where,
                ratio(_m(row, "generator_ratio"), _m(tpv3, "generator_ratio") if tpv3 else None))
        if row["consumer"] == CAPTURE_ONLY:
            add(tg.CAPTURE_ONLY_RATIO, where, _m(row, "generator_ratio"))
    eight = next((r for r in scale if r["rings"] == 8), None)
    if eight:
        add(tg.SCALING_8, f"{eight['link']} {eight['size']} B", eight["cost_vs_one"])
    for row in groups or []:
        if row["consumer"] == CLUSTER and row["vs_fanout"] is not None:
            add(tg.CLUSTER_VS_FANOUT, cluster_where(row), row["vs_fanout"])
    for row in sending or []:
        if row["sender"] == senders.PFSEND and row["vs_af_packet"] is not None:
            add(tg.PFSEND_VS_AF_PACKET, f"veth {row['size']} B", row["vs_af_packet"])
    for target, where, value in filtering.evaluate(*(filters or ([], []))):
        add(target, where, value)
    return found


def cluster_where(row: dict[str, Any]) -> str:
    """Where a flow-sharing row's target applies: "veth 60 B, 2 members"."""
    return f"{row['link']} {row['size']} B, {row['members']} member" \
        f"{'s' if row['members'] != 1 else ''}"


def summarize_raw(raw: dict[str, Any], meta: dict[str, Any]) -> dict[str, Any]:
    """The results document: meta (date, commit, kernel...), summaries, targets, the
    accounting problems, raw."""
    rows = [scenario(raw, *key) for key in scenario_keys(raw)]
    add_ratios(rows)
    scale = scaling(raw)
    groups = cluster(raw)
    sending = senders.summarize(raw.get("senders") or [])
    filters = filtering.rows(raw)
    filter_ratios = filtering.ratio_rows(raw["plan"], filters)
    zc_rows = ingestion.rows(raw)
    return {
        "schema": SCHEMA, **meta,
        "kernel": raw["kernel"], "cpu_model": raw["cpu_model"], "cpus": raw["cpus"],
        "plan": raw["plan"], "seconds": raw.get("seconds"),
        "scenarios": rows, "scaling": scale, "cluster": groups, "senders": sending,
        "filtering": filters, "filtering_ratios": filter_ratios,
        "zc_ingestion": zc_rows, "zc_ingestion_loss_free": ingestion.loss_free(zc_rows),
        "targets": evaluate(rows, scale, groups, sending, (filters, filter_ratios)),
        "accounting": accounting_problems(raw), "errors": raw["errors"],
        "raw": {k: raw.get(k) or [] for k in ("rate", "search", "scaling", "cluster",
                                                "senders", "filtering", "zc_ingestion")},
        **{k: raw.get(k) or {} for k in GUEST_FACTS},
    }


# What the guest found besides the numbers, kept in the results document as it came.
GUEST_FACTS = ("pf_ring_proc", "links", "other_device", "tx_capture_off", "irq_pinning")


REQUIRED = {
    "schema": int, "date": str, "commit": str, "kernel": str, "cpu_model": str,
    "quick": bool, "plan": dict, "scenarios": list, "scaling": list, "cluster": list,
    "filtering": list, "filtering_ratios": list, "targets": list,
    "accounting": list, "errors": list, "raw": dict,
}
SPREAD_KEYS = ("median", "min", "max", "n", "spread")


def schema_problems(doc: dict[str, Any]) -> list[str]:
    """What a results document lacks or gets wrong; empty when it is well formed."""
    problems = [f"{k}: missing or not {t.__name__}" for k, t in REQUIRED.items()
                if not isinstance(doc.get(k), t)]
    for row in doc.get("scenarios", []):
        for key in ("generator_pps", "generator_ratio", "cpu_us_per_packet",
                    "cpu_softirq_us_per_packet", "loss_free_pps"):
            # results of before 2026-12-03 have no softirq time
            value = row.get(key, None if key == "cpu_softirq_us_per_packet" else "missing")
            if value is not None and (not isinstance(value, dict)
                                      or any(k not in value for k in SPREAD_KEYS)):
                problems.append(f"scenario {row.get('link')} {row.get('size')} "
                                f"{row.get('consumer')}: {key} is not a spread")
    for t in doc.get("targets", []):
        if t.get("passed") not in (True, False, None):
            problems.append(f"target {t.get('key')}: passed is not true/false/null")
    return problems

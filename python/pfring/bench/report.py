# SPDX-License-Identifier: LGPL-2.1-or-later
"""The results document as text: the Markdown table printed and put in README.md, between
two marker comments (rewriting it is idempotent)."""

from __future__ import annotations

from typing import Any

from pfring.bench import targets as tg
from pfring.bench.consumers import CLUSTER, FANOUT, LABELS, OTHER_DEVICE, TX_CAPTURE_OFF
from pfring.bench.senders import PFSEND
from pfring.bench.summary import cluster_where

BEGIN = "<!-- bench:begin (written by invoke bench; do not edit by hand) -->"
END = "<!-- bench:end -->"
SECTION = "## Performance"


def _num(value: float | None, fmt: str = "{:.2f}", scale: float = 1.0) -> str:
    return "-" if value is None else fmt.format(value * scale)


def _spread(s: dict[str, Any] | None, scale: float = 1.0, fmt: str = "{:.1f}") -> str:
    if not s:
        return "-"
    return (f"{fmt.format(s['median'] * scale)} "
            f"({fmt.format(s['min'] * scale)}-{fmt.format(s['max'] * scale)})")


def _median(s: dict[str, Any] | None) -> float | None:
    return float(s["median"]) if s else None


def _verdict(doc: dict[str, Any], key: str, where: str) -> str:
    for t in doc["targets"]:
        if t["key"] == key and t["where"] == where:
            return tg.verdict(t["passed"])
    return ""


def _tally(t: dict[str, int] | None) -> str:
    return f"{t['good']}/{t['total']}" if t and t["total"] else "-"


def accounted(row: dict[str, Any]) -> str:
    """Runs (and search steps) whose frames added up, of all; "-" when not counted."""
    runs, steps = row.get("runs_accounted"), row.get("steps_accounted")
    text = _tally(runs)
    return text + (f"; {_tally(steps)}" if steps and steps["total"] else "")


def loss_free_cell(row: dict[str, Any]) -> str:
    lf = _spread(row["loss_free_pps"], 1e-3)
    if row["loss_free_pps"] and row["loss_free_capped"]:
        lf = ">= " + lf
    void = row.get("loss_free_void_reps", 0)
    if void:
        lf = f"{lf} ({void} void)" if row["loss_free_pps"] else f"void x{void}"
    return lf


def generator_verdict(doc: dict[str, Any], consumer: str, where: str) -> str:
    """The verdict on a generator ratio: target (a) for pf_ring C, (e) for the ring on
    another device (named, as the column is (a)'s)."""
    if consumer == "pfring-c":
        return _verdict(doc, "a", where)
    if consumer == OTHER_DEVICE:
        return f"(e) {_verdict(doc, 'e', where)}"
    if consumer == TX_CAPTURE_OFF:
        return f"(f) {_verdict(doc, 'f', where)}"
    return ""


def scenario_table(doc: dict[str, Any]) -> str:
    if not doc["scenarios"]:  # a run of only scenarios with tables of their own
        return ""
    head = ("| link | frame | consumer | generator kpps (min-max) | baseline kpps "
            "| generator ratio | (a) | loss-free kpps | loss-free ratio | (b) | CPU µs/pkt "
            "| CPU vs TPACKET_V3 | frames add up (runs; steps) |")
    lines = [head, "| " + " | ".join(["---"] * (head.count("|") - 1)) + " |"]
    for row in doc["scenarios"]:
        where = f"{row['link']} {row['size']} B"
        consumer = row["consumer"]
        if consumer == "pfring-py":
            lf_ratio, lf_note = row["loss_free_vs_c"], " of C"
            b = _verdict(doc, "b-py", where)
        else:
            lf_ratio, lf_note = row["loss_free_vs_tpv3"], ""
            b = _verdict(doc, "b", where) if consumer == "pfring-c" else ""
        lines.append(" | ".join([
            f"| {row['link']}", f"{row['size']} B", LABELS.get(consumer, consumer),
            _spread(row["generator_pps"], 1e-3),
            _num(_median(row.get("baseline_pps")), "{:.1f}", 1e-3),
            _num(_median(row["generator_ratio"]), "{:.3f}"),
            generator_verdict(doc, consumer, where),
            loss_free_cell(row), _num(lf_ratio) + (lf_note if lf_ratio is not None else ""), b,
            _num(_median(row["cpu_us_per_packet"]), "{:.1f}"),
            _num(row["cpu_ratio_vs_tpv3"]),
            _num(_median(row.get("cpu_softirq_us_per_packet")), "{:.1f}"), accounted(row),
        ]) + " |")
    return "\n".join(lines)


def scaling_table(doc: dict[str, Any]) -> str:
    if not doc["scaling"]:
        return ""
    lines = ["| pf_ring rings (C) | generator kpps (min-max) | baseline kpps "
             "| generator ratio | cost / one ring | (d) | frames add up (runs) |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for row in doc["scaling"]:
        where = f"{row['link']} {row['size']} B"
        lines.append(f"| {row['rings']} | {_spread(row['generator_pps'], 1e-3)} | "
                     f"{_num(_median(row.get('baseline_pps')), '{:.1f}', 1e-3)} | "
                     f"{_num(row['generator_ratio'], '{:.3f}')} | "
                     f"{_num(row['cost_vs_one'])} | "
                     f"{_verdict(doc, 'd', where) if row['rings'] == 8 else ''} | "
                     f"{_tally(row.get('runs_accounted'))} |")
    return "\n".join(lines)


def _members(row: dict[str, Any]) -> str:
    if row["members"]:
        return str(row["members"])
    return "1, no cluster" if row["consumer"] == "pfring-c" else "1, no fanout"


def _busiest(row: dict[str, Any]) -> str:
    """The busiest member's share of the group's frames, and what an even split gives."""
    share = row.get("busiest_share")
    if not share or not row["members"]:
        return "-"
    return f"{share['median'] * 100:.0f} % (even {100 / row['members']:.0f} %)"


def cluster_table(doc: dict[str, Any]) -> str:
    """The flow-sharing groups: a pf_ring cluster against a PACKET_FANOUT_HASH group of
    the same size, one plain ring and socket beside them."""
    rows = doc.get("cluster") or []
    if not rows:
        return ""
    head = ("| flows shared by | members | generator kpps (min-max) | baseline kpps "
            "| generator ratio | cluster / fanout, same N | (g) | group of one / no group "
            "| busiest member | CPU µs/pkt | frames add up (runs) |")
    lines = [head, "| " + " | ".join(["---"] * (head.count("|") - 1)) + " |"]
    for row in rows:
        lines.append(" | ".join([
            f"| {LABELS.get(row['consumer'], row['consumer'])}", _members(row),
            _spread(row["generator_pps"], 1e-3),
            _num(_median(row.get("baseline_pps")), "{:.1f}", 1e-3),
            _num(_median(row["generator_ratio"]), "{:.3f}"),
            _num(row["vs_fanout"], "{:.3f}"),
            _verdict(doc, "g", cluster_where(row)) if row["consumer"] == CLUSTER else "",
            _num(row["vs_plain"], "{:.3f}"), _busiest(row),
            _num(_median(row["cpu_us_per_packet"]), "{:.1f}"),
            _tally(row.get("runs_accounted")),
        ]) + " |")
    return "\n".join(lines)


def cluster_note(doc: dict[str, Any]) -> str:
    """The flow-sharing ratios in one sentence (issue 9's closing note)."""
    rows = doc.get("cluster") or []
    clusters = [r for r in rows if r["consumer"] == CLUSTER]
    if not clusters:
        return ""
    where = f"{rows[0]['link']} {rows[0]['size']} B"
    versus = ", ".join(f"{r['members']} member{'s' if r['members'] != 1 else ''} "
                       f"{_num(r['vs_fanout'], '{:.3f}')}" for r in clusters)
    one = next((r for r in clusters if r["members"] == 1), None)
    fan = next((r for r in rows if r["consumer"] == FANOUT and r["members"] == 1), None)
    text = (f"Cluster against fanout ({where}, flows from many source addresses; "
            f"generator rates in one boot): pf_ring cluster / PACKET_FANOUT_HASH group "
            f"of the same size: {versus}")
    if one:
        text += (f"; a cluster of one / one ring in no cluster: "
                 f"{_num(one['vs_plain'], '{:.3f}')}")
    if fan:
        text += (f" (a fanout group of one / one plain socket: "
                 f"{_num(fan['vs_plain'], '{:.3f}')})")
    return text + "."


def senders_table(doc: dict[str, Any]) -> str:
    """pfsend against the reference AF_PACKET sender (frames per second each sent)."""
    rows = doc.get("senders") or []
    if not any(row["runs"] for row in rows):  # the scenario did not run
        return ""
    lines = ["| sender | kpps (min-max) | / AF_PACKET's faster | (h) | runs accounted |",
             "| --- | --- | --- | --- | --- |"]
    for row in rows:
        spread = (f"{_num(row['median_pps'], '{:.1f}', 1e-3)} "
                  f"({_num(row['min_pps'], '{:.1f}', 1e-3)}-"
                  f"{_num(row['max_pps'], '{:.1f}', 1e-3)})")
        verdict = _verdict(doc, "h", f"veth {row['size']} B") if row["sender"] == PFSEND \
            else ""
        lines.append(f"| {row['label']} | {spread} | {_num(row['vs_af_packet'], '{:.3f}')} "
                     f"| {verdict} | {row['accounted']}/{row['runs']} |")
    return "\n".join(lines)


def _filters(row: dict[str, Any]) -> str:
    """What the kernel said the ring held (its first "filters" line), and at the end the
    hash rules' hits and misses."""
    start, end = row.get("filters_at_start"), row.get("filters_at_end")
    if not start:
        return "-"
    parts = []
    if start.get("rules"):
        parts.append(f"{start['rules']:,} rules")
    if start.get("hash_rules"):
        parts.append(f"{start['hash_rules']:,} hash rules")
    if start.get("bpf"):
        parts.append("BPF")
    parts.append("accept policy" if start.get("policy") else "drop policy")
    if end and start.get("hash_rules"):
        parts.append(f"hash hits {end.get('hash_match', 0):,}, misses "
                     f"{end.get('hash_miss', 0):,}")
    return ", ".join(parts)


def filtering_table(doc: dict[str, Any]) -> str:
    """The filtering scenario: one row per consumer and filter, then its ratios."""
    rows = doc.get("filtering") or []
    if not rows:
        return ""
    head = ("| filter (one UDP flow) | generator kpps (min-max) | baseline kpps "
            "| generator ratio | sent | received | dropped | filtered | sampled out "
            "| the kernel's filters | frames add up (runs) |")
    lines = [head, "| " + " | ".join(["---"] * (head.count("|") - 1)) + " |"]
    for row in rows:
        lines.append(" | ".join([
            f"| {row['label']}", _spread(row["generator_pps"], 1e-3),
            _num(_median(row.get("baseline_pps")), "{:.1f}", 1e-3),
            _num(_median(row["generator_ratio"]), "{:.3f}"),
            *(str(row[k]) for k in ("sent", "received", "drops", "filtered",
                                    "sampled_out")),
            _filters(row), _tally(row.get("runs_accounted")),
        ]) + " |")
    where = f"{rows[0]['link']} {rows[0]['size']} B"
    lines += ["", "| filtering ratio (generator ratios, " + where + ") | value | target |",
              "| --- | --- | --- |"]
    for r in doc.get("filtering_ratios") or []:
        verdict = (f"({r['target']}) {_verdict(doc, r['target'], where)}"
                   if r["target"] else "")
        lines.append(f"| {r['description']} | {_num(r['value'], '{:.3f}')} | {verdict} |")
    return "\n".join(lines)


def _pct(s: dict[str, Any] | None) -> str:
    return "-" if not s else f"{s['median'] * 100:.1f} %"


def _side(s: dict[str, Any]) -> list[str]:
    """One receiver's cells: received, dropped, delivered of sent, its share received,
    its rate and its CPU per packet."""
    if not s:
        return ["-"] * 5
    cpu = _median(s.get("cpu_softirq_us_per_packet"))
    busy = _median(s.get("busy_cpu_softirq_us_per_packet"))
    return [f"{s['received']:,} / {s['drops']:,}", f"{s['delivered']:,} of {s['sent']:,}",
            _pct(s.get("received_share")), _num(s["pps"], "{:.1f}", 1e-3),
            f"{_num(cpu, '{:.1f}')} ({_num(busy, '{:.1f}')})"]


def ingestion_table(doc: dict[str, Any]) -> str:
    """One-copy ingestion (pfring.bench.ingestion), per link: zbalance_ipc against
    pfcount at the same offered loads, then the highest loss-free load of each."""
    from pfring.bench.ingestion import LABELS, PFCOUNT, ZBALANCE

    rows = doc.get("zc_ingestion") or []
    names = {PFCOUNT: "pfcount", ZBALANCE: "zbalance_ipc"}
    head = ["load (ratep kpps)"]
    for name in (PFCOUNT, ZBALANCE):
        n = names[name]
        head += [f"{n} received / dropped", f"{n} delivered of sent", f"{n} received",
                 f"{n} kpps", f"{n} CPU+softirq µs/pkt (less idle)"]
    head += ["received zc / pfcount", "CPU zc / pfcount (less idle)", "same load",
             "frames add up (pfcount; zc)"]
    parts = []
    for link in dict.fromkeys(r["link"] for r in rows):
        mine = [r for r in rows if r["link"] == link]
        lines = [f"One-copy ingestion, {link} {mine[0]['size']} B (no-consumer rate "
                 f"{_num(mine[0]['baseline_pps'], '{:.1f}', 1e-3)} kpps): "
                 f"{LABELS[PFCOUNT]} against {LABELS[ZBALANCE]}", "",
                 "| " + " | ".join(head) + " |",
                 "| " + " | ".join(["---"] * len(head)) + " |"]
        for row in mine:
            pf, zc = row[PFCOUNT], row[ZBALANCE]
            lines.append("| " + " | ".join([
                f"{row['load']:g} ({row['ratep'] / 1e3:.1f})", *_side(pf), *_side(zc),
                _num(row["received_ratio"], "{:.3f}"),
                f"{_num(row['cpu_ratio'], '{:.2f}')} "
                f"({_num(row.get('busy_cpu_ratio'), '{:.2f}')})",
                "yes" if row["equal_load"] else "no",
                f"{_tally(pf.get('runs_accounted'))}; {_tally(zc.get('runs_accounted'))}",
            ]) + " |")
        best = [b for b in doc.get("zc_ingestion_loss_free") or [] if b["link"] == link]
        if best:
            lines += ["", "Highest loss-free load of the ladder (every run, and every "
                      "lower load's, lost nothing): " + "; ".join(
                          f"{names[b['consumer']]} "
                          + ("none" if b["load"] is None else
                             f"{'>= ' if b['capped'] else ''}{b['load']:g} "
                             f"({_num(b['pps'], '{:.1f}', 1e-3)} kpps)")
                          for b in best) + "."]
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def targets_list(doc: dict[str, Any]) -> str:
    lines = []
    for t in doc["targets"]:
        wanted = tg.Target(t["key"], t["description"], t["threshold"], t["at_least"])
        lines.append(f"- ({t['key']}) {t['description']} {wanted.label()}, {t['where']}: "
                     f"{_num(t['value'])} → {tg.verdict(t['passed'])}")
    return "\n".join(lines)


def heading(doc: dict[str, Any]) -> str:
    kind = "quick run" if doc["quick"] else "full run"
    plan = doc["plan"]
    sizes = "/".join(str(s) for s in plan["sizes"])
    extra = []
    if plan.get("other_device"):
        extra.append(f"on veth, a pf_ring ring bound to {plan['other_device']} instead "
                     "(\"ring on another device\")")
    if plan.get("tx_capture_off"):
        extra.append("on veth, pktgen through dev_queue_xmit with a ring bound to the "
                     "sending end, TX capture off (\"ring on the sending device\")")
    if plan.get("cluster"):
        extra.append("on veth, flows from many source addresses shared by a pf_ring "
                     "cluster or a PACKET_FANOUT_HASH group of "
                     f"{'/'.join(str(n) for n in plan['cluster'])} consumers, all on one "
                     "CPU (\"flows shared by\")")
    if plan.get("senders"):
        extra.append("on veth, pfsend against AF_PACKET with PACKET_QDISC_BYPASS "
                     "(sendmmsg and a TX ring), each sending the same frames (\"sender\")")
    if plan.get("multiqueue"):
        extra.append(f"igb with flows from many source addresses over both RX queues of "
                     f"one device, {plan['sizes'][0]}-byte frames")
    if plan.get("filtering"):
        extra.append("on veth, pktgen's one UDP flow into a pf_ring ring with no filter, "
                     "with wildcard rules, with hash rules or with a BPF filter, and into "
                     "a TPACKET_V3 socket with no filter or the same BPF filter, every "
                     "filter letting the flow through (\"filter\")")
    if plan.get("zc_ingestion"):
        extra.append(f"on {'/'.join(plan['zc_ingestion'])}, 60-byte frames at "
                     f"{'/'.join(f'{x:g}' for x in plan['zc_loads'])} of the no-consumer "
                     "rate into pfcount and into zbalance_ipc with one zcount_ipc "
                     "(\"one-copy ingestion\")")
    if plan.get("only"):
        extra.append(f"only the scenario(s) {', '.join(plan['only'])}")
    return (f"Measured {doc['date']} ({kind}, commit {doc['commit'][:10]}"
            f"{' plus uncommitted changes' if doc.get('dirty_tree') else ''}) on kernel "
            f"{doc['kernel']}, {doc['cpus']} vCPUs ({doc['cpu_model']}, TCG); pktgen "
            f"{sizes}-byte frames on {' and '.join(plan['links']) or 'veth'}"
            f"{''.join('; ' + e for e in extra)}; medians of "
            f"{plan['reps']} repetitions (min-max in brackets). Compare ratios only: "
            "absolute rates under emulation mean nothing. Generator ratio = generator "
            "kpps / baseline kpps (the no-consumer runs just before). \">=\": no drop "
            "even at pktgen's top speed, a lower bound; \"void\": a search repetition "
            "whose frames did not add up (not a result). Frames add up: runs (and search "
            "steps) in which received + dropped (+ filtered + sampled out, for a ring "
            "with filters) = sent for every consumer (no consumer: the rx interface "
            "counted what pktgen sent).")


def accounting_list(doc: dict[str, Any]) -> str:
    found = doc.get("accounting") or []
    if not found:
        return ""
    return ("Frames unaccounted for (errors in the results, not results):\n"
            + "\n".join(f"- {line}" for line in found))


def markdown(doc: dict[str, Any]) -> str:
    parts = [heading(doc), scenario_table(doc), scaling_table(doc), cluster_table(doc),
             cluster_note(doc), senders_table(doc), filtering_table(doc),
             ingestion_table(doc), targets_list(doc),
             accounting_list(doc)]
    if doc["errors"]:
        parts.append("Errors during the run:\n" + "\n".join(f"- {e}" for e in doc["errors"]))
    return "\n\n".join(p for p in parts if p)


def rewrite_section(text: str, body: str, image: str = "") -> str:
    """text with the part between the markers replaced by body (and the image); a
    Performance section with the markers is added before '## Licence' (or at the end)
    when there are none. Running it twice gives the same text."""
    block = f"{BEGIN}\n\n{body.strip()}\n" + (f"\n![bench plot]({image})\n" if image else "") \
        + f"\n{END}"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        return head + block + tail
    section = (f"{SECTION}\n\nThe cost of capture, from `invoke bench` (see bench/README.md "
               f"for how to read it).\n\n{block}\n\n")
    if "\n## Licence" in text:
        head, tail = text.split("\n## Licence", 1)
        return head + "\n" + section + "## Licence" + tail
    return text.rstrip("\n") + "\n\n" + section.rstrip("\n") + "\n"

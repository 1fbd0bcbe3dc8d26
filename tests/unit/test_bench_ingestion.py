# SPDX-License-Identifier: LGPL-2.1-or-later
"""invoke bench's one-copy ingestion scenario (issue 12), its pure parts: the plan and
--only, the tools' output, every run's frames accounted stage by stage, the rows, the
highest loss-free load and the table. No guest, no kernel."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from pfring.bench import accounting as acc
from pfring.bench import ingestion, report
from pfring.bench.consumers import Totals
from pfring.bench.ingestion import PFCOUNT, ZBALANCE
from pfring.bench.plan import FULL, QUICK, SCENARIOS, SMOKE, select
from pfring.bench.summary import schema_problems, summarize_raw

META = {"date": "2026-12-04", "commit": "0" * 40, "quick": False}


def test_only_zc_ingestion_runs_it_alone_and_the_full_plan_has_it() -> None:
    assert "zc-ingestion" in SCENARIOS
    plan = select(FULL, ["zc-ingestion"])
    assert plan.zc_ingestion == ("e1000e", "veth") and plan.only == ("zc-ingestion",)
    assert (plan.links, plan.cluster, plan.multiqueue, plan.aware, plan.other_device) == (
        (), (), (), (), "")
    assert not (plan.senders or plan.filtering or plan.tx_capture_off)
    assert select(FULL, ["aware"]).zc_ingestion == ()
    # equal offered loads: fractions of the no-consumer rate, never pktgen's top speed (0)
    assert FULL.zc_loads == tuple(sorted(FULL.zc_loads)) and 0.0 not in FULL.zc_loads
    assert all(0 < x <= 1 for x in (*FULL.zc_loads, *QUICK.zc_loads))
    assert select(QUICK, ["zc-ingestion"]).zc_ingestion == ("e1000e", "veth")
    # CI's smoke run has it once on e1000e (each load one run, fewer frames): seconds
    assert SMOKE.zc_ingestion == ("e1000e",) and SMOKE.zc_loads == QUICK.zc_loads
    assert SMOKE.reps == 1 and SMOKE.zc_count < QUICK.zc_count < FULL.zc_count
    # a plan without it refuses to run only it, before anything boots
    with pytest.raises(ValueError, match="none of zc-ingestion"):
        select(replace(FULL, zc_ingestion=()), ["zc-ingestion"])


def test_the_balancers_counters_and_totals_are_parsed() -> None:
    text = ("zbalance_ipc: cluster 61, 1 consumer queues (ids 0-0), 1 inputs; running\n"
            "zbalance_ipc: in 0 packets, 0 dropped by the devices; out q0 0 (0 dropped)\n"
            "zbalance_ipc: in 19000 packets, 1000 dropped by the devices; out q0 18500 "
            "(500 dropped)\n"
            "zbalance_ipc totals: in 19000 packets, 1000 dropped by the devices; out q0 "
            "18500 (500 dropped)\n"
            "zbalance_ipc: in 20000 packets, 1000 dropped by the devi")  # being written
    found = ingestion.parse_balancer(text)
    assert [(t.recv, t.dev_drops, t.sent, t.drops, t.final) for t in found] == [
        (0, 0, (0,), (0,), False), (19000, 1000, (18500,), (500,), False),
        (19000, 1000, (18500,), (500,), True)]
    rates = "zbalance_ipc: in 5000 pps, 0 dropped by the devices; out q0 5000 pps (0 dropped)\n"
    assert ingestion.parse_balancer(rates) == []
    # with a filter (-x, -f) or -m 7 the line ends with what was filtered
    filtered = ("zbalance_ipc totals: in 1000 packets, 0 dropped by the devices; out q0 200 "
                "(0 dropped) q1 200 (1 dropped); filtered 599\n"
                "zbalance_ipc: in 50 pps, 0 dropped by the devices; out q0 20 pps (0 dropped); "
                "filtered 30 pps\n")
    assert ingestion.parse_balancer(filtered) == [
        ingestion.BalancerTotals(1000, 0, (200, 200), (0, 1), True, 599)]
    assert ingestion.parse_consumer_totals(
        "zcount_ipc: attached to cluster 61 queue 0\nzcount_ipc: 9 pps 4320 bps\n"
        "zcount_ipc totals: 18500 packets 1110000 bytes\n") == (18500, 1110000)
    assert ingestion.parse_consumer_totals("zcount_ipc: 9 pps 4320 bps\n") is None


def test_pfcount_and_its_rings_proc_file_are_read() -> None:
    err = ("Capturing from enp0s4 [caplen 1518, ring id 3]\n=========================\n"
           "Absolute Stats: [12'000 pkts rcvd][3 pkts dropped]\n"
           "12'000 pkts - 720'000 bytes [6'000.0 pkt/sec - 2.88 Mbit/sec]\n"
           "=========================\nAbsolute Stats: [19'997 pkts rcvd][3 pkts dropped]\n"
           "19'997 pkts - 1'199'820 bytes\n")
    assert ingestion.parse_pfcount(err) == (19997, 19997, 3)
    assert ingestion.parse_pfcount("Capturing from enp0s4\n") is None
    proc = ("Bound Device(s)    : enp0s4\nNum Slots          : 4096\n"
            "Free Slots         : 4090\nTot Packets        : 20003\n"
            "Tot Pkt Lost       : 7\nCluster Id         : none\n")
    fields = ingestion.proc_fields(proc)
    assert fields["Bound Device(s)"] == "enp0s4"
    assert ingestion.ring_totals(fields) == Totals(19997, 7)  # 6 slots not read yet


def _zc_record(sent: int, before: tuple[int, int, int, int, int],
               after: tuple[int, int, int, int, int]) -> dict[str, Any]:
    """A zbalance_ipc run's record as Bench.measure makes it from two totals (device
    received/dropped, queue sent/dropped, taken), then with its stages named."""
    def totals(t: tuple[int, int, int, int, int]) -> Totals:
        bal = ingestion.BalancerTotals(t[0], t[1], (t[2],), (t[3],))
        return ingestion.balancer_totals(bal, t[4])

    got = totals(after).minus(totals(before))
    record = {"sent": sent, "delivered": sent, "received": got.received,
              "drops": got.drops, "each": [[got.received, got.drops, 0, 0]],
              "expected_each": [sent],
              "shares": [[[p.received, p.drops] for p in got.parts]]}
    return ingestion.with_stages(record)


def test_a_balancer_run_is_accounted_at_every_stage() -> None:
    before = (500, 0, 500, 0, 500)  # a block's earlier run
    clean = _zc_record(1000, before, (1500, 0, 1500, 0, 1500))
    assert clean["stages"] == {"device": [1000, 0], "queue": [1000, 0], "consumer": 1000}
    assert "shares" not in clean
    assert acc.status(clean) == acc.LOSS_FREE and acc.stage_problems(clean) == []
    dropped = _zc_record(1000, before, (1400, 100, 1350, 50, 1350))
    assert (dropped["received"], dropped["drops"]) == (850, 150)
    assert acc.status(dropped) == acc.DROPPED
    # the sum adds up (1000 taken, nothing dropped) but the device read 5 fewer than
    # went into the queue: not a figure
    wrong = _zc_record(1000, before, (1495, 0, 1500, 0, 1500))
    assert acc.counts(wrong)[0].accounted
    assert acc.status(wrong) == acc.UNACCOUNTED
    assert acc.stage_problems(wrong) == ["device received 995 + dropped 0 != 1000",
                                         "device received 995 != queue sent 1000 + dropped 0"]
    assert "device received 995" in acc.describe(wrong)
    # the consumer took one frame more than went into its queue
    taken = _zc_record(1000, before, (1500, 0, 1499, 0, 1500))
    assert acc.stage_problems(taken) == ["device received 1000 != queue sent 999 + dropped 0",
                                         "consumer took 1000 != queue sent 999"]
    assert acc.status(taken) == acc.UNACCOUNTED


def _raw(pf: dict[float, list[tuple[int, int]]], zc: dict[float, list[tuple[int, int]]],
         pps: dict[str, float] | None = None) -> dict[str, Any]:
    """The guest's raw numbers of the scenario on e1000e: 2 no-consumer runs at 80 kpps,
    then at each load the runs (received, drops) of 1000 frames of each receiver."""
    rate = pps or {}
    records: list[dict[str, Any]] = [
        {"link": "e1000e", "size": 60, "consumer": "none", "rep": rep, "sent": 1000,
         "pps": 80_000.0, "delivered": 1000, "baseline_for": "zc-ingestion"}
        for rep in range(2)]
    for load in sorted({*pf, *zc}):
        for name, runs in ((PFCOUNT, pf.get(load, [])), (ZBALANCE, zc.get(load, []))):
            for rep, (received, drops) in enumerate(runs):
                r: dict[str, Any] = {
                    "link": "e1000e", "size": 60, "consumer": name, "rep": rep, "load": load,
                    "ratep": int(load * 80_000), "sent": 1000, "delivered": 1000,
                    "pps": rate.get(name, load * 80_000), "received": received,
                    "drops": drops, "each": [[received, drops, 0, 0]],
                    "expected_each": [1000], "cpu_s": 2e-3 if name == PFCOUNT else 1e-3,
                    "softirq_s": 2e-3, "seconds": 2.0,
                    "idle_cpu_per_s": 0.0 if name == PFCOUNT else 2.5e-4}
                if name == ZBALANCE:
                    r["stages"] = {"device": [1000 - drops, drops], "queue": [1000 - drops, 0],
                                   "consumer": received}
                records.append(r)
    return {"kernel": "6.1", "cpu_model": "c", "cpus": 2,
            "plan": select(FULL, ["zc-ingestion"]).as_dict(), "rate": [], "search": [],
            "scaling": [], "cluster": [], "senders": [], "filtering": [],
            "zc_ingestion": records, "errors": []}


def test_rows_compare_the_receivers_at_each_load_and_find_the_highest_loss_free() -> None:
    raw = _raw(pf={0.5: [(1000, 0), (1000, 0)], 1.0: [(800, 200), (900, 100)]},
               zc={0.5: [(1000, 0), (1000, 0)], 1.0: [(1000, 0), (1000, 0)]})
    doc = summarize_raw(raw, META)
    assert not schema_problems(doc) and doc["accounting"] == []
    half, full = doc["zc_ingestion"]
    assert (half["load"], half["ratep"], full["load"]) == (0.5, 40_000, 1.0)
    assert half["baseline_pps"] == 80_000.0
    pf = full[PFCOUNT]
    assert (pf["sent"], pf["received"], pf["drops"], pf["delivered"]) == (2000, 1700, 300, 2000)
    assert pf["received_share"]["median"] == pytest.approx(0.85)
    assert full["received_ratio"] == pytest.approx(1 / 0.85)
    assert half["received_ratio"] == pytest.approx(1.0)
    # CPU + softirq per packet: pfcount (2 + 2) ms, zc (1 + 2) ms over 1000 frames
    assert half["cpu_ratio"] == pytest.approx(3 / 4)
    # less what zc burns idle over the run's 2 s (0.25 ms/s): (0.5 + 2) ms against 4
    assert half[ZBALANCE]["busy_cpu_softirq_us_per_packet"]["median"] == pytest.approx(2.5)
    assert half["busy_cpu_ratio"] == pytest.approx(2.5 / 4)
    assert half["equal_load"] and full["equal_load"]
    assert doc["zc_ingestion_loss_free"] == [
        {"link": "e1000e", "consumer": PFCOUNT, "load": 0.5, "pps": 40_000.0,
         "capped": False},
        {"link": "e1000e", "consumer": ZBALANCE, "load": 1.0, "pps": 80_000.0,
         "capped": True}]
    text = report.markdown(doc)
    assert "One-copy ingestion, e1000e 60 B (no-consumer rate 80.0 kpps)" in text
    assert "| 1 (80.0) | 1,700 / 300 | 2,000 of 2,000 | 85.0 % | 80.0 | 4.7 (4.7) |" in text
    assert "| 1.000 | 0.75 (0.62) | yes | 2/2; 2/2 |" in text
    assert "pfcount 0.5 (40.0 kpps); zbalance_ipc >= 1 (80.0 kpps)" in text
    assert "only the scenario(s) zc-ingestion" in text and "one-copy ingestion" in text
    assert "| link | frame | consumer |" not in text  # no empty table of the others


def test_unequal_loads_and_a_run_that_does_not_add_up_are_shown() -> None:
    raw = _raw(pf={0.5: [(1000, 0)]}, zc={0.5: [(1000, 0)]},
               pps={PFCOUNT: 40_000.0, ZBALANCE: 30_000.0})
    raw["zc_ingestion"][-1]["stages"]["queue"] = [990, 0]  # the consumer took 10 more
    doc = summarize_raw(raw, META)
    row, = doc["zc_ingestion"]
    assert row["equal_load"] is False
    assert row[ZBALANCE]["runs_accounted"] == {"good": 0, "total": 1}
    assert row[PFCOUNT]["runs_accounted"] == {"good": 1, "total": 1}
    assert doc["accounting"] == [
        "e1000e 60 B zbalance-ipc at load 0.5 run 0: frames unaccounted for: received 1000 "
        "+ dropped 0 = 1000 of 1000 (device received 1000 != queue sent 990 + dropped 0; "
        "consumer took 1000 != queue sent 990) (pktgen sent 1000, the rx interface counted "
        "1000)"]
    # an unaccounted run is not loss-free: the ladder stops below it
    assert [b["load"] for b in doc["zc_ingestion_loss_free"]] == [0.5, None]
    # a no-consumer run whose frames the link lost is listed too
    raw["zc_ingestion"][0]["delivered"] = 990
    assert any("the link did not deliver" in line
               for line in summarize_raw(raw, META)["accounting"])


def test_results_without_the_scenario_have_no_ingestion_rows() -> None:
    raw = _raw(pf={}, zc={})
    raw.pop("zc_ingestion")
    doc = summarize_raw(raw, META)
    assert doc["zc_ingestion"] == [] and doc["zc_ingestion_loss_free"] == []
    assert report.ingestion_table(doc) == ""

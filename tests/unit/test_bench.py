# SPDX-License-Identifier: LGPL-2.1-or-later
"""invoke bench's pure parts: statistics, ratios, targets, the accounting of every run's
frames, the results document, the README section and the consumers' report parsing. No
guest, no kernel."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from pfring.bench import accounting as acc
from pfring.bench import report, senders, targets
from pfring.bench.consumers import (
    CLUSTER,
    FANOUT,
    OTHER_DEVICE,
    TX_CAPTURE_OFF,
    Totals,
    consumer_argv,
    parse_json_lines,
    parse_tcpdump,
)
from pfring.bench.plan import QUICK
from pfring.bench.stats import capture_cost, ratio, summarize
from pfring.bench.summary import scenario_keys, schema_problems, summarize_raw
from pfring.paths import repo_root


def test_summarize_gives_median_extremes_and_spread() -> None:
    s = summarize([90.0, 110.0, 100.0, 80.0, 120.0])
    assert s is not None
    assert (s.median, s.min, s.max, s.n) == (100.0, 80.0, 120.0, 5)
    assert s.spread == pytest.approx(0.4)
    assert s.as_dict()["spread"] == pytest.approx(0.4)


def test_summarize_even_count_and_empty() -> None:
    s = summarize([1.0, 3.0])
    assert s is not None and s.median == 2.0
    assert summarize([]) is None


def test_ratio_refuses_missing_or_zero() -> None:
    assert ratio(63.3, 88.6) == pytest.approx(0.7144, abs=1e-4)
    assert ratio(None, 1.0) is None
    assert ratio(1.0, None) is None
    assert ratio(1.0, 0.0) is None


def test_capture_cost_is_the_added_time_per_packet() -> None:
    # 100 kpps alone, 50 kpps with capture: capture adds 10 us per packet.
    assert capture_cost(50_000.0, 100_000.0) == pytest.approx(10e-6)


@pytest.mark.parametrize(("target", "value", "expected"), [
    (targets.GENERATOR_RATIO, 0.90, True),
    (targets.GENERATOR_RATIO, 0.715, False),
    (targets.LOSS_FREE_VS_TPV3, 1.2, True),
    (targets.PYTHON_VS_C, 0.49, False),
    (targets.SCALING_8, 8.5, True),
    (targets.SCALING_8, 8.6, False),
    (targets.SCALING_8, None, None),
])
def test_targets(target: targets.Target, value: float | None, expected: bool | None) -> None:
    assert target.check(value) is expected


def _step(ratep: int, pps: float, received: int, drops: int = 0,
          sent: int = 1000) -> dict[str, Any]:
    return {"ratep": ratep, "sent": sent, "pps": pps, "delivered": sent,
            "received": received, "drops": drops, "each": [[received, drops]]}


def _search(consumer: str, rep: int, loss_free: float, capped: bool) -> dict[str, Any]:
    """A search repetition whose steps make loss_free the highest loss-free rate: a
    loss-free step at half of it, one at it, then (unless capped) a step that drops."""
    steps = [_step(int(loss_free / 2), loss_free / 2, 1000),
             _step(int(loss_free), loss_free, 1000)]
    if not capped:
        steps.append(_step(int(loss_free * 1.5), loss_free * 1.5, 990, 10))
    return {"link": "veth", "size": 60, "consumer": consumer, "rep": rep, "steps": steps}


def _raw() -> dict[str, Any]:
    """A guest's raw numbers for one link and size: 3 repetitions of each consumer."""
    rate: list[dict[str, Any]] = []
    search: list[dict[str, Any]] = []
    pps = {"none": 100_000.0, "pfring-c": 95_000.0, "pfring-py": 90_000.0,
           "tpacket-v3": 80_000.0, "tcpdump": 70_000.0}
    cpu = {"pfring-c": 1.0, "pfring-py": 4.0, "tpacket-v3": 2.0, "tcpdump": 3.0}
    loss_free = {"pfring-c": 60_000.0, "pfring-py": 20_000.0, "tpacket-v3": 40_000.0,
                 "tcpdump": 30_000.0}
    for consumer, p in pps.items():
        for rep, k in enumerate((0.99, 1.0, 1.01)):
            r: dict[str, Any] = {"link": "veth", "size": 60, "consumer": consumer,
                                 "rep": rep, "sent": 1000, "pps": p * k, "delivered": 1000}
            if consumer != "none":
                r |= {"received": 1000, "drops": 0, "each": [[1000, 0]],
                      "cpu_s": cpu[consumer] * 1e-3}
                search.append(_search(consumer, rep, loss_free[consumer],
                                      capped=consumer == "pfring-c"))
            rate.append(r)
    scaling = [{"link": "veth", "size": 60, "consumer": "pfring-c", "rep": 0, "sent": 1000,
                "rings": n, "pps": 1 / (1e-5 + n * 1e-6), "received": 1000 * n,
                "drops": 0, "each": [[1000, 0]] * n} for n in (1, 2, 4, 8)]
    return {"kernel": "6.1.0-test", "cpu_model": "test CPU", "cpus": 2,
            "plan": QUICK.as_dict(), "rate": rate, "search": search,
            "scaling": scaling, "errors": [], "seconds": 1.0}


def _doc() -> dict[str, Any]:
    return summarize_raw(_raw(), {"date": "2026-01-01", "commit": "0" * 40,
                                  "quick": True, "kernel_series": "6.1"})


def test_results_document_has_every_ratio() -> None:
    doc = _doc()
    assert schema_problems(doc) == []
    rows = {r["consumer"]: r for r in doc["scenarios"]}
    assert rows["pfring-c"]["generator_ratio"]["median"] == pytest.approx(0.95)
    assert rows["pfring-c"]["cpu_ratio_vs_tpv3"] == pytest.approx(0.5)
    assert rows["pfring-c"]["loss_free_vs_tpv3"] == pytest.approx(1.5)
    assert rows["pfring-py"]["loss_free_vs_c"] == pytest.approx(1 / 3)
    assert rows["pfring-c"]["loss_free_capped"] and not rows["tcpdump"]["loss_free_capped"]
    eight = next(r for r in doc["scaling"] if r["rings"] == 8)
    assert eight["cost_vs_one"] == pytest.approx(8.0)
    verdicts = {t["key"]: t["passed"] for t in doc["targets"]}
    assert verdicts == {"a": True, "b": True, "b-py": False, "d": True}
    json.dumps(doc)  # it is plain JSON


def test_schema_problems_names_what_is_wrong() -> None:
    doc = _doc()
    del doc["commit"]
    doc["scenarios"][1]["generator_pps"] = 3
    problems = schema_problems(doc)
    assert any(p.startswith("commit") for p in problems)
    assert any("generator_pps is not a spread" in p for p in problems)


def test_table_shows_pass_and_fail() -> None:
    text = report.markdown(_doc())
    assert "| veth | 60 B | pf_ring, C zero-copy |" in text
    assert "FAIL" in text and "pass" in text
    assert ">= 60.0" in text  # no drop even at the top step: a lower bound


README = "# Title\n\nIntro.\n\n## Licence\n\nLGPL.\n"


def test_readme_section_is_added_before_the_licence_and_idempotent() -> None:
    once = report.rewrite_section(README, "table one", "bench/results/latest.png")
    assert once.index(report.BEGIN) < once.index("## Licence")
    assert "## Performance" in once and "table one" in once
    assert report.rewrite_section(once, "table one", "bench/results/latest.png") == once


def test_readme_section_is_replaced_between_the_markers_only() -> None:
    once = report.rewrite_section(README, "table one")
    twice = report.rewrite_section(once, "table two")
    assert "table one" not in twice and "table two" in twice
    assert twice.count(report.BEGIN) == 1 and twice.count("## Performance") == 1
    assert twice.replace("table two", "table one") == once


def test_consumer_reports_are_parsed() -> None:
    lines = '{"event": "ready"}\n{"received": 5, "bytes": 300, "drops": 1}\n{"rece'
    assert parse_json_lines(lines) == [Totals(5, 1)]
    tcpdump = ("tcpdump: listening on bench1\n"
               "tcpdump: 10 packets captured, 12 packets received by filter, "
               "2 packets dropped by kernel\n"
               "11 packets captured\n13 packets received by filter\n2 packets dropped by kernel\n")
    assert parse_tcpdump(tcpdump) == [Totals(10, 2), Totals(11, 2)]


def test_bench_task_is_listed_with_help() -> None:
    out = subprocess.run([sys.executable, "-m", "invoke", "--help", "bench"], cwd=repo_root(),
                         capture_output=True, text=True, timeout=120, check=True).stdout
    assert "--quick" in out and "--kernel" in out


def _doc_with_a_later_tcpdump_baseline() -> dict[str, Any]:
    """The host slowed down before tcpdump ran: its own baseline was measured then."""
    raw = _raw()
    for r in raw["rate"]:
        if r["consumer"] == "none":
            r["baseline_for"] = "pfring-c"
    raw["rate"] += [{"link": "veth", "size": 60, "consumer": "none", "rep": rep,
                     "sent": 1000, "pps": 70_000.0, "baseline_for": "tcpdump"}
                    for rep in range(3)]
    return summarize_raw(raw, {"date": "2026-01-01", "commit": "0" * 40, "quick": True})


def test_generator_ratio_uses_the_baseline_run_just_before_the_consumer() -> None:
    doc = _doc_with_a_later_tcpdump_baseline()
    rows = {r["consumer"]: r for r in doc["scenarios"]}
    assert rows["tcpdump"]["generator_ratio"]["median"] == pytest.approx(1.0)
    assert rows["tcpdump"]["baseline_pps"]["median"] == pytest.approx(70_000.0)
    assert rows["pfring-c"]["generator_ratio"]["median"] == pytest.approx(0.95)


@pytest.mark.parametrize(("value", "num_lb", "den_lb", "expected"), [
    (1.5, False, False, True),    # both exact
    (1.0, False, False, False),
    (1.5, True, False, True),     # ours never dropped: a lower bound above the target
    (1.0, True, False, None),     # a lower bound below the target decides nothing
    (1.0, False, True, False),    # the reference never dropped: an upper bound below it
    (1.5, False, True, None),
    (1.5, True, True, None),      # neither dropped: nothing to compare
])
def test_loss_free_target_with_lower_bounds(value: float, num_lb: bool, den_lb: bool,
                                            expected: bool | None) -> None:
    assert targets.LOSS_FREE_VS_TPV3.check_bounded(value, num_lb, den_lb) is expected


# A function_graph excerpt (funcgraph-tail) as the guest's tracer writes it: two packets
# through pfr_hook_rcv, the first with an interrupt's noise line the parser must skip.
GRAPH = """\
 0)               |  pfr_hook_rcv [pf_ring]() {
 0)   0.922 us    |    __rcu_read_lock();
 0)               |    pfr_hook_parse [pf_ring]() {
 0)   1.472 us    |      pfr_ring_copy_frame [pf_ring]();
 0)   1.161 us    |      pfr_parse [pf_ring]();
 0)   5.759 us    |    } /* pfr_hook_parse [pf_ring] */
 0)               |    pfr_ring_deliver [pf_ring]() {
 0)   1.943 us    |      ktime_get_with_offset();
 0) + 10.726 us   |    } /* pfr_ring_deliver [pf_ring] */
 0) + 27.701 us   |  } /* pfr_hook_rcv [pf_ring] */
 ------------------------------------------
 0)               |  pfr_hook_rcv [pf_ring]() {
 0)               |    pfr_ring_deliver [pf_ring]() {
 0)   2.057 us    |      ktime_get_with_offset();
 0) ! 112.274 us  |    } /* pfr_ring_deliver [pf_ring] */
 0) ! 120.299 us  |  } /* pfr_hook_rcv [pf_ring] */
"""


def test_profile_sums_each_callee_per_depth() -> None:
    from pfring.bench.profile import format_costs, summarize_trace

    costs = summarize_trace(GRAPH)
    assert costs[(0, "pfr_hook_rcv")].calls == 2
    assert costs[(0, "pfr_hook_rcv")].total_us == pytest.approx(148.0)
    assert costs[(1, "pfr_ring_deliver")].calls == 2
    assert costs[(1, "pfr_ring_deliver")].total_us == pytest.approx(123.0)
    assert costs[(1, "pfr_hook_parse")].calls == 1
    assert costs[(2, "pfr_parse")].total_us == pytest.approx(1.161)
    assert costs[(2, "ktime_get_with_offset")].calls == 2
    assert len(costs) == 7
    table = format_costs(costs).splitlines()
    assert table[1].split() == ["pfr_hook_rcv", "0", "1.00", "74.00"]
    assert table[2].split() == ["pfr_ring_deliver", "1", "1.00", "61.50"]


# The accounting of every run's frames (pfring.bench.accounting), on synthetic records.

@pytest.mark.parametrize(("received", "drops", "expected"), [
    (1000, 0, acc.LOSS_FREE),
    (990, 10, acc.DROPPED),         # the consumer's own counter explains the missing 10
    (990, 0, acc.UNACCOUNTED),      # 10 frames missing that no counter explains
    (1001, 0, acc.UNACCOUNTED),     # a frame more than was sent (a late one of a step)
    (995, 10, acc.UNACCOUNTED),     # more counted than sent, drops or not
])
def test_a_run_is_judged_by_its_frames_against_what_was_sent(
        received: int, drops: int, expected: str) -> None:
    assert acc.status(_step(0, 1.0, received, drops)) == expected


def test_a_run_without_consumers_has_no_status() -> None:
    assert acc.status({"sent": 1000, "pps": 1.0, "delivered": 1000}) is None
    assert acc.counts({"sent": 1000, "pps": 1.0}) == []


def test_every_ring_must_account_for_every_frame_not_just_their_sum() -> None:
    # Two rings: one saw a frame twice, the other missed one. Their sums add up.
    record = {"sent": 1000, "received": 2000, "drops": 0, "each": [[1001, 0], [999, 0]]}
    assert acc.status(record) == acc.UNACCOUNTED
    record["each"] = [[1000, 0], [1000, 0]]
    assert acc.status(record) == acc.LOSS_FREE


def test_old_records_are_read_from_their_sums() -> None:
    # Written before "each" existed: one consumer, or "rings" consumers summed.
    assert acc.status({"sent": 20000, "received": 18964, "drops": 0}) == acc.UNACCOUNTED
    assert acc.status({"sent": 1000, "rings": 4, "received": 3990, "drops": 10}) \
        == acc.DROPPED


def test_a_ring_on_another_device_should_see_none_of_the_frames() -> None:
    record = {"sent": 1000, "each": [[0, 0]], "expected_each": [0]}
    assert acc.status(record) == acc.LOSS_FREE
    assert not acc.saw_nothing(record)
    record["each"] = [[3, 0]]  # it captured frames of a link it is not bound to
    assert acc.status(record) == acc.UNACCOUNTED


def test_a_consumer_that_counted_nothing_saw_nothing() -> None:
    assert acc.saw_nothing({"sent": 1000, "each": [[0, 0]]})
    assert not acc.saw_nothing({"sent": 1000, "each": [[0, 1000]]})  # dropped them all
    assert acc.saw_nothing({"sent": 1000, "each": [[1000, 0], [0, 0]]})  # one ring of two
    assert not acc.saw_nothing({"sent": 1000, "pps": 1.0})  # no consumer


def test_search_takes_the_highest_loss_free_step_before_the_first_drop() -> None:
    steps = [_step(250, 250.0, 1000), _step(500, 499.0, 1000), _step(750, 700.0, 900, 100),
             _step(0, 900.0, 1000)]
    assert acc.search_outcome(steps) == acc.SearchOutcome(499.0, False)


def test_search_without_a_drop_is_capped_by_the_generator() -> None:
    steps = [_step(250, 250.0, 1000), _step(0, 800.0, 1000)]
    assert acc.search_outcome(steps) == acc.SearchOutcome(800.0, True)


def test_search_step_missing_frames_without_a_drop_voids_the_repetition() -> None:
    # What 2026-11-26-6.1.json counted as loss-free: tcpdump reported 18964 of 20000
    # frames with no drop (the rest came late and were counted in the next step).
    steps = [_step(250, 250.0, 20000, sent=20000), _step(500, 499.0, 18964, sent=20000),
             _step(750, 700.0, 20688, sent=20000)]
    outcome = acc.search_outcome(steps)
    assert outcome.loss_free_pps is None and not outcome.capped
    assert outcome.void_step == 1
    assert acc.search_outcome([]).loss_free_pps is None


def test_describe_names_each_count_and_the_interface_count() -> None:
    record = {"sent": 1000, "delivered": 990, "each": [[985, 5]]}
    assert acc.describe(record) == ("received 985 + dropped 5 = 990 of 1000 (pktgen sent "
                                    "1000, the rx interface counted 990)")


def test_tallies_count_runs_and_steps_that_add_up() -> None:
    good, short = _step(0, 1.0, 1000), _step(0, 1.0, 999)
    assert acc.tally_runs([good, short, good]) == acc.Tally(2, 3)
    # Without consumers: runs in which the rx interface counted what pktgen sent.
    none = [{"sent": 1000, "delivered": 1000}, {"sent": 1000, "delivered": 998},
            {"sent": 1000}]
    assert acc.tally_runs(none) == acc.Tally(1, 2)
    assert acc.tally_steps([{"steps": [good, short]}, {"steps": [good]}]) == acc.Tally(2, 3)
    assert acc.Tally(0, 0).label() == "-" and acc.Tally(2, 3).label() == "2/3"


def test_summary_leaves_void_repetitions_out_of_the_loss_free_rate() -> None:
    raw = _raw()
    tcpdump = [s for s in raw["search"] if s["consumer"] == "tcpdump"]
    tcpdump[0]["steps"][1] = _step(30_000, 10.0, 999)  # a frame unaccounted for
    doc = summarize_raw(raw, {"date": "2026-01-01", "commit": "0" * 40, "quick": True})
    row = next(r for r in doc["scenarios"] if r["consumer"] == "tcpdump")
    assert row["loss_free_void_reps"] == 1
    assert row["loss_free_pps"]["n"] == 2 and row["loss_free_pps"]["median"] == 30_000.0
    assert row["steps_accounted"] == {"good": 8, "total": 9}
    assert len(doc["accounting"]) == 1
    assert doc["accounting"][0].startswith("veth 60 B tcpdump loss-free search rep 0, step 2")
    assert "received 999 + dropped 0 = 999 of 1000" in doc["accounting"][0]
    text = report.markdown(doc)
    assert "(1 void)" in text and "8/9" in text
    assert "Frames unaccounted for" in text


def test_summary_reports_unaccounted_runs_and_a_link_that_lost_frames() -> None:
    raw = _raw()
    none = next(r for r in raw["rate"] if r["consumer"] == "none")
    none["delivered"] = 990
    c = next(r for r in raw["rate"] if r["consumer"] == "pfring-c")
    c["each"] = [[1000, 3]]
    doc = summarize_raw(raw, {"date": "2026-01-01", "commit": "0" * 40, "quick": True})
    assert [line.split(":")[0] for line in doc["accounting"]] == [
        "veth 60 B none run 0", "veth 60 B pfring-c run 0"]
    rows = {r["consumer"]: r for r in doc["scenarios"]}
    assert rows["none"]["runs_accounted"] == {"good": 2, "total": 3}
    assert rows["pfring-c"]["runs_accounted"] == {"good": 2, "total": 3}


def test_table_shows_the_baseline_each_ratio_was_divided_by() -> None:
    doc = _doc_with_a_later_tcpdump_baseline()
    lines = {line.split(" | ")[2]: line.split(" | ")
             for line in report.scenario_table(doc).splitlines()[2:]}
    # consumer | generator kpps | baseline kpps | generator ratio: ratio = gen / baseline
    for label in ("pf_ring, C zero-copy", "tcpdump (libpcap)"):
        gen = float(lines[label][3].split()[0])
        base = float(lines[label][4])
        assert float(lines[label][5]) == pytest.approx(gen / base, abs=1e-3)
    assert lines["tcpdump (libpcap)"][4] == "70.0"
    assert lines["pf_ring, C zero-copy"][4] == "100.0"
    # The scaling block had no baseline of its own here: every no-consumer run counts.
    scale = report.scaling_table(doc).splitlines()[2].split(" | ")
    assert scale[2] == "84.5"  # the median of 70, 70, 70, 99, 100, 101
    assert float(scale[3]) == pytest.approx(float(scale[1].split()[0]) / 84.5, abs=1e-3)


def _unaddressed(raw: dict[str, Any], consumer: str, ratio: float, rep: int) -> dict[str, Any]:
    """One repetition of a block for a ring that must see none of the frames (veth 60 B):
    its baseline run and its own; the base fields of the runs."""
    base = {"link": "veth", "size": 60, "rep": rep, "sent": 1000, "delivered": 1000}
    raw["rate"] += [
        {**base, "consumer": "none", "pps": 100_000.0, "baseline_for": consumer},
        {**base, "consumer": consumer, "pps": 100_000.0 * ratio,
         "received": 0, "drops": 0, "each": [[0, 0]], "expected_each": [0], "cpu_s": 0.0},
    ]
    return base


def _other_device_and_igb(raw: dict[str, Any], other_ratio: float) -> dict[str, Any]:
    """raw plus a ring on another device (veth 60 B) and the igb link's rows."""
    for rep in range(3):
        base = _unaddressed(raw, OTHER_DEVICE, other_ratio, rep)
        igb = {**base, "link": "igb"}
        raw["rate"] += [{**igb, "consumer": "none", "pps": 50_000.0},
                        {**igb, "consumer": "pfring-c", "pps": 40_000.0,
                         "received": 1000, "drops": 0, "each": [[1000, 0]], "cpu_s": 1e-3}]
    return raw


def test_scenarios_follow_the_run_including_another_device_and_igb() -> None:
    raw = _other_device_and_igb(_raw(), 0.8)
    keys = scenario_keys(raw)
    assert keys[0] == ("veth", 60, "none")
    assert keys[-3:] == [("veth", 60, OTHER_DEVICE), ("igb", 60, "none"),
                         ("igb", 60, "pfring-c")]
    doc = summarize_raw(raw, {"date": "2026-01-01", "commit": "0" * 40, "quick": True})
    rows = {(r["link"], r["consumer"]): r for r in doc["scenarios"]}
    assert rows[("veth", OTHER_DEVICE)]["generator_ratio"]["median"] == pytest.approx(0.8)
    assert rows[("veth", OTHER_DEVICE)]["runs_accounted"] == {"good": 3, "total": 3}
    assert rows[("igb", "pfring-c")]["generator_ratio"]["median"] == pytest.approx(0.8)
    verdicts = {(t["key"], t["where"]): t["passed"] for t in doc["targets"]}
    assert verdicts[("e", "veth 60 B")] is False
    assert verdicts[("a", "igb 60 B")] is False
    assert "| veth | 60 B | pf_ring, C, ring on another device |" in report.markdown(doc)
    assert "(e) FAIL" in report.markdown(doc)


def test_another_devices_traffic_costing_nothing_passes_target_e() -> None:
    doc = summarize_raw(_other_device_and_igb(_raw(), 0.99),
                        {"date": "2026-01-01", "commit": "0" * 40, "quick": True})
    assert {(t["key"], t["passed"]) for t in doc["targets"]} >= {("e", True)}


def test_the_quick_plan_includes_both_new_scenarios() -> None:
    from pfring.bench.plan import FULL

    for plan in (QUICK, FULL):
        assert plan.other_device == "lo"
        assert plan.multiqueue == ("pfring-c", "tpacket-v3")
        assert 60 in plan.search_sizes


def _tx_capture_off(raw: dict[str, Any], ratio: float) -> dict[str, Any]:
    """raw plus the ring on the sending end of veth with TX capture off (60 B)."""
    for rep in range(3):
        _unaddressed(raw, TX_CAPTURE_OFF, ratio, rep)
    return raw


@pytest.mark.parametrize(("ratio", "passed"), [(0.99, True), (0.8, False)])
def test_tx_with_capture_off_is_target_f(ratio: float, passed: bool) -> None:
    doc = summarize_raw(_tx_capture_off(_raw(), ratio),
                        {"date": "2026-01-01", "commit": "0" * 40, "quick": True})
    rows = {(r["link"], r["consumer"]): r for r in doc["scenarios"]}
    assert rows[("veth", TX_CAPTURE_OFF)]["generator_ratio"]["median"] == pytest.approx(ratio)
    assert ("f", "veth 60 B", passed) in {(t["key"], t["where"], t["passed"])
                                          for t in doc["targets"]}
    assert f"(f) {'pass' if passed else 'FAIL'}" in report.markdown(doc)
    assert "ring on the sending device, TX capture off" in report.markdown(doc)


# Flows shared by a group (issue 9): a pf_ring cluster against a PACKET_FANOUT_HASH group.

def test_a_groups_totals_are_its_members_sums_and_subtract_member_by_member() -> None:
    before = Totals.of_members([Totals(10, 0), Totals(5, 1)])
    after = Totals.of_members([Totals(610, 0), Totals(402, 4)])
    assert before == Totals(15, 1, (Totals(10, 0), Totals(5, 1)))
    got = after.minus(before)
    assert (got.received, got.drops) == (997, 3)
    assert got.parts == (Totals(600, 0), Totals(397, 3))
    assert Totals(7, 0).minus(Totals(2, 0)) == Totals(5, 0)  # a single consumer: no parts


def _group_run(shares: list[list[int]], sent: int = 1000) -> dict[str, Any]:
    """A run record of one group, as Bench.measure writes it: the group is one consumer
    whose counts are its members' sums, their own counts kept as its shares."""
    return {"sent": sent, "delivered": sent,
            "received": sum(r for r, _ in shares), "drops": sum(d for _, d in shares),
            "each": [[sum(r for r, _ in shares), sum(d for _, d in shares)]],
            "expected_each": [sent], "shares": [shares]}


@pytest.mark.parametrize(("shares", "expected"), [
    ([[500, 0], [500, 0]], acc.LOSS_FREE),        # any split, as long as it adds up
    ([[1000, 0], [0, 0]], acc.LOSS_FREE),         # one member took every flow
    ([[700, 0], [290, 10]], acc.DROPPED),         # a member's drops explain the rest
    ([[500, 0], [499, 0]], acc.UNACCOUNTED),      # a frame no member counted
    ([[501, 0], [500, 0]], acc.UNACCOUNTED),      # a frame two members counted
])
def test_a_group_is_accounted_as_one_consumer(shares: list[list[int]], expected: str) -> None:
    assert acc.status(_group_run(shares)) == expected


def test_a_group_that_counted_nothing_saw_nothing() -> None:
    assert acc.saw_nothing(_group_run([[0, 0], [0, 0], [0, 0], [0, 0]]))
    assert not acc.saw_nothing(_group_run([[0, 0], [0, 0], [0, 0], [1000, 0]]))


def test_group_consumers_need_their_group_id() -> None:
    argv = consumer_argv(CLUSTER, "bench1", 102)
    assert argv[0].endswith("/pfr_consumer")
    assert argv[-5:] == ["-c", "102", "-H", "4", "bench1"]
    assert consumer_argv(FANOUT, "bench1", 104)[-3:] == ["-F", "104", "bench1"]
    assert consumer_argv("tpacket-v3", "bench1")[-1:] == ["bench1"]
    with pytest.raises(ValueError):
        consumer_argv(CLUSTER, "bench1")
    with pytest.raises(ValueError):
        consumer_argv("pfring-c", "bench1", 3)


# generator pps of each (consumer, members) of the flow-sharing block; baseline 100 kpps
FLOWS = {("pfring-c", 0): 90_000.0, ("tpacket-v3", 0): 85_000.0,
         (CLUSTER, 1): 88_000.0, (FANOUT, 1): 80_000.0,
         (CLUSTER, 2): 84_000.0, (FANOUT, 2): 80_000.0,
         (CLUSTER, 4): 70_000.0, (FANOUT, 4): 80_000.0}


def _with_cluster(raw: dict[str, Any]) -> dict[str, Any]:
    """raw plus the flow-sharing scenario as Bench.run_cluster records it: a no-consumer
    block before each N, the plain ring and socket in the first block."""
    cluster: list[dict[str, Any]] = []
    for n in (1, 2, 4):
        block = f"x{n}"
        base = {"link": "veth", "size": 60, "sent": 1000, "delivered": 1000, "block": block}
        cluster += [{**base, "consumer": "none", "rep": rep, "baseline_for": block,
                     "pps": 100_000.0} for rep in range(3)]
        for (consumer, members), pps in FLOWS.items():
            if max(members, 1) != n:
                continue
            for rep, k in enumerate((0.99, 1.0, 1.01)):
                r = {**base, "consumer": consumer, "rep": rep, "pps": pps * k,
                     "received": 1000, "drops": 0, "each": [[1000, 0]],
                     "expected_each": [1000], "cpu_s": 1e-3}
                if members:
                    # the busiest member takes 400 of 1000 frames in every group of 4
                    split = {1: [1000], 2: [550, 450], 4: [400, 200, 200, 200]}[members]
                    r |= {"members": members, "shares": [[[x, 0] for x in split]]}
                cluster.append(r)
    raw["cluster"] = cluster
    return raw


def _cluster_doc() -> dict[str, Any]:
    return summarize_raw(_with_cluster(_raw()),
                         {"date": "2026-01-01", "commit": "0" * 40, "quick": True})


def test_cluster_rows_compare_each_group_with_fanout_and_one_with_no_group() -> None:
    doc = _cluster_doc()
    assert schema_problems(doc) == []
    rows = {(r["consumer"], r["members"]): r for r in doc["cluster"]}
    assert list(rows) == list(FLOWS)  # in the order of the run
    for n, expected in ((1, 1.1), (2, 1.05), (4, 0.875)):
        assert rows[(CLUSTER, n)]["vs_fanout"] == pytest.approx(expected)
        assert rows[(FANOUT, n)]["vs_fanout"] is None
    assert rows[(CLUSTER, 1)]["vs_plain"] == pytest.approx(88 / 90)
    assert rows[(FANOUT, 1)]["vs_plain"] == pytest.approx(80 / 85)
    assert rows[(CLUSTER, 2)]["vs_plain"] is None
    assert rows[(CLUSTER, 4)]["generator_ratio"]["median"] == pytest.approx(0.7)
    assert rows[(CLUSTER, 4)]["baseline_pps"]["median"] == pytest.approx(100_000.0)
    assert rows[(CLUSTER, 4)]["busiest_share"]["median"] == pytest.approx(0.4)
    assert rows[("pfring-c", 0)]["busiest_share"] is None
    assert rows[(CLUSTER, 2)]["runs_accounted"] == {"good": 3, "total": 3}
    verdicts = {(t["key"], t["where"]): t["passed"] for t in doc["targets"]}
    assert verdicts[("g", "veth 60 B, 1 member")] is True
    assert verdicts[("g", "veth 60 B, 2 members")] is True
    assert verdicts[("g", "veth 60 B, 4 members")] is False  # 0.875 < 0.9
    assert doc["raw"]["cluster"] == _with_cluster(_raw())["cluster"]
    # the rows of the other tables do not take the flow block's runs
    plain = next(r for r in doc["scenarios"] if r["consumer"] == "pfring-c")
    assert plain["generator_pps"]["median"] == pytest.approx(95_000.0)


def test_cluster_table_and_note_give_the_ratios() -> None:
    text = report.markdown(_cluster_doc())
    lines = {tuple(line.split(" | ")[:2]): line.split(" | ")
             for line in report.cluster_table(_cluster_doc()).splitlines()[2:]}
    cluster4 = lines[("| pf_ring, C, cluster per flow 5-tuple", "4")]
    assert cluster4[4] == "0.700" and cluster4[5] == "0.875" and cluster4[6] == "FAIL"
    assert cluster4[8] == "40 % (even 25 %)"
    assert lines[("| pf_ring, C zero-copy", "1, no cluster")][7] == "-"
    assert lines[("| pf_ring, C, cluster per flow 5-tuple", "1")][7] == "0.978"
    assert ("pf_ring cluster / PACKET_FANOUT_HASH group of the same size: 1 member 1.100, "
            "2 members 1.050, 4 members 0.875; a cluster of one / one ring in no cluster: "
            "0.978 (a fanout group of one / one plain socket: 0.941).") in text
    assert "(g) pf_ring cluster of N rings (C)" in text


def test_a_group_run_that_does_not_add_up_is_listed() -> None:
    raw = _with_cluster(_raw())
    run = next(r for r in raw["cluster"] if r.get("members") == 2)
    run["each"] = [[999, 0]]
    run["shares"] = [[[550, 0], [449, 0]]]
    doc = summarize_raw(raw, {"date": "2026-01-01", "commit": "0" * 40, "quick": True})
    assert doc["accounting"] == [
        "veth 60 B (flows) pfring-c-cluster of 2 run 0: frames unaccounted for: "
        "received 999 + dropped 0 = 999 of 1000 (pktgen sent 1000, the rx interface "
        "counted 1000)"]
    row = next(r for r in doc["cluster"] if (r["consumer"], r["members"]) == (CLUSTER, 2))
    assert row["runs_accounted"] == {"good": 2, "total": 3}


def test_results_without_a_cluster_block_still_sum_up() -> None:
    doc = _doc()  # raw numbers written before the scenario existed: no "cluster"
    assert doc["cluster"] == [] and report.cluster_table(doc) == ""
    assert report.cluster_note(doc) == ""


def test_the_plans_run_the_cluster_block() -> None:
    from pfring.bench.plan import FULL

    assert QUICK.cluster == FULL.cluster == (1, 2, 4)


def _send(sender: str, rep: int, pps: float, **counts: int) -> dict[str, Any]:
    """A sending run as senders.send_run records it: 1000 frames asked for."""
    return {"sender": sender, "rep": rep, "size": 60, "asked": 1000, "sent": 1000,
            "bytes": 60_000, "seconds": 1000 / pps, "pps": pps, "delivered": 1000,
            "rx_dropped": 0, "tx_dropped": 0} | counts


def test_pfsend_against_af_packet_is_target_h_and_every_frame_is_counted() -> None:
    raw = _raw()
    raw["senders"] = [
        _send(senders.PFSEND, 0, 95_000.0), _send(senders.AF_PACKET, 0, 100_000.0),
        _send(senders.AF_PACKET_RING, 0, 60_000.0),
        _send(senders.PFSEND, 1, 93_000.0), _send(senders.AF_PACKET, 1, 99_000.0),
        _send(senders.AF_PACKET_RING, 1, 61_000.0),
        # sent all, but the link counted 990 + 4: not a result
        _send(senders.PFSEND, 2, 50_000.0, delivered=990, tx_dropped=4),
        _send(senders.AF_PACKET, 2, 101_000.0, delivered=996, tx_dropped=4),
        _send(senders.AF_PACKET_RING, 2, 59_000.0)]
    doc = summarize_raw(raw, {"date": "2026-01-01", "commit": "0" * 40, "quick": True})
    assert schema_problems(doc) == []
    rows = {r["sender"]: r for r in doc["senders"]}
    assert list(rows) == ["pfsend", "af-packet-mmsg", "af-packet-tx-ring"]
    assert (rows["pfsend"]["accounted"], rows["pfsend"]["runs"]) == (2, 3)
    assert rows["pfsend"]["median_pps"] == pytest.approx(94_000.0)
    assert rows["af-packet-mmsg"]["median_pps"] == pytest.approx(100_000.0)
    # against the faster reference
    assert rows["pfsend"]["vs_af_packet"] == pytest.approx(0.94)
    assert rows["af-packet-tx-ring"]["vs_af_packet"] == pytest.approx(0.6)
    assert doc["accounting"] == [
        "veth 60 B pfsend run 2: asked 1000, sent 1000, the link counted 990 delivered + 0 "
        "dropped at rx + 4 dropped at tx"]
    verdicts = {(t["key"], t["where"]): t["passed"] for t in doc["targets"]}
    assert verdicts[("h", "veth 60 B")] is True
    table = report.senders_table(doc).splitlines()
    assert table[2].split(" | ")[1:] == ["94.0 (93.0-95.0)", "0.940", "pass", "2/3 |"]
    assert table[4].split(" | ")[1:] == ["60.0 (59.0-61.0)", "0.600", "", "3/3 |"]
    raw["senders"][3]["pps"] = raw["senders"][0]["pps"] = 80_000.0
    doc = summarize_raw(raw, {"date": "2026-01-01", "commit": "0" * 40, "quick": True})
    assert {(t["key"], t["passed"]) for t in doc["targets"] if t["key"] == "h"} == {("h", False)}


def test_a_sender_that_stopped_short_is_not_accounted() -> None:
    assert senders.accounted(_send(senders.PFSEND, 0, 1.0))
    assert not senders.accounted(_send(senders.PFSEND, 0, 1.0, sent=999, delivered=999))


def test_senders_reports_are_parsed() -> None:
    pfsend_out = ("TX rate: [current 1.00 pps/...]\n"
                  "Sent 40000 frames, 2400000 bytes in 0.812 s: 49261.1 pps, 0.023645 Gbps\n")
    assert senders.parse_output(senders.PFSEND, pfsend_out) == (40000, 2400000, 0.812)
    afp_out = '{"sent": 40000, "bytes": 2400000, "seconds": 0.5}\n'
    assert senders.parse_output(senders.AF_PACKET, afp_out) == (40000, 2400000, 0.5)
    with pytest.raises(RuntimeError, match="pfsend printed no totals"):
        senders.parse_output(senders.PFSEND, "pfsend: sending on x failed\n")


def test_the_plans_run_the_senders() -> None:
    from pfring.bench.plan import FULL

    assert QUICK.senders and FULL.senders


# ---- the filtering scenario (issue 10) ---------------------------------------------------

def _filter_run(case: str, consumer: str, rep: int, pps: float, received: int = 1000,
                drops: int = 0, filtered: int = 0, sampled_out: int = 0,
                **more: Any) -> dict[str, Any]:
    """A run of the filtering scenario as Bench.measure records it: 1000 frames sent."""
    r: dict[str, Any] = {"link": "veth", "size": 60, "consumer": consumer, "rep": rep,
                         "case": case, "sent": 1000, "pps": pps, "delivered": 1000}
    if consumer != "none":
        r |= {"received": received, "drops": drops, "filtered": filtered,
              "sampled_out": sampled_out, "each": [[received, drops, filtered, sampled_out]],
              "expected_each": [1000], "cpu_s": 1e-3}
    else:
        r["baseline_for"] = case
    return r | more


def _filter_raw(gen: dict[str, float]) -> dict[str, Any]:
    """Every case of the full plan, each consumer block at gen[case] of its own
    baseline (100 kpps), 3 repetitions each."""
    from pfring.bench import filtering
    from pfring.bench.plan import FULL

    raw = _raw()
    raw["plan"]["filter_rules"] = list(FULL.filter_rules)
    raw["filtering"] = []
    for case in filtering.cases(FULL):
        for rep in range(3):
            raw["filtering"].append(_filter_run(case.key, "none", rep, 100_000.0))
        start = {"rules": case.n if case.kind == "rules" else 0,
                 "hash_rules": case.n if case.kind == "hash" else 0,
                 "policy": 0 if case.kind == "hash" else 1, "bpf": int(case.kind == "bpf"),
                 "hash_match": 0, "hash_miss": 0}
        end = start | {"hash_match": 3000 if case.kind == "hash" else 0}
        for rep in range(3):
            raw["filtering"].append(_filter_run(
                case.key, case.consumer, rep, 100_000.0 * gen[case.key],
                label=case.label(), filters_at_start=start, filters_at_end=end))
    return raw


_GEN = {"pfring-c none": 0.80, "pfring-c rules 0": 0.80, "pfring-c rules 16": 0.76,
        "pfring-c rules 256": 0.40, "pfring-c hash 10000": 0.70,
        "pfring-c hash 100000": 0.56, "pfring-c bpf": 0.72, "tpacket-v3 none": 0.90,
        "tpacket-v3 bpf": 0.90}


def test_the_filter_cases_and_their_consumers_options() -> None:
    from pfring.bench import filtering
    from pfring.bench.plan import FULL

    keys = [c.key for c in filtering.cases(FULL)]
    assert keys == list(_GEN)
    assert [c.key for c in filtering.cases(QUICK)] == [k for k in _GEN if "rules " not in k
                                                       or k.endswith(" 16")]
    by_key = {c.key: c for c in filtering.cases(FULL)}
    assert by_key["pfring-c none"].options() == []
    assert by_key["pfring-c rules 16"].options() == ["-R", "16"]
    assert by_key["pfring-c hash 100000"].options() == ["-K", "100000", "-k",
                                                          filtering.FLOW]
    assert by_key["tpacket-v3 bpf"].options() == ["-f", "udp"]
    assert by_key["pfring-c hash 100000"].label() == "pf_ring (C), 100,000 hash rules"
    argv = consumer_argv("pfring-c", "bench1", options=["-R", "16"])
    assert argv[-3:] == ["-R", "16", "bench1"] and argv[0].endswith("pfr_consumer")
    argv = consumer_argv("tpacket-v3", "bench1", options=["-f", "udp"])
    assert argv[-3:] == ["-f", "udp", "bench1"] and argv[0].endswith("tpv3_consumer")
    with pytest.raises(ValueError, match="options are for"):
        consumer_argv("tcpdump", "bench1", options=["-f", "udp"])


def test_the_kernel_must_hold_the_filters_a_case_asked_for() -> None:
    from pfring.bench import filtering

    case = filtering.FilterCase("pfring-c", "hash", 10_000)
    case.check_filters({"rules": 0, "hash_rules": 10_000, "policy": 0, "bpf": 0})
    with pytest.raises(RuntimeError, match="hash_rules"):
        case.check_filters({"rules": 0, "hash_rules": 9_999, "policy": 0, "bpf": 0})
    with pytest.raises(RuntimeError, match="did not say"):
        case.check_filters(None)
    # a ring whose one rule was removed holds none
    filtering.FilterCase("pfring-c", "rules", 0).check_filters(
        {"rules": 0, "hash_rules": 0, "policy": 1, "bpf": 0})
    filtering.FilterCase("tpacket-v3", "bpf", expr="udp").check_filters(None)


def test_filtered_and_sampled_out_frames_add_up_with_the_rest() -> None:
    record = {"sent": 1000, "each": [[900, 50, 30, 20]]}
    assert acc.status(record) == acc.DROPPED
    assert acc.counts(record)[0].counted == 1000
    record["each"] = [[900, 0, 30, 20]]
    assert acc.status(record) == acc.UNACCOUNTED
    assert "filtered 30 + sampled out 20 = 950 of 1000" in acc.describe(record)
    record["each"] = [[950, 0, 50, 0]]
    assert acc.status(record) == acc.LOSS_FREE  # a filter's choice is not a loss
    # every frame filtered: accounted, but the ring captured nothing of the traffic
    assert acc.saw_nothing({"sent": 1000, "each": [[0, 0, 1000, 0]]})
    with pytest.raises(ValueError):
        acc.counts({"sent": 1000, "each": [[1000, 0, 0]]})


def test_the_ring_reports_filtered_and_sampled_out_and_its_filters() -> None:
    from pfring.bench.consumers import parse_filter_events

    out = ('{"event": "filters", "rules": 16, "hash_rules": 0, "policy": 1, "bpf": 0, '
           '"hash_match": 0, "hash_miss": 0}\n{"event": "ready"}\n'
           '{"received": 5, "bytes": 300, "drops": 1, "filtered": 2, "sampled_out": 3}\n')
    assert parse_json_lines(out) == [Totals(5, 1, filtered=2, sampled_out=3)]
    assert parse_filter_events(out) == [{"rules": 16, "hash_rules": 0, "policy": 1,
                                         "bpf": 0, "hash_match": 0, "hash_miss": 0}]
    total = Totals(10, 2, filtered=3, sampled_out=4)
    assert total.counted == 19
    assert total.minus(Totals(5, 1, filtered=2, sampled_out=3)) == Totals(
        5, 1, filtered=1, sampled_out=1)
    assert Totals.of_members([Totals(1, 0, filtered=2), Totals(3, 1, sampled_out=1)]) == \
        Totals(4, 1, (Totals(1, 0, filtered=2), Totals(3, 1, sampled_out=1)), 2, 1)


def test_filtering_rows_ratios_and_targets() -> None:
    doc = summarize_raw(_filter_raw(_GEN), {"date": "2026-01-01", "commit": "0" * 40,
                                            "quick": True})
    assert schema_problems(doc) == []
    rows = {r["case"]: r for r in doc["filtering"]}
    assert list(rows) == list(_GEN)
    assert rows["pfring-c rules 16"]["generator_ratio"]["median"] == pytest.approx(0.76)
    assert rows["pfring-c rules 16"]["baseline_pps"]["median"] == pytest.approx(100_000.0)
    assert rows["pfring-c hash 10000"]["received"] == 3000
    assert rows["pfring-c hash 10000"]["runs_accounted"] == {"good": 3, "total": 3}
    ratios = {r["description"]: r["value"] for r in doc["filtering_ratios"]}
    assert ratios["16 wildcard rules / no filter"] == pytest.approx(0.95)
    assert ratios["0 rules (one added and removed) / no filter"] == pytest.approx(1.0)
    assert ratios["100,000 hash rules / 10,000 hash rules"] == pytest.approx(0.8)
    assert ratios["pf_ring BPF / TPACKET_V3 BPF"] == pytest.approx(0.8)
    assert ratios["pf_ring BPF / pf_ring no filter"] == pytest.approx(0.9)
    verdicts = {t["key"]: (t["passed"], t["where"]) for t in doc["targets"]
                if t["key"] in ("i", "j", "k")}
    assert verdicts == {"i": (True, "veth 60 B"), "j": (False, "veth 60 B"),
                        "k": (False, "veth 60 B")}
    assert doc["accounting"] == []
    table = report.filtering_table(doc)
    assert "| pf_ring (C), 100,000 hash rules | 56.0 (56.0-56.0) | 100.0 | 0.560 | 3000 " \
        "| 3000 | 0 | 0 | 0 | 100,000 hash rules, drop policy, hash hits 3,000, misses 0 " \
        "| 3/3 |" in table
    assert "| 16 wildcard rules / no filter | 0.950 | (i) pass |" in table
    assert "| 100,000 hash rules / 10,000 hash rules | 0.800 | (j) FAIL |" in table
    assert "(k) FAIL" in report.markdown(doc)


def test_a_filter_that_keeps_out_traffic_or_frames_that_do_not_add_up_are_listed() -> None:
    raw = _filter_raw(_GEN)
    runs = [r for r in raw["filtering"] if r["consumer"] != "none"]
    runs[0]["each"] = [[990, 0, 10, 0]]      # accounted, but the filter took 10
    runs[1]["each"] = [[990, 0, 0, 0]]       # 10 frames gone
    runs[2]["each"] = [[0, 0, 1000, 0]]      # the filter took everything
    doc = summarize_raw(raw, {"date": "2026-01-01", "commit": "0" * 40, "quick": True})
    assert [line.split(": ")[2] for line in doc["accounting"]] == [
        "the filter kept out frames it should have let through",
        "frames unaccounted for", "the consumer saw nothing"]
    assert doc["accounting"][0].startswith("veth 60 B filtering pfring-c none: pfring-c run 0")


def test_results_without_the_filtering_scenario_have_no_filtering_ratios() -> None:
    doc = _doc()
    assert doc["filtering"] == [] and doc["filtering_ratios"] == []
    assert report.filtering_table(doc) == ""
    assert not any(t["key"] in ("i", "j", "k") for t in doc["targets"])


def test_a_run_can_be_limited_to_the_filtering_scenario() -> None:
    from pfring.bench.plan import FULL, SCENARIOS, select

    assert QUICK.filtering and FULL.filtering
    assert FULL.filter_rules == (0, 16, 256) and QUICK.filter_rules == (16,)
    assert QUICK.filter_hash_rules == FULL.filter_hash_rules == (10_000, 100_000)
    only = select(QUICK, ["filtering"])
    assert only.filtering and only.only == ("filtering",)
    assert (only.links, only.cluster, only.multiqueue, only.other_device) == ((), (), (), "")
    assert not (only.senders or only.tx_capture_off)
    assert select(QUICK, []) == QUICK
    assert select(QUICK, SCENARIOS).links == QUICK.links
    with pytest.raises(ValueError, match="unknown scenario"):
        select(QUICK, ["filters"])
    heading = report.heading({"date": "d", "quick": True, "commit": "0" * 40,
                              "kernel": "k", "cpus": 2, "cpu_model": "c",
                              "plan": only.as_dict()})
    assert "on veth" in heading and "only the scenario(s) filtering" in heading
    assert "another device" not in heading


# The aware drivers (issue 11): pf_ring C through the aware driver, with and without
# capture only, against TPACKET_V3 with the in-tree driver, on one lab link.


def _aware(ratios: dict[str, float]) -> dict[str, Any]:
    """Rows of the aware scenario on igb at 60 B: each consumer after its own baseline."""
    raw = _raw()
    for rep in range(3):
        base = {"link": "igb", "size": 60, "rep": rep}
        for consumer, r in ratios.items():
            raw["rate"] += [
                {**base, "consumer": "none", "pps": 50_000.0, "sent": 1000, "delivered": 1000,
                 "baseline_for": consumer},
                {**base, "consumer": consumer, "pps": 50_000.0 * r, "sent": 1000,
                 "delivered": 1000, "received": 1000, "drops": 0, "each": [[1000, 0]],
                 "expected_each": [1000], "cpu_s": 1e-3}]
    return raw


@pytest.mark.parametrize(("aware", "tpv3", "capture_only", "verdicts"), [
    (0.95, 0.80, 1.05, {"l": True, "m": True, "n": True}),
    (0.85, 0.90, 0.97, {"l": False, "m": False, "n": False}),
])
def test_the_aware_driver_targets_l_m_n(aware: float, tpv3: float, capture_only: float,
                                        verdicts: dict[str, bool]) -> None:
    from pfring.bench.consumers import AWARE, CAPTURE_ONLY

    raw = _aware({"tpacket-v3": tpv3, AWARE: aware, CAPTURE_ONLY: capture_only})
    doc = summarize_raw(raw, {"date": "2026-01-01", "commit": "0" * 40, "quick": False})
    found = {t["key"]: t for t in doc["targets"] if t["where"] == "igb 60 B"}
    for key, passed in verdicts.items():
        assert found[key]["passed"] is passed, found[key]
    assert found["m"]["value"] == pytest.approx(aware / tpv3)
    assert "pf_ring, C, aware driver, capture only" in report.markdown(doc)


def test_target_o_adds_softirq_time_to_the_consumers_cpu_per_packet() -> None:
    from pfring.bench.consumers import AWARE, CAPTURE_ONLY

    raw = _aware({"pfring-c": 0.8, AWARE: 0.95, CAPTURE_ONLY: 1.0})
    cost = {"pfring-c": (2e-3, 8e-3), AWARE: (1e-3, 3e-3), CAPTURE_ONLY: (1e-3, 5e-3)}
    for record in raw["rate"]:
        if record["consumer"] in cost:  # cpu_s, softirq_s for 1000 frames
            record["cpu_s"], record["softirq_s"] = cost[record["consumer"]]
    doc = summarize_raw(raw, {"date": "2026-01-01", "commit": "0" * 40, "quick": False})
    found = {t["where"]: t for t in doc["targets"] if t["key"] == "o"}
    assert found["igb 60 B"]["value"] == pytest.approx(4 / 10)
    assert found["igb 60 B"]["passed"] is True
    assert found["igb 60 B capture only"]["value"] == pytest.approx(6 / 10)
    assert found["igb 60 B capture only"]["passed"] is False
    rows = {r["consumer"]: r for r in doc["scenarios"]}
    assert rows[AWARE]["cpu_softirq_us_per_packet"]["median"] == pytest.approx(4.0)
    assert not schema_problems(doc)
    for record in raw["rate"]:  # results of before softirq time was measured
        record.pop("softirq_s", None)
    older = summarize_raw(raw, {"date": "2026-01-01", "commit": "0" * 40, "quick": False})
    assert not schema_problems(older)
    assert [t["value"] for t in older["targets"] if t["key"] == "o"] == [None, None]


def test_only_aware_runs_the_aware_scenario_alone() -> None:
    from pfring.bench.plan import FULL, select

    plan = select(FULL, ["aware"])
    assert plan.aware == ("e1000e", "igb") and plan.links == () and not plan.filtering
    assert select(FULL, ["links"]).aware == () and QUICK.aware == ()
    # the quick plans have no aware drivers: refused, before anything boots or publishes
    with pytest.raises(ValueError, match="none of aware"):
        select(QUICK, ["aware"])


def test_the_smoke_plan_runs_every_quick_scenario_once() -> None:
    from pfring.bench.plan import SMOKE, plan_for

    assert plan_for(True, smoke=True) is SMOKE and plan_for(True) is QUICK
    assert SMOKE.reps == 1 and SMOKE.count < QUICK.count
    for name in ("links", "sizes", "consumers", "other_device", "tx_capture_off", "senders",
                 "multiqueue", "filtering", "filter_rules", "aware"):
        assert getattr(SMOKE, name) == getattr(QUICK, name), name
    assert SMOKE.cluster and SMOKE.steps[-1] == 0.0

# SPDX-License-Identifier: LGPL-2.1-or-later
"""invoke bench's pure parts: statistics, ratios, targets, the results document, the
README section and the consumers' report parsing. No guest, no kernel."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from pfring.bench import report, targets
from pfring.bench.consumers import Totals, parse_json_lines, parse_tcpdump
from pfring.bench.plan import QUICK
from pfring.bench.stats import capture_cost, ratio, summarize
from pfring.bench.summary import schema_problems, summarize_raw
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
                                 "rep": rep, "sent": 1000, "pps": p * k}
            if consumer != "none":
                r |= {"received": 1000, "drops": 0, "cpu_s": cpu[consumer] * 1e-3}
                search.append({"link": "veth", "size": 60, "consumer": consumer,
                               "rep": rep, "steps": [], "capped": consumer == "pfring-c",
                               "loss_free_pps": loss_free[consumer]})
            rate.append(r)
    scaling = [{"link": "veth", "size": 60, "consumer": "pfring-c", "rep": 0, "sent": 1000,
                "rings": n, "pps": 1 / (1e-5 + n * 1e-6)} for n in (1, 2, 4, 8)]
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


def test_generator_ratio_uses_the_baseline_run_just_before_the_consumer() -> None:
    raw = _raw()
    for r in raw["rate"]:
        if r["consumer"] == "none":
            r["baseline_for"] = "pfring-c"
    # The host slowed down before tcpdump ran: its own baseline was measured then.
    raw["rate"] += [{"link": "veth", "size": 60, "consumer": "none", "rep": rep,
                     "sent": 1000, "pps": 70_000.0, "baseline_for": "tcpdump"}
                    for rep in range(3)]
    doc = summarize_raw(raw, {"date": "2026-01-01", "commit": "0" * 40, "quick": True})
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

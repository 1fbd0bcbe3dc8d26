# SPDX-License-Identifier: LGPL-2.1-or-later
"""invoke bench --zc: parsing the queue_bench program's JSON lines, medians, ratios and
their targets on a sample output (no timing assertions), and one real build and short run
of the program (skipped without DPDK's headers)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from pfring.bench import zc

# Median Mpps per mode over three repetitions: 11, 42, 44, 168, 5.5, 84, 22, 21, 9.5 (the
# middle value).
MPPS = {"zc-single": (10.0, 12.0, 11.0), "zc-burst": (40.0, 44.0, 42.0),
        "ring-single": (40.0, 44.0, 44.0), "ring-burst": (160.0, 170.0, 168.0),
        "ring-single-data": (5.0, 6.0, 5.5), "ring-burst-data": (80.0, 84.0, 90.0),
        "ring-single-mbuf": (20.0, 24.0, 22.0), "ring-burst-mbuf": (20.0, 22.0, 21.0),
        "zc-balancer": (9.0, 12.0, 9.5)}


def _line(mode: str, rep: int, mpps: float, packets: int = 1000, ok: bool = True) -> str:
    d = {"mode": mode, "rep": rep, "packets": packets, "seconds": 0.1, "mpps": mpps,
         "hugepages": mode not in ("ring-single", "ring-burst"), "queue_len": 4096, "burst": 32,
         "ok": ok}
    return json.dumps(d)


SAMPLE = "queue_bench: some line on stdout that is not JSON\n" + "\n".join(
    _line(mode, rep + 1, MPPS[mode][rep]) for rep in range(3) for mode in zc.MODES) + "\n"


def test_parse_skips_other_lines_and_reads_every_run() -> None:
    runs = zc.parse_output(SAMPLE)
    assert len(runs) == 27
    assert runs[0] == zc.ModeRun("zc-single", 1, 1000, 0.1, 10.0, True, True)
    assert zc.check_runs(runs, packets=1000, reps=3) == []


def test_medians_and_ratios_against_targets() -> None:
    median = zc.medians(zc.parse_output(SAMPLE))
    assert median == {"zc-single": 11.0, "zc-burst": 42.0, "ring-single": 44.0,
                      "ring-burst": 168.0, "ring-single-data": 5.5, "ring-burst-data": 84.0,
                      "ring-single-mbuf": 22.0, "ring-burst-mbuf": 21.0, "zc-balancer": 9.5}
    rat = zc.ratios(median)
    single, burst, single_data, burst_data, single_bare, burst_bare = rat
    assert single.name == "zc-single / ring-single-mbuf"
    assert single.value == pytest.approx(0.5)
    assert single.met is False
    assert burst.name == "zc-burst / ring-burst-mbuf"
    assert burst.value == pytest.approx(2.0)
    assert burst.met is True
    assert single_data.value == pytest.approx(2.0)
    assert burst_data.value == pytest.approx(0.5)
    assert single_bare.name == "zc-single / ring-single"
    assert single_bare.value == pytest.approx(0.25)
    assert burst_bare.value == pytest.approx(0.25)
    # information, no target
    assert [r.met for r in rat[2:]] == [None] * 4
    table = zc.format_table(median, rat, True)
    assert "missed" in table and "met" in table and "hugepages" in table
    assert "zc-burst / ring-burst             0.25         -  (information)" in table
    assert "zc-balancer                       9.50   >= 10.0  missed" in table
    (balancer,) = zc.targets({**median, "zc-balancer": 10.5})
    assert balancer.met is True
    assert zc.targets({})[0].value is None and zc.targets({})[0].met is None


def test_a_missing_mode_has_no_ratio() -> None:
    single, burst, *_ = zc.ratios({"zc-single": 1.0, "ring-single-mbuf": 2.0, "zc-burst": 3.0})
    assert single.value == pytest.approx(0.5)
    assert burst.value is None and burst.met is None


def test_wrong_counts_failed_checks_and_missing_reps_are_problems() -> None:
    runs = zc.parse_output(SAMPLE)
    short = [r for r in runs if not (r.mode == "ring-burst" and r.rep == 3)]
    assert zc.check_runs(short, 1000, 3) == ["ring-burst: 2 repetition(s) of 3"]
    bad = zc.parse_output(SAMPLE.replace(_line("zc-single", 1, 10.0),
                                         _line("zc-single", 1, 10.0, packets=999, ok=False)))
    assert zc.check_runs(bad, 1000, 3) == ["zc-single rep 1: 999 packets of 1000",
                                           "zc-single rep 1: failed its checks"]


def test_results_doc_holds_medians_and_ratios_per_queue_length() -> None:
    runs = zc.parse_output(SAMPLE)
    faster = [zc.ModeRun(r.mode, r.rep, r.packets, r.seconds,
                         r.mpps * (2 if r.mode.startswith("zc-") else 1), r.hugepages, r.ok)
              for r in runs]
    doc = zc.results_doc({4096: runs, 1024: faster}, 1000, 3)
    assert doc["hugepages"] is True
    assert doc["normal_pages"] == []
    assert doc["queue_lens"] == [1024, 4096]
    assert list(doc["by_queue_len"]) == ["1024", "4096"]
    at4096, at1024 = doc["by_queue_len"]["4096"], doc["by_queue_len"]["1024"]
    assert at4096["median_mpps"]["zc-burst"] == 42.0
    assert at4096["ratios"]["zc-burst / ring-burst-mbuf"]["met"] is True
    assert at4096["ratios"]["zc-single / ring-single-mbuf"]["met"] is False
    assert at4096["ratios"]["zc-single / ring-single"] == {"value": 0.25, "target": None,
                                                          "met": None}
    assert at1024["ratios"]["zc-single / ring-single-mbuf"]["value"] == pytest.approx(1.0)
    assert at1024["ratios"]["zc-single / ring-single-mbuf"]["met"] is True
    assert len(at4096["runs"]) == 27
    assert at4096["targets_mpps"]["zc-balancer"] == {"value": 9.5, "target": 10.0,
                                                     "met": False}
    assert at1024["targets_mpps"]["zc-balancer"]["met"] is True
    summary = zc.format_summary(doc).splitlines()
    assert summary[2].split() == ["1024", "4096", "target"]
    assert summary[3].split() == ["zc-single", "/", "ring-single-mbuf", "1.00", "0.50", ">=",
                                  "1.0"]
    assert summary[7].split() == ["zc-single", "/", "ring-single", "0.50", "0.25", "-"]
    assert summary[-1].split() == ["zc-balancer", "(Mpps)", "19.00", "9.50", ">=", "10.0"]


def test_a_buffer_mode_on_normal_pages_is_named() -> None:
    runs = zc.parse_output(SAMPLE)  # every buffer on hugepages: comparable
    assert zc.normal_pages(runs) == []
    mbufs_small = [zc.ModeRun(r.mode, r.rep, r.packets, r.seconds, r.mpps,
                              r.hugepages and not (r.mode.endswith("-mbuf") and r.rep == 2), r.ok)
                   for r in runs]
    assert zc.normal_pages(mbufs_small) == ["ring-burst-mbuf", "ring-single-mbuf"]
    everything_small = [zc.ModeRun(r.mode, r.rep, r.packets, r.seconds, r.mpps, False, r.ok)
                        for r in runs]
    assert zc.normal_pages(everything_small) == []  # all alike: comparable


def _have_dpdk() -> bool:
    return shutil.which("pkg-config") is not None and subprocess.run(
        ["pkg-config", "--exists", "libdpdk"], check=False).returncode == 0


@pytest.mark.skipif(not _have_dpdk(), reason="DPDK's headers are missing "
                    "(apt-get install libdpdk-dev)")
def test_program_builds_runs_and_counts_every_packet() -> None:
    exe = zc.build_program()
    n = 10**6
    # -N: normal pages, so that the test needs neither root nor hugepages
    proc = subprocess.run([str(exe), "-n", str(n), "-r", "1", "-N"], capture_output=True,
                          text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    runs = zc.parse_output(proc.stdout)
    assert sorted(r.mode for r in runs) == sorted(zc.MODES)
    assert all(r.packets == n and r.ok for r in runs)
    assert zc.check_runs(runs, n, 1) == []

# SPDX-License-Identifier: LGPL-2.1-or-later
"""The test suite's stages and their tally: host unit tests, the lab suite in one guest per
kernel (all of it on 6.1, its pf_ring.ko part on 6.12, then on the sanitizer kernel, built
first when it is missing), and the host tests that boot guests of their own (tests/boot).

Every stage writes a JUnit XML report; the tally adds them up into one closing line.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from pfring import build as builder
from pfring import drivers
from pfring.lab.bytecode import warm_bytecode
from pfring.lab.kernels import SANITIZE, SERIES, LabKernel, resolve_kernel, sanitize_tree
from pfring.lab.runner import LabRunError, new_run_dir, run_in_lab
from pfring.lab.sanitize import (
    BackgroundBuild,
    SanitizerBuildError,
    ensure_sanitizer_kernel,
    is_built,
)
from pfring.paths import build_root, repo_root
from pfring.testing.kernel_log import KernelReport

NO_TESTS_COLLECTED = 5
# The kernels `invoke test` runs the lab suite on when none is named.
DEFAULT_KERNELS = (*SERIES, SANITIZE)
# `invoke test` runs the whole lab suite on the first lab kernel of the run (6.1), and on
# the others (6.12, the sanitizer kernel) the part whose subject is pf_ring.ko: the kernel
# code is what differs between kernels. CI must finish within its hour on two cores.
#
# Tests whose subject is user-space code: libpfring, the Python binding, the tools and
# Suricata. They reach pf_ring.ko through the socket calls that the kernel tests make.
USERSPACE_TESTS = (
    "test_libpfring", "test_python_ring", "test_suricata", "test_pfwrite",
    "test_pfcount_filters_in_the_kernel", "test_pfcount_refuses_bad_filters_clearly",
    "test_pfcount_processes_share_a_cluster", "test_forwarding_tools_refuse_bad_input",
    "test_pfsend_bad_input_is_a_clear_error", "test_pfsend_replays_a_pcap_at_its_own_pace",
    # libpfring_zc and its tools (one-copy devices over the same socket calls)
    "test_zc_device", "test_zc_balance",
)
# Left out on 6.12 and the sanitizer kernel: the second and later cases of a kernel path
# that another case takes already (they stay on 6.1, which runs everything). pytest -k
# words have no spaces or '>', so a case is named by the start of its id; an entry in
# parentheses is an expression of its own. The aware drivers' tests run on 6.12 on one
# direction of the igb link, exact delivery on e1000e's too. The other
# links, queue and VLAN cases take the same path with other data; the malformed rules and
# out-of-range parameters go through one check each; a third tunnel type, the 64th
# member and the watermark timeouts are the same code again; rates are timing tests.
REPEATS = (
    "[igb-b-", "[e1000e-b-",  # a link's other direction: the same drivers' code
    "test_poll_wakes_after_the_watermark_timeout[options1",
    "test_poll_wakes_after_the_watermark_timeout[options2",
    "test_bad_module_parameters_are_refused[params1]",
    "test_bad_module_parameters_are_refused[params2]",
    "test_bad_module_parameters_are_refused[params3]",
    "test_limits_out_of_range_refuse_the_load[param1]",
    "test_limits_out_of_range_refuse_the_load[param2]",
    "test_limits_out_of_range_refuse_the_load[param3]",
    "test_malformed_rules_are_refused_by_the_kernel[low",
    "test_malformed_rules_are_refused_by_the_kernel[mask",
    "test_malformed_rules_are_refused_by_the_kernel[host",
    "test_malformed_rules_are_refused_by_the_kernel[ipv4",
    "test_malformed_rules_are_refused_by_the_kernel[ip_version",
    "test_malformed_rules_are_refused_by_the_kernel[payload",
    "test_malformed_rules_are_refused_by_the_kernel[balance_id",
    "test_malformed_rules_are_refused_by_the_kernel[reflect",
    "test_malformed_rules_are_refused_by_the_kernel[negative",
    "test_malformed_rules_are_refused_by_the_kernel[padding",
    "test_tunnelled_flows_split_by_the_inner_packet[gtp-u]",
    "test_tunnelled_flows_split_by_the_inner_packet[gre]",
    "test_sixty_four_members_and_no_more",
    "test_pfsend_rate_is_kept_within_5_percent",
    "test_preflect_reflects_and_bounces", "test_pfbridge_forwards_both_ways",
    # the 12 hash types of a cluster (the tunnel, fragment, round-robin, duplicate, kill
    # and refusal tests take every path of cluster.c), the 2-tuple against ports (the
    # hash types' path), the generated filter cases (test_filter.py and the fixed cases
    # take every path of filter.c and rules.c), BPF beyond udp and the VLAN tags (the
    # kernel runs every program the same way)
    "test_each_flow_goes_to_one_member", "test_ports_split_flows_the_2_tuple_keeps_together",
    "test_the_kernel_filters_as_the_oracle_says",
    "test_bpf_decides_as_tcpdump_does[tcp", "test_bpf_decides_as_tcpdump_does[icmp]",
    "test_bpf_decides_as_tcpdump_does[ip6]",
    "test_bpf_decides_as_tcpdump_does[net", "test_bpf_decides_as_tcpdump_does[greater",
    "test_bpf_decides_as_tcpdump_does[not",
    # the aware drivers' lifecycle beyond exact delivery: on igb (the driver with queues,
    # page buffers and the skb path), e1000e's hook being one call before eth_type_trans;
    # RSS's key and TCP beside a ring: the driver's and the stack's own code
    "(test_aware_driver and e1000e and not test_each_frame_is_handed_over)",
    "test_symmetric_rss_puts_both_directions", "test_tcp_over_the_link_while_a_ring",
)
# Left out on the sanitizer kernel too, where KASAN and lockdep make each test slower:
# the lab's own self-tests (no pf_ring code); the filter oracle's fixed cases (without
# them the guest's pytest need not import hypothesis); BPF on a plain UDP frame (the VLAN
# case runs the same program path and more); pfsend's own byte-for-byte test (the send
# batch tests take the kernel's TX path); the promiscuous mode cases that add no path
# to the shared-device one.
SANITIZER_SKIPS = (
    "test_lab_selftest", "test_filter_oracle", "test_bpf_decides_as_tcpdump_does[udp]",
    "test_pfsend_every_frame_arrives_once_byte_for_byte",
    "test_promiscuous_mode_set_by_the_admin_stays",
    "test_a_bind_refused_promiscuous_mode_keeps_the_old_bind",
    # The aware drivers (when the sanitizer kernel has e1000e and igb as modules, see
    # pfring.lab.sanitize): what only the sanitizers can see is a leak or a use after
    # free when a device is attached and let go, which the 100 load/unload cycles under
    # traffic take (with kmemleak's scan at the end); the rest of the file runs on 6.1
    # and 6.12. A second tunnel type: the inner-flow path of VXLAN's case again.
    "(test_aware_driver and not test_pf_ring_loaded_and_unloaded_again_and_again)",
    "test_tunnelled_flows_split_by_the_inner_packet[gre-key]",
)
# Test files the sanitizer stage need not import at all (pytest's start is slow there)
SANITIZER_UNIMPORTED = ("test_lab_selftest.py", "test_filter_oracle.py", "test_suricata.py",
                        "test_libpfring.py", "test_python_ring.py", "test_pfwrite.py",
                        "test_zc_device.py", "test_zc_balance.py")


# The lab stages list their slowest tests (CI's time is the lab's to keep within its hour)
SLOWEST = ("--durations=15", "--durations-min=10")


def none_of(names: tuple[str, ...]) -> str:
    """A pytest -k expression that leaves out the tests named."""
    return " and ".join(f"not {name}" for name in names)


KERNEL_SELECTION = none_of(USERSPACE_TESTS + REPEATS)
SANITIZER_SELECTION = none_of(USERSPACE_TESTS + REPEATS + SANITIZER_SKIPS)


def within(selection: str, keyword: str = "") -> str:
    """The -k expression of a selection narrowed by the user's own."""
    return f"({keyword}) and ({selection})" if keyword else selection


@dataclass
class Outcome:
    """Counts over every stage, and the stages that failed outside their tests."""

    passed: int = 0
    failed: int = 0
    skipped: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.failed == 0 and not self.problems

    def add(self, other: Outcome) -> None:
        self.passed += other.passed
        self.failed += other.failed
        self.skipped += other.skipped
        self.problems += other.problems

    def closing_line(self) -> str:
        lines = [f"problem: {p}" for p in self.problems]
        failed = self.failed + len(self.problems)
        lines.append(f"test: {self.passed} passed, {failed} failed, {self.skipped} skipped")
        return "\n".join(lines)


def junit_outcome(report: Path, stage: str) -> Outcome:
    """Counts from a pytest JUnit XML file (missing file: the stage did not run)."""
    if not report.is_file():
        return Outcome(problems=[f"{stage}: no test report ({report})"])
    root = ET.parse(report).getroot()
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    total = Outcome()
    for s in suites:
        tests, skipped = int(s.get("tests", 0)), int(s.get("skipped", 0))
        failed = int(s.get("failures", 0)) + int(s.get("errors", 0))
        total.add(Outcome(tests - skipped - failed, failed, skipped))
    return total


def pytest_argv(paths: list[str], junit: Path, keyword: str,
                extra: tuple[str, ...] = ()) -> list[str]:
    argv = [sys.executable, "-m", "pytest", *paths, f"--junitxml={junit}", "-v", *extra]
    return argv + (["-k", keyword] if keyword else [])


def run_host_stage(stage: str, paths: list[str], keyword: str,
                   extra: tuple[str, ...] = ()) -> Outcome:
    """A pytest run on this host."""
    report = build_root() / "reports" / f"{stage}.xml"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.unlink(missing_ok=True)
    print(f"==> {stage}: pytest {' '.join([*paths, *extra])}", flush=True)
    rc = subprocess.call(pytest_argv(paths, report, keyword, extra), cwd=repo_root())
    outcome = junit_outcome(report, stage)
    if rc not in (0, 1, NO_TESTS_COLLECTED) and not outcome.problems:
        outcome.problems.append(f"{stage}: pytest exited {rc}")
    return outcome


def module_targets(kernel_release: str = "", kernel_src: str = "") -> list[tuple[str, Path]]:
    """(release, kernel tree) pairs to build modules for."""
    if kernel_src:
        tree = Path(kernel_src)
        return [((tree / "include/config/kernel.release").read_text().strip(), tree)]
    if kernel_release:
        return [(kernel_release, Path(f"/lib/modules/{kernel_release}/build"))]
    kernels = [resolve_kernel(series) for series in SERIES] + optional_kernels()
    return [(k.release, k.build_dir) for k in kernels]


def optional_kernels() -> list[LabKernel]:
    """The sanitizer kernel, when it has been built."""
    if (sanitize_tree() / "arch/x86/boot/bzImage").is_file():
        return [resolve_kernel("sanitize")]
    return []


def built_releases() -> list[str]:
    root = build_root()
    return sorted(p.parent.name for p in root.glob("*/modules") if p.is_dir())


def build_for(kernels: list[LabKernel]) -> None:
    """Build every module source for each kernel (the lab's aware drivers too), and the
    userland once."""
    jobs = builder.default_jobs()
    for kernel in kernels:
        for source in builder.module_sources():
            builder.build_module(source, kernel.release, kernel.build_dir, jobs)
        modular = drivers.modular_drivers(kernel.build_dir)
        for driver in (d for d in drivers.LAB_DRIVERS if d in modular):
            drivers.build_driver(driver, kernel.release, kernel.build_dir, jobs)
    builder.build_userland(jobs)
    builder.build_python_extension()


def sanitizer_paths() -> tuple[list[str], tuple[str, ...]]:
    """The sanitizer stage's test files and pytest options: only the files it runs tests
    of, and no hypothesis plugin (KASAN and lockdep make each import slow in the guest)."""
    files = sorted(p.relative_to(repo_root()).as_posix()
                   for p in (repo_root() / "tests/lab").glob("test_*.py")
                   if p.name not in SANITIZER_UNIMPORTED)
    return files, ("-p", "no:hypothesispytest")


# The sanitizers' own proof, at the end of their stage (in the same boot): lab_fault.ko
# leaks a buffer and reads past one, and the kernel log must report both (kmemleak,
# KASAN), and nothing else.
PLANTED_FAULTS = ("leak", "oob")
PLANTED_MARK = "lab_fault"


def with_planted_faults(command: list[str], release: str) -> list[str]:
    """command, then lab_fault.ko loaded once per planted fault; the command's exit code."""
    module = builder.module_dir(release) / "lab_fault.ko"
    loads = "; ".join(f"insmod {shlex.quote(str(module))} fault={f}" for f in PLANTED_FAULTS)
    return ["sh", "-c", f"{shlex.join(command)}; rc=$?; {loads}; exit $rc"]


def is_planted(report: KernelReport) -> bool:
    """A report of the planted faults: one that names lab_fault, or a kmemleak report whose
    every object was allocated by insmod (the planted loads are the run's only insmod: the
    tests load modules through libkmod; lab_fault is gone by the scan, so the backtraces
    show bare addresses, and a long report comes in several blocks)."""
    if report.kind == "kmemleak":
        comms = [m.group(1) for line in report.excerpt
                 for m in [re.search(r'comm "([^"]*)"', line)] if m]
        if comms and all(comm == "insmod" for comm in comms):
            return True
    return any(PLANTED_MARK in line for line in report.excerpt)


def planted_problems(reports: list[KernelReport]) -> tuple[list[str], list[KernelReport]]:
    """What the planted faults' reports lack, and the reports that are not theirs."""
    planted = [r for r in reports if is_planted(r)]
    text = "\n".join(line for r in planted for line in r.excerpt)
    missing = []
    if "kmemleak" not in {r.kind for r in planted}:
        missing.append("no kmemleak report of lab_fault's planted leak")
    if "KASAN: slab-out-of-bounds" not in text:
        missing.append("no KASAN report of lab_fault's planted out-of-bounds read")
    return missing, [r for r in reports if r not in planted]


def run_lab_suite(kernel: LabKernel, keyword: str = "",
                  tests: tuple[list[str], tuple[str, ...]] = (["tests/lab"], ()),
                  prove_sanitizers: bool = False) -> Outcome:
    """tests/lab (or tests: files and pytest options) under pytest in one fresh guest;
    a kernel-log report fails the stage. prove_sanitizers: then the planted faults,
    whose reports must all be there (and are the only ones allowed)."""
    stage = f"lab-{kernel.name}"
    out_dir = new_run_dir()
    report = out_dir / "junit.xml"
    paths, extra = tests
    command = ["env", "PYTHONDONTWRITEBYTECODE=1",
               f"HYPOTHESIS_STORAGE_DIRECTORY={out_dir / 'hypothesis'}",
               *pytest_argv([*paths, f"--lab-file={out_dir / 'lab.toml'}"], report, keyword,
                            (*extra, *SLOWEST))]
    if prove_sanitizers:
        command = with_planted_faults(command, kernel.release)
    print(f"==> {stage}: tests/lab in a guest", flush=True)
    warm_bytecode()  # the guest's pytest, on a read-only tree, reads what the host wrote
    try:
        result = run_in_lab(command, kernel, out_dir=out_dir, timeout=40 * 60)
    except LabRunError as e:
        return Outcome(problems=[f"{stage}: {e}"])
    outcome = junit_outcome(report, stage)
    reports = result.reports
    if prove_sanitizers:
        missing, reports = planted_problems(result.reports)
        outcome.problems += [f"{stage}: {m} (see {out_dir / 'dmesg.log'})" for m in missing]
        if not missing:
            print(f"==> {stage}: the planted faults were reported (kmemleak, KASAN): the "
                  "sanitizers work", flush=True)
    if reports:
        outcome.problems.append(f"{stage}: {len(reports)} kernel-log report(s), see "
                                f"{out_dir / 'dmesg.log'}")
    if result.returncode not in (0, 1, NO_TESTS_COLLECTED) and not outcome.problems:
        outcome.problems.append(f"{stage}: the guest's pytest exited {result.returncode}")
    return outcome


def start_sanitizer_build(names: list[str]) -> BackgroundBuild | None:
    """When names include the sanitizer kernel and it is missing: its build, started in
    the background (the stages before its own run meanwhile)."""
    if SANITIZE not in names or is_built():
        return None
    return BackgroundBuild(build_root() / "reports" / "sanitizer-kernel.log",
                           builder.default_jobs())


def run_sanitizer_stage(keyword: str = "", background: BackgroundBuild | None = None) -> Outcome:
    """The kernel-facing part of the lab suite (SANITIZER_SELECTION) on the sanitizer kernel,
    which is built first when it is missing (or waited for, when background builds it)."""
    try:
        if background is not None:
            background.wait()
        kernel = ensure_sanitizer_kernel(builder.default_jobs())
    except SanitizerBuildError as e:
        return Outcome(problems=[f"lab-{SANITIZE}: {e}"])
    build_for([kernel])
    return run_lab_suite(kernel, sanitizer_keyword(keyword), sanitizer_paths(),
                         prove_sanitizers=True)


def sanitizer_keyword(keyword: str = "") -> str:
    """The -k expression of the sanitizer kernel's lab suite: the user's, within
    SANITIZER_SELECTION."""
    return within(SANITIZER_SELECTION, keyword)


def run_all(names: list[str], keyword: str = "",
            background: BackgroundBuild | None = None) -> Outcome:
    """Unit tests, each kernel's lab suite, then the boot tests.

    names are lab kernels ('6.1', 'sanitize', a release...): the first gets the whole lab
    suite, the others KERNEL_SELECTION; the sanitizer kernel's suite (SANITIZER_SELECTION)
    runs after the others, its kernel built first when it is missing (background: its
    build, started by start_sanitizer_build, is waited for). The others must exist
    (FileNotFoundError says what to do)."""
    kernels = [resolve_kernel(name) for name in names if name != SANITIZE]
    if kernels:
        build_for(kernels)
    total = run_host_stage("unit", ["tests/unit"], keyword)
    for n, kernel in enumerate(kernels):
        total.add(run_lab_suite(kernel, within(KERNEL_SELECTION, keyword) if n else keyword))
    if SANITIZE in names:
        total.add(run_sanitizer_stage(keyword, background))
    if names:
        total.add(run_host_stage("boot", ["tests/boot"], keyword))
    return total

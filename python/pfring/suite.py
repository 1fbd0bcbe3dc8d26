# SPDX-License-Identifier: LGPL-2.1-or-later
"""The test suite's stages and their tally: host unit tests, the lab suite in one guest per
kernel (all of it on 6.1, its pf_ring.ko part on 6.12, then on the sanitizer kernel, built
first when it is missing), and the host tests that boot guests of their own (tests/boot).

Every stage writes a JUnit XML report; the tally adds them up into one closing line.
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from pfring import build as builder
from pfring.lab.kernels import SANITIZE, SERIES, LabKernel, resolve_kernel, sanitize_tree
from pfring.lab.runner import LabRunError, new_run_dir, run_in_lab
from pfring.lab.sanitize import SanitizerBuildError, ensure_sanitizer_kernel
from pfring.paths import build_root, repo_root

NO_TESTS_COLLECTED = 5
# The kernels `invoke test` runs the lab suite on when none is named.
DEFAULT_KERNELS = (*SERIES, SANITIZE)
# tests/boot's tests that boot the sanitizer kernel.
SANITIZER_MARK = "sanitize"
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
)
# Left out on the sanitizer kernel too, where KASAN and lockdep make each test slower:
# the lab's own self-tests (no pf_ring code), and tests that take a kernel path again
# that other tests take. The 12 hash types of a cluster (the tunnel, fragment, round-robin,
# duplicate, kill, 64-member and refusal tests take every path of cluster.c); the
# generated filter cases (test_filter.py and the fixed cases take every path of filter.c
# and rules.c); plain GRE (GRE with a key takes the same path further); the 2-tuple
# against ports (the hash types' path).
SANITIZER_SKIPS = (
    "test_lab_selftest", "test_each_flow_goes_to_one_member",
    "test_the_kernel_filters_as_the_oracle_says",
    "test_tunnelled_flows_split_by_the_inner_packet[gre]",
    "test_ports_split_flows_the_2_tuple_keeps_together",
)


def none_of(names: tuple[str, ...]) -> str:
    """A pytest -k expression that leaves out the tests named."""
    return " and ".join(f"not {name}" for name in names)


KERNEL_SELECTION = none_of(USERSPACE_TESTS)
SANITIZER_SELECTION = none_of(USERSPACE_TESTS + SANITIZER_SKIPS)


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
    """Build every module source for each kernel, and the userland once."""
    jobs = os.cpu_count() or 2
    for kernel in kernels:
        for source in builder.module_sources():
            builder.build_module(source, kernel.release, kernel.build_dir, jobs)
    builder.build_userland(jobs)
    builder.build_python_extension()


def run_lab_suite(kernel: LabKernel, keyword: str = "") -> Outcome:
    """tests/lab under pytest in one fresh guest; a kernel-log report fails the stage."""
    stage = f"lab-{kernel.name}"
    out_dir = new_run_dir()
    report = out_dir / "junit.xml"
    command = ["env", "PYTHONDONTWRITEBYTECODE=1",
               f"HYPOTHESIS_STORAGE_DIRECTORY={out_dir / 'hypothesis'}",
               *pytest_argv(["tests/lab", f"--lab-file={out_dir / 'lab.toml'}"], report, keyword)]
    print(f"==> {stage}: tests/lab in a guest", flush=True)
    try:
        result = run_in_lab(command, kernel, out_dir=out_dir, timeout=40 * 60)
    except LabRunError as e:
        return Outcome(problems=[f"{stage}: {e}"])
    outcome = junit_outcome(report, stage)
    if result.reports:
        outcome.problems.append(f"{stage}: {len(result.reports)} kernel-log report(s), see "
                                f"{out_dir / 'dmesg.log'}")
    if result.returncode not in (0, 1, NO_TESTS_COLLECTED) and not outcome.problems:
        outcome.problems.append(f"{stage}: the guest's pytest exited {result.returncode}")
    return outcome


def run_sanitizer_stage(keyword: str = "") -> Outcome:
    """The kernel-facing part of the lab suite (SANITIZER_SELECTION) on the sanitizer kernel,
    which is built first when it is missing."""
    try:
        kernel = ensure_sanitizer_kernel(os.cpu_count() or 2)
    except SanitizerBuildError as e:
        return Outcome(problems=[f"lab-{SANITIZE}: {e}"])
    build_for([kernel])
    return run_lab_suite(kernel, sanitizer_keyword(keyword))


def sanitizer_keyword(keyword: str = "") -> str:
    """The -k expression of the sanitizer kernel's lab suite: the user's, within
    SANITIZER_SELECTION."""
    return within(SANITIZER_SELECTION, keyword)


def boot_stage_options(names: list[str]) -> tuple[str, ...]:
    """tests/boot's options: the sanitizer's proof runs when its kernel is in the run."""
    return () if SANITIZE in names else ("-m", f"not {SANITIZER_MARK}")


def run_all(names: list[str], keyword: str = "") -> Outcome:
    """Unit tests, each kernel's lab suite, then the boot tests.

    names are lab kernels ('6.1', 'sanitize', a release...): the first gets the whole lab
    suite, the others KERNEL_SELECTION; the sanitizer kernel's suite (SANITIZER_SELECTION)
    runs after the others, its kernel built first when it is missing. The others must
    exist (FileNotFoundError says what to do)."""
    kernels = [resolve_kernel(name) for name in names if name != SANITIZE]
    if kernels:
        build_for(kernels)
    total = run_host_stage("unit", ["tests/unit"], keyword)
    for n, kernel in enumerate(kernels):
        total.add(run_lab_suite(kernel, within(KERNEL_SELECTION, keyword) if n else keyword))
    if SANITIZE in names:
        total.add(run_sanitizer_stage(keyword))
    if names:
        total.add(run_host_stage("boot", ["tests/boot"], keyword, boot_stage_options(names)))
    return total

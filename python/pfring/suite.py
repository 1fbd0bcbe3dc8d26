# SPDX-License-Identifier: LGPL-2.1-or-later
"""The test suite's stages and their tally: host unit tests, the lab suite in one guest per
kernel (6.1, 6.12, then the sanitizer kernel, built first when it is missing), and the host
tests that boot guests of their own (tests/boot).

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
# What `invoke test` runs on the sanitizer kernel: the tests that drive pf_ring.ko directly
# (test_ring_kernel, test_ring_hardening, and any new file). Left out: the lab's own
# self-tests (no pf_ring code) and the library and Python binding tests, which reach the
# kernel through the same socket calls. Under KASAN and TCG the whole suite takes about 19
# minutes (12 of them tests, 6 to boot and start pytest), which would take CI past its 60;
# `invoke lab.test --kernel sanitize` still runs it all. Of the cluster tests, the one
# that repeats the same path for each of 12 hash types is left out too (the others cover
# every kernel path of cluster.c: tunnels, fragments, round robin, duplicates, a member
# killed, 64 members, refusals). Of the filter tests, the generated cases compared with
# the model are left out (test_filter.py and the fixed cases take every path of
# filter.c and rules.c).
SANITIZER_SELECTION = ("not test_lab_selftest and not test_libpfring and not test_python_ring"
                       " and not test_each_flow_goes_to_one_member"
                       " and not test_the_kernel_filters_as_the_oracle_says")


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
    return f"({keyword}) and ({SANITIZER_SELECTION})" if keyword else SANITIZER_SELECTION


def boot_stage_options(names: list[str]) -> tuple[str, ...]:
    """tests/boot's options: the sanitizer's proof runs when its kernel is in the run."""
    return () if SANITIZE in names else ("-m", f"not {SANITIZER_MARK}")


def run_all(names: list[str], keyword: str = "") -> Outcome:
    """Unit tests, each kernel's lab suite, then the boot tests.

    names are lab kernels ('6.1', 'sanitize', a release...); the sanitizer kernel's suite
    runs after the others, its kernel built first when it is missing. The others must
    exist (FileNotFoundError says what to do)."""
    kernels = [resolve_kernel(name) for name in names if name != SANITIZE]
    if kernels:
        build_for(kernels)
    total = run_host_stage("unit", ["tests/unit"], keyword)
    for kernel in kernels:
        total.add(run_lab_suite(kernel, keyword))
    if SANITIZE in names:
        total.add(run_sanitizer_stage(keyword))
    if names:
        total.add(run_host_stage("boot", ["tests/boot"], keyword, boot_stage_options(names)))
    return total

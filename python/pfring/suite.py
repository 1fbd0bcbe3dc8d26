# SPDX-License-Identifier: LGPL-2.1-or-later
"""The test suite's stages and their tally: host unit tests, the lab suite in one guest per
kernel, and the host tests that boot guests of their own (tests/boot).

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
from pfring.lab.kernels import SERIES, LabKernel, resolve_kernel, sanitize_tree
from pfring.lab.runner import LabRunError, new_run_dir, run_in_lab
from pfring.paths import build_root, repo_root

NO_TESTS_COLLECTED = 5


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


def pytest_argv(paths: list[str], junit: Path, keyword: str) -> list[str]:
    argv = [sys.executable, "-m", "pytest", *paths, f"--junitxml={junit}", "-v"]
    return argv + (["-k", keyword] if keyword else [])


def run_host_stage(stage: str, paths: list[str], keyword: str) -> Outcome:
    """A pytest run on this host."""
    report = build_root() / "reports" / f"{stage}.xml"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.unlink(missing_ok=True)
    print(f"==> {stage}: pytest {' '.join(paths)}", flush=True)
    rc = subprocess.call(pytest_argv(paths, report, keyword), cwd=repo_root())
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


def run_all(kernels: list[LabKernel], keyword: str = "") -> Outcome:
    """Unit tests, then each kernel's lab suite, then the boot tests."""
    if kernels:
        # every kernel the boot tests may use, the sanitizer's included when it is built
        build_for(kernels + [k for k in optional_kernels() if k not in kernels])
    total = run_host_stage("unit", ["tests/unit"], keyword)
    for kernel in kernels:
        total.add(run_lab_suite(kernel, keyword))
    if kernels:
        total.add(run_host_stage("boot", ["tests/boot"], keyword))
    return total

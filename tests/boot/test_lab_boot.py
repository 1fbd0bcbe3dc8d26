# SPDX-License-Identifier: LGPL-2.1-or-later
"""Host tests that boot guests of their own: the CLI path of 'invoke lab.run', and the
proof that the kernel-log check fails a run whose kernel reported a fault (a warning on
any kernel; a leak for kmemleak and an out-of-bounds read for KASAN on the sanitizer
kernel, which must be built: its test fails, it does not skip, when the kernel is missing)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pfring.lab.kernels import LabKernel, resolve_kernel, sanitize_tree
from pfring.lab.runner import LabRunResult, run_in_lab
from pfring.lab.sanitize import is_built
from pfring.lab.topology import VIRTUAL_TOPOLOGY
from pfring.paths import repo_root
from pfring.testing.plugin import built_module


def invoke(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "invoke", *args], cwd=repo_root(),
                          capture_output=True, text=True, timeout=600, check=False)


def test_lab_run_lists_the_four_nics_with_their_drivers() -> None:
    done = invoke("lab.run", "--",
                  "ip -br link; for d in /sys/class/net/*/device/driver; do "
                  "echo \"$d -> $(basename $(readlink $d))\"; done")
    assert done.returncode == 0, done.stdout + done.stderr
    for nic in VIRTUAL_TOPOLOGY:
        assert nic.mac in done.stdout, f"{nic.name} ({nic.mac}) missing:\n{done.stdout}"
    drivers = [line.rsplit(" ", 1)[-1] for line in done.stdout.splitlines() if " -> " in line]
    assert sorted(drivers) == ["e1000e", "e1000e", "igb", "igb"]


def test_lab_run_returns_the_command_exit_code() -> None:
    done = invoke("lab.run", "--", "exit 7")
    assert done.returncode == 7, done.stdout + done.stderr


def run_faults(kernel: LabKernel, *faults: str) -> LabRunResult:
    """Load lab_fault once per fault in one boot (each load ends with ECANCELED)."""
    module = built_module("lab_fault", kernel.release)
    if not module.is_file():
        pytest.fail(f"{module} is not built: 'invoke build' first")
    loads = "; ".join(f"insmod {module} fault={fault}" for fault in faults)
    return run_in_lab(["sh", "-c", loads], kernel, timeout=900)


def messages(result: LabRunResult) -> str:
    return "\n".join(line for r in result.reports for line in r.excerpt)


def test_a_kernel_warning_fails_the_run() -> None:
    result = run_faults(resolve_kernel("6.1"), "warn")
    assert "WARNING" in {r.kind for r in result.reports}, result.dmesg[-3000:]
    assert "lab_fault: deliberate warning" in messages(result)
    assert not result.ok


@pytest.mark.sanitize
def test_the_sanitizers_reports_fail_the_run() -> None:
    if not is_built():
        pytest.fail(f"no complete sanitizer kernel in {sanitize_tree()}: 'invoke test' builds "
                    "it (or 'invoke lab.kernel --sanitize'); see its lab-sanitize stage for why "
                    "it could not be built")
    kernel = resolve_kernel("sanitize")
    result = run_faults(kernel, "leak", "oob")
    kinds = {r.kind for r in result.reports}
    assert "kmemleak" in kinds, result.dmesg[-3000:]
    assert "BUG" in kinds and "KASAN: slab-out-of-bounds" in messages(result)
    assert "lab_fault_init" in messages(result) or "lab_fault_oob" in messages(result)
    assert not result.ok

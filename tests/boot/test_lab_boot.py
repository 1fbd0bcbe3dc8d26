# SPDX-License-Identifier: LGPL-2.1-or-later
"""Host tests that boot guests of their own: the CLI path of 'invoke lab.run', and the
proof that the kernel-log check fails a run whose kernel reported a fault (a warning).
The sanitizers' proof (a leak for kmemleak, an out-of-bounds read for KASAN) ends the
sanitizer kernel's own stage, in its boot (pfring.suite.PLANTED_FAULTS)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pfring.lab.kernels import LabKernel, resolve_kernel
from pfring.lab.runner import LabRunResult, run_in_lab
from pfring.lab.topology import VIRTUAL_TOPOLOGY
from pfring.paths import repo_root
from pfring.testing.plugin import built_module


def invoke(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "invoke", *args], cwd=repo_root(),
                          capture_output=True, text=True, timeout=600, check=False)


def test_lab_run_lists_the_four_nics_and_returns_the_command_exit_code() -> None:
    done = invoke("lab.run", "--",
                  "ip -br link; for d in /sys/class/net/*/device/driver; do "
                  "echo \"$d -> $(basename $(readlink $d))\"; done; exit 7")
    assert done.returncode == 7, done.stdout + done.stderr
    for nic in VIRTUAL_TOPOLOGY:
        assert nic.mac in done.stdout, f"{nic.name} ({nic.mac}) missing:\n{done.stdout}"
    drivers = [line.rsplit(" ", 1)[-1] for line in done.stdout.splitlines() if " -> " in line]
    assert sorted(drivers) == ["e1000e", "e1000e", "igb", "igb"]


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

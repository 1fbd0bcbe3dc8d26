# SPDX-License-Identifier: LGPL-2.1-or-later
"""Host tests that boot guests of their own: the CLI path of 'invoke lab.run', and the
proof that the kernel-log check fails a run whose kernel logged a warning."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pfring.lab.kernels import resolve_kernel
from pfring.lab.runner import run_in_lab
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


def test_a_kernel_warning_fails_the_run() -> None:
    kernel = resolve_kernel("6.1")
    module = built_module("lab_warn", kernel.release)
    if not module.is_file():
        pytest.fail(f"{module} is not built: 'invoke build' first")
    result = run_in_lab(["insmod", str(module)], kernel, timeout=600)
    assert result.returncode == 0, "insmod itself should succeed"
    kinds = {r.kind for r in result.reports}
    assert "WARNING" in kinds, result.dmesg[-3000:]
    assert not result.ok
    assert any("lab_warn: deliberate warning" in line
               for r in result.reports for line in r.excerpt)

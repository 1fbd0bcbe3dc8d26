# SPDX-License-Identifier: LGPL-2.1-or-later
"""The Invoke tasks as a user calls them, and the suite's tally."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pfring.paths import repo_root
from pfring.suite import Outcome, junit_outcome

TASKS = ("deps", "build", "install", "lint", "test", "clean", "bench",
         "lab.run", "lab.shell", "lab.test", "lab.demo", "lab.kernel")


def invoke(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "invoke", *args], cwd=repo_root(),
                          capture_output=True, text=True, timeout=120, check=False)


def test_invoke_list_tells_the_story() -> None:
    listing = invoke("--list").stdout
    for name in TASKS:
        assert f"  {name} " in listing, f"{name} missing from invoke --list"


@pytest.mark.parametrize("name", TASKS)
def test_every_option_has_help(name: str) -> None:
    text = invoke("--help", name).stdout
    options = [line for line in text.splitlines() if line.strip().startswith("-")]
    for line in options:
        assert len(line.split(None, 1)) == 2, f"{name}: option without help: {line!r}"


def test_lab_run_dry_run_shows_the_boot() -> None:
    done = invoke("lab.run", "--dry-run", "--", "ip -br link")
    assert done.returncode == 0, done.stderr
    argv = done.stdout
    assert "--disable-kvm" in argv and "--disable-microvm" in argv
    for slot in ("0x0b", "0x0c", "0x0d", "0x0e"):
        assert f"addr={slot}" in argv
    assert "pfring.lab.guest" in argv and "ip -br link" in argv


def test_lab_run_without_a_command_says_how() -> None:
    done = invoke("lab.run")
    assert done.returncode == 2
    assert "usage: invoke lab.run" in done.stderr


def test_an_unknown_kernel_is_a_clear_error() -> None:
    done = invoke("lab.run", "--kernel", "9.9.9-none", "--", "true")
    assert done.returncode == 2
    assert "invoke deps" in done.stderr


def test_the_tally_adds_junit_reports_and_problems(tmp_path: Path) -> None:
    report = tmp_path / "r.xml"
    report.write_text('<testsuites><testsuite tests="7" failures="1" errors="1" '
                      'skipped="2"/></testsuites>')
    outcome = junit_outcome(report, "unit")
    assert (outcome.passed, outcome.failed, outcome.skipped) == (3, 2, 2)
    outcome.add(junit_outcome(tmp_path / "missing.xml", "lab-6.1"))
    assert not outcome.ok
    assert outcome.closing_line().splitlines()[-1] == "test: 3 passed, 3 failed, 2 skipped"
    assert Outcome(passed=4).closing_line() == "test: 4 passed, 0 failed, 0 skipped"

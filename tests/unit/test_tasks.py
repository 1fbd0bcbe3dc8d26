# SPDX-License-Identifier: LGPL-2.1-or-later
"""The Invoke tasks as a user calls them, and the suite's tally."""

from __future__ import annotations

import inspect
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pfring.lab.sanitize import BUILT_MARK, BackgroundBuild, configuration_mark, is_built
from pfring.paths import repo_root
from pfring.suite import (
    KERNEL_SELECTION,
    Outcome,
    junit_outcome,
    planted_problems,
    run_sanitizer_stage,
    sanitizer_keyword,
    sanitizer_paths,
    start_sanitizer_build,
    with_planted_faults,
)
from pfring.tasks import namespace
from pfring.testing.kernel_log import KernelReport

TASKS = ("deps", "build", "install", "lint", "test", "clean", "bench",
         "lab.run", "lab.shell", "lab.test", "lab.demo", "lab.kernel")


def invoke(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "invoke", *args], cwd=repo_root(),
                          capture_output=True, text=True, timeout=120, check=False)


def test_invoke_list_tells_the_story() -> None:
    listing = invoke("--list").stdout
    for name in TASKS:
        assert f"  {name} " in listing, f"{name} missing from invoke --list"


TASKS_WITHOUT_OPTIONS = ("lint",)
OPTION_LINE = re.compile(r"^  (-\S.*?)(?: {2,}(\S.*))?$")


def help_options(page: str) -> dict[str, str]:
    """The Options section of an 'invoke --help TASK' page: long option name -> help text
    (wrapped lines joined; empty when the option has none)."""
    section = page.split("\nOptions:\n", 1)[1].splitlines() if "\nOptions:\n" in page else []
    options: dict[str, str] = {}
    last = ""
    for line in section:
        match = OPTION_LINE.match(line)
        if match:
            last = next(n for n in re.split(r"[ ,=]+", match[1]) if n.startswith("--"))
            options[last] = match[2] or ""
        elif last and line.startswith("   ") and line.strip():
            options[last] += " " + line.strip()
    return options


def task_options(name: str) -> set[str]:
    """The long options a task's parameters give it."""
    body = namespace[name].body
    parameters = list(inspect.signature(body).parameters)[1:]  # after the Context
    return {"--" + p.replace("_", "-") for p in parameters}


def test_help_options_parses_a_page_and_sees_missing_help() -> None:
    page = ("Usage: inv[oke] [--core-opts] x [--options] [other tasks here ...]\n\nOptions:\n"
            "  -d, --dry-run                        print the commands instead of running\n"
            "                                       them\n"
            "  -k STRING, --kernel-release=STRING\n"
            "  -u, --unit-only   only the host tests\n")
    assert help_options(page) == {"--dry-run": "print the commands instead of running them",
                                  "--kernel-release": "", "--unit-only": "only the host tests"}
    assert help_options("Options:\n  none\n") == {}


@pytest.mark.parametrize("name", TASKS)
def test_every_option_has_help(name: str) -> None:
    done = invoke("--help", name)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"Usage: inv[oke] [--core-opts] {name} "), done.stdout
    options = help_options(done.stdout)
    assert set(options) == task_options(name)
    if name not in TASKS_WITHOUT_OPTIONS:
        assert options, f"{name}: its help page lists no option"
    for option, text in options.items():
        assert text.strip(), f"{name}: {option} has no help"


def test_lab_run_dry_run_shows_the_boot() -> None:
    done = invoke("lab.run", "--dry-run", "--", "ip -br link")
    assert done.returncode == 0, done.stderr
    argv = done.stdout
    assert "--disable-kvm" in argv and "--disable-microvm" in argv
    for slot in ("0x0b", "0x0c", "0x0d", "0x0e"):
        assert f"addr={slot}" in argv
    assert "pfring.lab.guest" in argv and "--command-file" in argv
    command_file = Path(argv.split("--command-file ")[1].split()[0].strip("'"))
    assert json.loads(command_file.read_text()) == ["sh", "-c", "ip -br link"]


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


def test_invoke_test_runs_the_sanitizer_kernel_by_default() -> None:
    options = help_options(invoke("--help", "test").stdout)
    assert "(default: 6.1, 6.12, sanitize)" in options["--kernel"]


def test_a_sanitizer_build_needs_its_mark(tmp_path: Path) -> None:
    for built in ("arch/x86/boot/bzImage", "include/config/kernel.release", "Module.symvers"):
        (tmp_path / built).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / built).write_text("x")
    assert not is_built(tmp_path), "a build that never completed"
    (tmp_path / BUILT_MARK).write_text("CONFIG_KASAN=y\n")
    assert not is_built(tmp_path), "a build of other configuration items"
    (tmp_path / BUILT_MARK).write_text(configuration_mark())
    assert is_built(tmp_path)
    (tmp_path / "arch/x86/boot/bzImage").unlink()
    assert not is_built(tmp_path)


def test_a_sanitizer_kernel_that_cannot_be_built_fails_its_stage(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # an unpacked tree that is no kernel source: its configuration step fails
    tree = tmp_path / "kernels/sanitize-6.1"
    tree.mkdir(parents=True)
    (tree / "Makefile").write_text("")
    monkeypatch.setenv("PFRING_CACHE", str(tmp_path))
    outcome = run_sanitizer_stage()
    assert not outcome.ok
    assert len(outcome.problems) == 1
    assert outcome.problems[0].startswith("lab-sanitize: the sanitizer kernel could not be built")


def test_a_background_sanitizer_build_that_fails_fails_its_stage(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The build in its own process (as `invoke test` starts it): the stage waits for
    it, and its failure names the log and shows the log's last lines."""
    tree = tmp_path / "kernels/sanitize-6.1"
    tree.mkdir(parents=True)
    (tree / "Makefile").write_text("")
    monkeypatch.setenv("PFRING_CACHE", str(tmp_path))
    log = tmp_path / "sanitizer-kernel.log"
    build = BackgroundBuild(log, 1)
    outcome = run_sanitizer_stage(background=build)
    assert build.proc.returncode not in (0, None)
    assert len(outcome.problems) == 1
    problem = outcome.problems[0]
    assert problem.startswith("lab-sanitize: the sanitizer kernel could not be built (exit code")
    assert str(log) in problem
    assert "--kconfig" in problem  # the tail of its log: the step that failed
    assert start_sanitizer_build(["6.1", "6.12"]) is None  # not asked for: not built


def test_the_sanitizer_stage_ends_with_its_planted_faults() -> None:
    command = with_planted_faults(["pytest", "tests/lab", "-k", "not x"], "6.1.192")
    assert command[:2] == ["sh", "-c"]
    assert command[2].startswith("pytest tests/lab -k 'not x'; rc=$?; insmod ")
    assert "fault=leak" in command[2] and "fault=oob" in command[2]
    assert command[2].endswith("; exit $rc")
    leak = KernelReport("kmemleak", 10, ("unreferenced object 0xffff", "  lab_fault_init+0x1"))
    oob = KernelReport("BUG", 20, ("BUG: KASAN: slab-out-of-bounds in lab_fault_oob+0x2",))
    other = KernelReport("WARNING", 30, ("WARNING: CPU: 0 at kernel/x.c pfr_hook_rcv",))
    assert planted_problems([leak, oob]) == ([], [])
    # the rest of a long kmemleak report: lab_fault is gone, its objects are insmod's
    more = KernelReport("kmemleak", 40, ('  comm "insmod", pid 476, jiffies 1',
                                         "    [<0>] 0xffffffffc0348061"))
    theirs = KernelReport("kmemleak", 50, ('  comm "insmod", pid 476', '  comm "pfr_probe"'))
    assert planted_problems([leak, more, oob, theirs]) == ([], [theirs])
    missing, others = planted_problems([oob, other])
    assert missing == ["no kmemleak report of lab_fault's planted leak"] and others == [other]
    missing, _ = planted_problems([leak])
    assert missing == ["no KASAN report of lab_fault's planted out-of-bounds read"]


def lab_files_selected(keyword: str) -> dict[str, int]:
    """tests/lab files and how many of their tests a -k expression selects (host collection)."""
    done = subprocess.run([sys.executable, "-m", "pytest", "tests/lab", "--collect-only", "-q",
                           "-k", keyword], cwd=repo_root(), capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    files: dict[str, int] = {}
    for line in done.stdout.splitlines():
        if "::" in line:
            name = Path(line.split("::")[0]).name
            files[name] = files.get(name, 0) + 1
    return files


def test_the_sanitizer_run_keeps_the_tests_that_drive_the_module() -> None:
    files = lab_files_selected(sanitizer_keyword())
    assert files.get("test_ring_kernel.py", 0) > 10
    assert files.get("test_ring_hardening.py", 0) > 5
    for left_out in ("test_lab_selftest.py", "test_libpfring.py", "test_python_ring.py"):
        assert left_out not in files
    assert "test_pfwrite.py" not in files and "test_suricata.py" not in files
    assert files.get("test_filter.py", 0) > 20 and "test_filter_oracle.py" not in files
    # each kernel path once: one malformed rule, one tunnel type of a kind
    everything = lab_files_selected("")
    assert files["test_filter.py"] < everything["test_filter.py"] - 10
    paths, options = sanitizer_paths()
    assert options == ("-p", "no:hypothesispytest")
    assert {Path(p).name for p in paths} == set(files)
    only_caplen = lab_files_selected(sanitizer_keyword("caplen"))
    assert set(only_caplen) == {"test_ring_kernel.py"}
    assert 0 < only_caplen["test_ring_kernel.py"] < files["test_ring_kernel.py"]


def test_a_second_kernel_runs_what_pf_ring_ko_does_and_the_lab_self_tests() -> None:
    files = lab_files_selected(KERNEL_SELECTION)
    everything = lab_files_selected("")
    for left_out in ("test_libpfring.py", "test_python_ring.py", "test_pfwrite.py"):
        assert left_out not in files and left_out in everything
    # the oracle's fixed cases, not its generated one (test_filter.py's paths again)
    assert 0 < files["test_filter_oracle.py"] == everything["test_filter_oracle.py"] - 1
    assert 0 < files["test_lab_selftest.py"] <= everything["test_lab_selftest.py"]
    # the second case of a path stays on the first kernel
    assert 0 < files["test_ring_kernel.py"] < everything["test_ring_kernel.py"]
    for part in ("test_cluster.py", "test_filter.py"):  # without their pfcount tests
        assert 0 < files[part] < everything[part]

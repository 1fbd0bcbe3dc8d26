# SPDX-License-Identifier: LGPL-2.1-or-later
"""Task definitions. `invoke --list` tells the story; `invoke --help TASK` its options."""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path

from invoke.collection import Collection
from invoke.context import Context
from invoke.exceptions import Exit
from invoke.tasks import task

from pfring import build as builder
from pfring import deps as apt
from pfring import drivers, suite
from pfring.clients.suricata import SuricataUnavailable, ensure_suricata
from pfring.lab.kernels import DEFAULT_KERNEL, SANITIZE, LabKernel, resolve_kernel
from pfring.lab.runner import run_in_lab, shell_in_lab
from pfring.lab.sanitize import build_sanitizer_kernel
from pfring.paths import build_root, repo_root
from pfring.tasks import pypackage

KERNEL_HELP = "lab kernel: 6.1 (default), 6.12, sanitize, a release, or a built tree"


def _kernel(name: str) -> LabKernel:
    try:
        return resolve_kernel(name)
    except FileNotFoundError as e:
        raise Exit(str(e), code=2) from e


def _build_clients(strict: bool) -> None:
    """Suricata for the lab's real-client test, built into the cache when it is missing
    (about 3 minutes on 2 cores; again only when our public headers change). strict (CI,
    which must run that test): a failed build fails the task; otherwise the test skips
    with the reason."""
    try:
        suricata = ensure_suricata(builder.default_jobs())
        print(f"==> suricata for today's headers: {suricata}", flush=True)
    except SuricataUnavailable as e:
        if strict:
            raise Exit(f"suricata could not be built: {e}", code=1) from e
        print(f"==> suricata is not built ({e}); its lab test will skip", flush=True)


def _build_drivers(release: str, kdir: Path) -> None:
    """The aware drivers for a kernel, each whose in-tree driver is a module there (a
    kernel without a series for one of them is an error that says so)."""
    modular = drivers.modular_drivers(kdir)
    try:
        for driver in (d for d in drivers.patched_drivers() if d in modular):
            drivers.build_driver(driver, release, kdir, builder.default_jobs())
    except drivers.NoSeries as e:
        raise Exit(str(e), code=1) from e


@task(help={"dry_run": "print the apt commands instead of running them"})
def deps(c: Context, dry_run: bool = False) -> None:
    """Install apt packages: QEMU (backports), lab kernels and headers, build tools.

    Idempotent: adds the bookworm-backports source once, installs only what is missing.
    """
    if os.geteuid() != 0 and not dry_run:
        raise Exit("invoke deps installs apt packages: run it as root", code=1)
    apt.install(dry_run=dry_run)


@task(help={
    "kernel_release": "build modules for this release (default: every installed lab kernel)",
    "kernel_src": "build modules against this kernel tree instead (e.g. the sanitizer tree)",
    "newest_kernel": "instead: build pf_ring.ko against Debian unstable's newest kernel "
                     "source (a build-only check; downloaded and prepared once, cached)",
    "dry_run": "print the commands instead of running them",
})
def build(c: Context, kernel_release: str = "", kernel_src: str = "",
          newest_kernel: bool = False, dry_run: bool = False) -> None:
    """Build whatever exists: kernel modules, drivers, userland, Python extension."""
    if newest_kernel:
        from pfring.newest_kernel import build_against_newest

        if not dry_run:
            print(f"==> built {build_against_newest(builder.default_jobs())}", flush=True)
        return
    targets = suite.module_targets(kernel_release, kernel_src)
    for release, kdir in targets:
        for source in builder.module_sources():
            print(f"==> building {source.name}.ko for {release}", flush=True)
            builder.build_module(source, release, kdir, builder.default_jobs(), dry_run)
        if not dry_run:
            _build_drivers(release, kdir)
    if builder.build_userland(builder.default_jobs(), dry_run):
        print("==> built userland", flush=True)
    if builder.build_python_extension(dry_run):
        print("==> built the Python binding (pfring.native._pfring)", flush=True)
    if not dry_run:
        _build_clients(strict=bool(os.environ.get("CI")))


@task(help={
    "destdir": "staging root prepended to every path (packaging); nothing outside it changes",
    "prefix": "prefix for headers, libraries, tools, the Python package (default /usr/local)",
    "kernel_release": "install the modules built for this release (default: every built one)",
})
def install(c: Context, destdir: str = "", prefix: str = "/usr/local",
            kernel_release: str = "") -> None:
    """Install modules (lib/modules/KR/extra), header, libraries, tools, Python package.

    With --destdir the Python package is staged in DESTDIR/PREFIX/lib/python3.X/
    dist-packages (lib/python3/dist-packages for --prefix /usr), where Debian's python3
    finds it; without, it goes into the running environment. Neither leaves anything in
    the checkout.
    """
    root = Path(destdir or "/")
    releases = [kernel_release] if kernel_release else suite.built_releases()
    for release in releases:
        ko = builder.module_dir(release) / "pf_ring.ko"
        if ko.is_file():
            dest = root / "lib/modules" / release / "extra"
            dest.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ko, dest / ko.name)
            print(f"installed {dest / ko.name}")
        # The aware drivers keep their in-tree names: updates/ comes first for modprobe
        for ko in drivers.built_drivers(release):
            dest = root / "lib/modules" / release / "updates"
            dest.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ko, dest / ko.name)
            print(f"installed {dest / ko.name}")
        if not destdir and (root / "lib/modules" / release / "modules.dep").is_file():
            c.run(f"depmod -a {shlex.quote(release)}")
    header = repo_root() / "kernel/include/uapi/linux/pf_ring.h"
    if header.is_file():
        dest = root / prefix.lstrip("/") / "include/linux"
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copy2(header, dest / "pf_ring.h")
        print(f"installed {dest / 'pf_ring.h'}")
    if (repo_root() / "userland/Makefile").is_file():
        c.run(f"make -C {repo_root() / 'userland'} install "
              f"BUILD_DIR={shlex.quote(str(builder.user_build_dir()))} "
              f"DESTDIR={shlex.quote(str(root))} PREFIX={shlex.quote(prefix)}")
    if destdir:
        pypackage.stage_package(root, prefix)
    else:
        pypackage.install_into_environment()


@task
def lint(c: Context) -> None:
    """Run ruff on the Python code and mypy --strict on the package."""
    with c.cd(str(repo_root())):
        c.run(f"{sys.executable} -m ruff check python tests tasks.py", echo=True)
        c.run(f"{sys.executable} -m mypy --config-file python/pyproject.toml python/pfring",
              echo=True)


@task(iterable=["kernel"], help={
    "kernel": "lab kernels to run the lab suite on, repeatable "
              f"(default: {', '.join(suite.DEFAULT_KERNELS)})",
    "unit_only": "only the host tests (no lab boot)",
    "keyword": "pytest -k expression, passed to every stage",
})
def test(c: Context, kernel: list[str] | None = None, unit_only: bool = False,
         keyword: str = "") -> None:
    """Run the whole suite: lint, unit tests, the lab suite per kernel, the boot tests.

    The lab suite runs in one guest per kernel: all of it on the first (6.1), the tests
    whose subject is pf_ring.ko on the others (6.12, then the sanitizer kernel: KASAN,
    lockdep, kmemleak, with fewer repeats of one path; pfring.suite says which).
    lab.test runs it all on any kernel. The sanitizer kernel, when it is missing from
    ~/.cache/pfring, is built there in the background while the other stages run (at
    the lowest CPU priority; about 9 minutes of two idle cores). The boot tests prove
    that the kernel-log check fails a run. Ends with one line:
    'test: N passed, N failed, N skipped'.
    """
    names = [] if unit_only else (kernel or list(suite.DEFAULT_KERNELS))
    for name in names:
        if name != SANITIZE:
            _kernel(name)  # a missing kernel is an error before anything runs
    background = suite.start_sanitizer_build(names)
    try:
        lint(c)
        if names:
            _build_clients(strict=False)
        outcome = suite.run_all(names, keyword, background)
    finally:
        if background is not None:
            background.stop()
    print(outcome.closing_line(), flush=True)
    if not outcome.ok:
        raise Exit(code=1)


@task(help={"kernel": KERNEL_HELP, "dry_run": "print the vng command instead of booting"})
def lab_run(c: Context, kernel: str = DEFAULT_KERNEL, dry_run: bool = False) -> None:
    """Run a command in a fresh guest: invoke lab.run [--kernel K] -- CMD.

    Output is streamed; its exit code is returned; a kernel-log report fails the run.
    """
    if not c.remainder.strip():
        raise Exit("usage: invoke lab.run [--kernel K] -- COMMAND", code=2)
    result = run_in_lab(["sh", "-c", c.remainder], _kernel(kernel), dry_run=dry_run)
    if result.reports:
        raise Exit(code=result.returncode or 1)
    if result.returncode:
        raise Exit(code=result.returncode)


@task(help={"kernel": KERNEL_HELP})
def lab_shell(c: Context, kernel: str = DEFAULT_KERNEL) -> None:
    """Open an interactive shell in a fresh guest, the lab's NICs up."""
    raise Exit(code=shell_in_lab(_kernel(kernel)))


@task(help={"kernel": KERNEL_HELP, "keyword": "pytest -k expression"})
def lab_test(c: Context, kernel: str = DEFAULT_KERNEL, keyword: str = "") -> None:
    """Run the lab suite (tests/lab) under pytest in one fresh guest."""
    k = _kernel(kernel)
    suite.build_for([k])
    outcome = suite.run_lab_suite(k, keyword)
    print(outcome.closing_line(), flush=True)
    if not outcome.ok:
        raise Exit(code=1)


@task(help={"kernel": KERNEL_HELP})
def lab_demo(c: Context, kernel: str = DEFAULT_KERNEL) -> None:
    """Boot the lab, show its NICs and drivers, send frames over every link."""
    k = _kernel(kernel)
    suite.build_for([k])
    result = run_in_lab([sys.executable, "-m", "pfring.lab.demo"], k)
    if not result.ok:
        raise Exit(code=result.returncode or 1)


@task(help={"sanitize": "build the KASAN + lockdep + kmemleak kernel (about 9 minutes)",
            "dry_run": "print the build commands"})
def lab_kernel(c: Context, sanitize: bool = False, dry_run: bool = False) -> None:
    """Build the sanitizer lab kernel (KASAN, lockdep, kmemleak) into the cache.

    Boot it with --kernel sanitize on any lab task.
    """
    if not sanitize:
        raise Exit("nothing to build: pass --sanitize", code=2)
    tree = build_sanitizer_kernel(builder.default_jobs(), dry_run)
    print(f"sanitizer kernel: {tree}")


@task(iterable=["only"], help={
    "kernel": KERNEL_HELP,
    "quick": "veth, 60-byte frames, 3 repetitions: a few minutes",
    "smoke": "the quick plan once, few frames (CI: the bench cannot rot; not published)",
    "only": "run only this scenario (repeatable): links, cluster, tx-capture-off, "
            "senders, multiqueue, filtering, aware, zc-ingestion",
    "profile": "instead: perf profiles of the delivering and consuming CPUs, "
               "one per consumer (veth, 60 B)",
    "zc": "instead: the ZC SPSC queue against DPDK's rte_ring on the host (no guest); "
          "writes bench/results/<date>-host-zc.json"})
def bench(c: Context, kernel: str = DEFAULT_KERNEL, quick: bool = False,
          smoke: bool = False, only: list[str] | None = None, profile: bool = False,
          zc: bool = False) -> None:
    """Measure the cost of capture: pf_ring against TPACKET_V3 and libpcap, in one boot.

    Writes bench/results/<date>-<kernel>.json, prints the table, updates README.md's
    Performance section and bench/results/latest.png. It reports; it does not fail on a
    missed target.
    """
    if zc:
        from pfring.bench.zc import ZcBenchError, run_zc_bench

        try:
            run_zc_bench()
        except ZcBenchError as e:
            raise Exit(f"bench --zc: {e}", code=1) from e
        return
    from pfring.bench.host import run_bench, run_profile

    if profile:
        print(f"bench: profiles in {run_profile(_kernel(kernel))}")
        return
    try:
        doc = run_bench(_kernel(kernel), quick or smoke, only or (), smoke)
    except ValueError as e:
        raise Exit(str(e), code=2) from e
    if doc["errors"]:
        raise Exit(f"bench: {len(doc['errors'])} scenario(s) failed, see above", code=1)


@task(help={"all": "also the lab-run folders (build/lab-runs) and bench scratch"})
def clean(c: Context, all: bool = False) -> None:
    """Remove build output (build/, except lab-run logs unless --all)."""
    root = build_root()
    if not root.is_dir():
        return
    for child in root.iterdir():
        if child.name == "lab-runs" and not all:
            continue
        shutil.rmtree(child)
    if (repo_root() / "userland/Makefile").is_file():
        c.run(f"make -C {repo_root() / 'userland'} clean")


lab = Collection("lab")
lab.add_task(lab_run, "run")
lab.add_task(lab_shell, "shell")
lab.add_task(lab_test, "test")
lab.add_task(lab_demo, "demo")
lab.add_task(lab_kernel, "kernel")

namespace = Collection(deps, build, install, lint, test, bench, clean, lab)

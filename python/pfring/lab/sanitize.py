# SPDX-License-Identifier: LGPL-2.1-or-later
"""The lab's sanitizer kernel: Debian's linux-source-6.1 with KASAN, lockdep and kmemleak.

It is built once (about 9 minutes on two cores) into the cache outside the repository
and booted with '--kernel sanitize'; `invoke test` builds it when it is missing, in the
background while its other stages run (BackgroundBuild). The NIC drivers, veth and
pktgen are built in, so the guest needs no module tree for them; out-of-tree modules
(pf_ring.ko, test modules) build against the tree itself. (With CONFIG_E1000E=m and
CONFIG_IGB=m the aware drivers are built for it and their tests run under the
sanitizers; measured 2026-12-03, all passed, but that stage then took 30 minutes, more
than CI's hour leaves it: they stay built in.)

A build that completed leaves a mark in the tree naming the configuration items it was
made with: a tree without it (an interrupted build, other configuration items) is built
again, incrementally.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from pfring.build import default_jobs
from pfring.lab.kernels import SANITIZE, LabKernel, resolve_kernel, sanitize_tree
from pfring.lab.vng import vng_argv, vng_env

SOURCE_TARBALL = Path("/usr/src/linux-source-6.1.tar.xz")
BUILT_MARK = ".pfring-sanitize-built"

# Added to virtme-ng's minimal configuration.
CONFIG_ITEMS = (
    # the sanitizers
    "CONFIG_KASAN=y",
    "CONFIG_KASAN_GENERIC=y",
    "CONFIG_KASAN_INLINE=y",
    "CONFIG_PROVE_LOCKING=y",
    "CONFIG_DEBUG_ATOMIC_SLEEP=y",
    "CONFIG_DEBUG_KMEMLEAK=y",
    "CONFIG_DEBUG_KMEMLEAK_MEM_POOL_SIZE=16000",
    "CONFIG_DEBUG_KMEMLEAK_AUTO_SCAN=n",
    "CONFIG_DEBUG_FS=y",
    "CONFIG_DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT=n",
    "CONFIG_DEBUG_INFO_NONE=y",
    # out-of-tree modules
    "CONFIG_MODULES=y",
    "CONFIG_MODULE_UNLOAD=y",
    "CONFIG_MODULE_FORCE_UNLOAD=y",
    # the lab's NICs and traffic
    "CONFIG_PCI=y",
    "CONFIG_PCI_MSI=y",
    "CONFIG_NETDEVICES=y",
    "CONFIG_ETHERNET=y",
    "CONFIG_NET_VENDOR_INTEL=y",
    "CONFIG_E1000E=y",
    "CONFIG_IGB=y",
    "CONFIG_VETH=y",
    "CONFIG_TUN=y",
    # what pf_ring.ko's tests exercise: memory cgroups, user namespaces
    "CONFIG_MEMCG=y",
    "CONFIG_USER_NS=y",
    "CONFIG_NET_PKTGEN=y",
    "CONFIG_PACKET=y",
    "CONFIG_IPV6=y",
    "CONFIG_XDP_SOCKETS=y",
    "CONFIG_BPF_SYSCALL=y",
    # what vng's configuration has and a guest on a serial console never uses: graphics
    # (a seventh of the build), sound, KVM, AGP, RAID and device-mapper
    "CONFIG_DRM=n",
    "CONFIG_SOUND=n",
    "CONFIG_KVM=n",
    "CONFIG_AGP=n",
    "CONFIG_MD=n",
)


def unpack_source(tree: Path, tarball: Path = SOURCE_TARBALL) -> None:
    """Unpack Debian's kernel source into the cache, once."""
    if (tree / "Makefile").is_file():
        return
    if not tarball.is_file():
        raise FileNotFoundError(f"{tarball} is missing: run 'invoke deps' (linux-source-6.1)")
    tree.parent.mkdir(parents=True, exist_ok=True)
    staging = tree.parent / "unpacking"
    shutil.rmtree(staging, ignore_errors=True)
    print(f"==> unpacking {tarball} into {tree}", flush=True)
    staging.mkdir()
    subprocess.run(["tar", "-xf", str(tarball), "-C", str(staging)], check=True)
    (top,) = list(staging.iterdir())
    top.rename(tree)
    staging.rmdir()


def kconfig_argv() -> list[str]:
    """virtme-ng's minimal configuration for the lab (written to .config, nothing built)."""
    return vng_argv("--kconfig", "--force")


def apply_config_items(tree: Path) -> None:
    """Set CONFIG_ITEMS on top of vng's configuration and check that every one of them held.

    vng's own list switches a few options off (IPv6 among them) after our --configitem
    values, so the items are applied here with the kernel's scripts/config instead.
    """
    config = tree / ".config"
    for item in CONFIG_ITEMS:
        name, value = item.removeprefix("CONFIG_").split("=", 1)
        subprocess.run(
            ["scripts/config", "--file", str(config), "--set-val", name, value],
            cwd=tree,
            check=True,
        )
    subprocess.run(["make", "olddefconfig"], cwd=tree, check=True, stdout=subprocess.DEVNULL)
    have = set(config.read_text().splitlines())
    missing = [
        item
        for item in CONFIG_ITEMS
        if item not in have and not (item.endswith("=n") and f"# {item[:-2]} is not set" in have)
    ]
    if missing:
        raise RuntimeError(f"the sanitizer configuration lost: {', '.join(missing)}")


def configuration_mark() -> str:
    """What a completed build writes into its mark: the configuration items it holds."""
    return "\n".join(CONFIG_ITEMS) + "\n"


def is_built(tree: Path | None = None) -> bool:
    """A completed build of the current configuration: image, symbols, and the mark."""
    tree = tree or sanitize_tree()
    mark = tree / BUILT_MARK
    needed = (tree / "arch/x86/boot/bzImage", tree / "include/config/kernel.release",
              tree / "Module.symvers", mark)
    return all(p.is_file() for p in needed) and mark.read_text() == configuration_mark()


def build_sanitizer_kernel(jobs: int, dry_run: bool = False) -> Path:
    """Build (or bring up to date) the sanitizer kernel; returns its tree."""
    tree = sanitize_tree()
    if dry_run:
        print(f"(cd {tree} && {shlex.join(kconfig_argv())})")
        print(f"(cd {tree} && scripts/config --set-val ... {' '.join(CONFIG_ITEMS)})")
        print(f"(cd {tree} && make -j{jobs} && make modules_prepare)")
        return tree
    unpack_source(tree)
    (tree / BUILT_MARK).unlink(missing_ok=True)
    print(f"==> configuring the sanitizer kernel in {tree}", flush=True)
    subprocess.run(kconfig_argv(), cwd=tree, check=True, env=vng_env())
    apply_config_items(tree)
    print(f"==> building it (about 9 minutes on {jobs} idle cores)", flush=True)
    subprocess.run(["make", f"-j{jobs}"], cwd=tree, check=True)
    # Out-of-tree modules need the tree's Module.symvers and generated headers.
    subprocess.run(["make", f"-j{jobs}", "modules_prepare"], cwd=tree, check=True)
    (tree / BUILT_MARK).write_text(configuration_mark())
    return tree


class SanitizerBuildError(RuntimeError):
    """The sanitizer kernel is missing and could not be built."""


def _lowest_cpu_priority() -> None:
    """SCHED_IDLE for the calling process and what it starts: CPU time nothing else wants."""
    os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))


class BackgroundBuild:
    """The sanitizer kernel built by another process under SCHED_IDLE while the suite's
    other stages run: their guests leave much of the CPU idle (measured 2026-12-03: the
    6.1 lab stage's QEMU used 0.64 of two cores), which the build takes first. It is not
    free: beside it the 6.12 stage's tests took 304 s instead of 250 s, while 6 of the
    build's 11 minutes went by. Its output goes to log; wait() returns once it is done."""

    def __init__(self, log: Path, jobs: int) -> None:
        self.log = log
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "pfring.lab.sanitize", "--jobs", str(jobs)],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                preexec_fn=_lowest_cpu_priority, start_new_session=True)
        print(f"==> building the sanitizer kernel in the background at the lowest CPU "
              f"priority (log: {log})", flush=True)

    def stop(self) -> None:
        """End the build if it still runs (make and its compilers with it): the suite
        stopped early. Its tree has no mark then and is built again next time."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait()

    def wait(self) -> None:
        """Until the build ends; SanitizerBuildError, with its log's last lines, if it
        failed."""
        if self.proc.wait() != 0:
            tail = self.log.read_text(errors="replace").splitlines()[-20:]
            raise SanitizerBuildError("the sanitizer kernel could not be built (exit code "
                                      f"{self.proc.returncode}; {self.log}):\n"
                                      + "\n".join(tail))


def ensure_sanitizer_kernel(jobs: int) -> LabKernel:
    """The sanitizer kernel, built first when it is missing (or its build incomplete)."""
    if not is_built():
        print(f"==> no complete sanitizer kernel in {sanitize_tree()}: building it", flush=True)
        try:
            build_sanitizer_kernel(jobs)
        except (OSError, RuntimeError, subprocess.CalledProcessError) as e:
            raise SanitizerBuildError(
                f"the sanitizer kernel could not be built ({e}); see the output above, "
                "or run 'invoke lab.kernel --sanitize'") from e
    return resolve_kernel(SANITIZE)


def main() -> None:
    """python -m pfring.lab.sanitize [--jobs N]: build the sanitizer kernel when it is
    missing (BackgroundBuild's process)."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--jobs", type=int, default=default_jobs())
    ensure_sanitizer_kernel(parser.parse_args().jobs)


if __name__ == "__main__":
    main()
